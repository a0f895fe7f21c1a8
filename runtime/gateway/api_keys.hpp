#pragma once

// Callers of the HTTP gateway: bearer API keys from the node's config, each an agent
// identity with scopes. Only SHA-256 hashes of the keys are configured or held, and a
// key is never logged: the identity's name stands for it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "session/errors.hpp"

namespace souk::gateway {

struct identity {
  std::string agent_id;
  std::vector<std::string> scopes;
  bool may(std::string_view scope) const;  // directly or through "admin"
};

class api_keys {
 public:
  /// Parses entries "AGENT_ID sha256:HEX SCOPE [SCOPE...]" (whitespace-separated), as
  /// souk-node's `http.api-keys` list holds them; an error names the bad entry.
  static session::result<api_keys> parse(const std::vector<std::string>& entries);
  /// The identity whose key is the bearer token in an Authorization header value.
  std::optional<identity> authenticate(std::string_view authorization) const;
  std::size_t size() const { return keys_.size(); }
  /// The agents whose key is one of the examples README.md and souk-node.ini show
  /// ("chat-agent-key", "ops-key", ...): keys anybody can guess, fit for a demo only.
  std::vector<std::string> example_keys() const;

 private:
  struct entry {
    std::string hash;  // 64 lowercase hex digits
    identity who;
  };
  std::vector<entry> keys_;
};

/// What to put in the config for `key`: "sha256:" + its hash.
std::string hash_key(const std::string& key);

}  // namespace souk::gateway
