#include "runtime/gateway/api_keys.hpp"

#include <algorithm>
#include <sstream>

#include "session/scopes.hpp"
#include "session/transfer.hpp"
#include "session/validate.hpp"

namespace souk::gateway {
namespace {

const std::vector<std::string_view> known_scopes = {
    session::scope::session_read,      session::scope::session_write,
    session::scope::payment_authorize, session::scope::inventory_publish,
    session::scope::customer_publish,  session::scope::admin};

// Compares every byte whatever differs, so the time taken says nothing of the key.
bool same_hash(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

bool identity::may(std::string_view scope) const {
  return std::any_of(scopes.begin(), scopes.end(), [&](const std::string& s) {
    return s == scope || s == session::scope::admin;
  });
}

std::string hash_key(const std::string& key) { return "sha256:" + session::sha256_hex(key); }

session::result<api_keys> api_keys::parse(const std::vector<std::string>& entries) {
  api_keys keys;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::istringstream in(entries[i]);
    entry e;
    std::string hash, scope;
    in >> e.who.agent_id >> hash;
    if (!session::valid_identifier(e.who.agent_id))
      return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                           "api key entry " + std::to_string(i + 1) +
                               ": the agent id is not an identifier (1-128 bytes of UTF-8 "
                               "without control characters)");
    auto bad = [&](const std::string& why) {
      return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                           "api key entry " + std::to_string(i + 1) + " (" + e.who.agent_id +
                               "): " + why +
                               "; expected \"AGENT_ID sha256:HEX SCOPE...\"");
    };
    if (hash.rfind("sha256:", 0) != 0 || hash.size() != 7 + 64 ||
        hash.find_first_not_of("0123456789abcdef", 7) != std::string::npos)
      return bad("the key must be given as sha256: and 64 lowercase hex digits "
                 "(soukctl hash-key prints it)");
    e.hash = hash.substr(7);
    while (in >> scope) {
      if (std::find(known_scopes.begin(), known_scopes.end(), scope) == known_scopes.end())
        return bad("unknown scope '" + scope + "'");
      e.who.scopes.push_back(scope);
    }
    if (e.who.scopes.empty()) return bad("no scopes");
    keys.keys_.push_back(std::move(e));
  }
  return keys;
}

std::vector<std::string> api_keys::example_keys() const {
  // The keys README.md and tools/souk-node/souk-node.ini show: anybody can guess them.
  static const std::vector<std::string> examples = [] {
    std::vector<std::string> hashes;
    for (const char* key : {"chat-agent-key", "support-key", "inventory-key", "payments-key", "payment-key",
                            "crm-key", "ops-key", "email-agent-key", "admin-key"})
      hashes.push_back(session::sha256_hex(key));
    return hashes;
  }();
  std::vector<std::string> agents;
  for (const auto& e : keys_)
    if (std::find(examples.begin(), examples.end(), e.hash) != examples.end())
      agents.push_back(e.who.agent_id);
  return agents;
}

std::optional<identity> api_keys::authenticate(std::string_view authorization) const {
  constexpr std::string_view bearer = "Bearer ";
  if (authorization.size() <= bearer.size() || authorization.substr(0, bearer.size()) != bearer)
    return std::nullopt;
  auto hash = session::sha256_hex(std::string(authorization.substr(bearer.size())));
  for (const auto& e : keys_)
    if (same_hash(e.hash, hash)) return e.who;
  return std::nullopt;
}

}  // namespace souk::gateway
