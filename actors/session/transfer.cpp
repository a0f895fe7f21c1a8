#include "session/transfer.hpp"

#include <algorithm>
#include <optional>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include "session/queries.hpp"
#include "session/schema_upgrade.hpp"
#include "session/validate.hpp"

namespace souk::session {

std::string sha256_hex(const std::string& bytes) {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up on every digest,
  // which cost as much as the hashing for an API key checked on every HTTP request.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, sha256, nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

namespace {

unexpected<v1::Error> invalid(std::string message) {
  return fail(v1::ERROR_CODE_INVALID_TRANSFER, std::move(message));
}

constexpr std::string_view mac_scheme = "hmac-sha256:";
constexpr std::size_t min_secret_bytes = 32;

std::string hex(const unsigned char* bytes, std::size_t length) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (std::size_t i = 0; i < length; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xF];
  }
  return out;
}

std::optional<std::string> unhex(std::string_view text) {
  if (text.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    int value = 0;
    for (char c : text.substr(i, 2)) {
      int digit = c >= '0' && c <= '9' ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0) return std::nullopt;
      value = value * 16 + digit;
    }
    out += static_cast<char>(value);
  }
  return out;
}

std::string hmac_hex(const std::string& secret, const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest, &length);
  return hex(digest, length);
}

// The payload's deterministic serialization: what the checksum and the MAC cover.
std::string sealed_bytes(const v1::TransferPayload& payload) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    payload.SerializeToCodedStream(&out);
  }  // the streams trim `bytes` to what was written as they go
  return bytes;
}

}  // namespace

result<transfer_keys> transfer_keys::parse(const std::vector<std::string>& entries) {
  transfer_keys keys;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& entry = entries[i];
    auto colon = entry.find(':');
    auto secret = colon == std::string::npos ? std::nullopt : unhex(entry.substr(colon + 1));
    const std::string id = colon == std::string::npos ? "" : entry.substr(0, colon);
    if (id.empty() || !valid_identifier(id) || id.find(':') != std::string::npos || !secret ||
        secret->size() < min_secret_bytes)
      return fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                  "transfer key " + std::to_string(i + 1) +
                      " is not \"ID:HEX\" with an id and a secret of at least " +
                      std::to_string(min_secret_bytes) + " bytes (" +
                      std::to_string(2 * min_secret_bytes) + " hex digits)");
    keys.add(id, std::move(*secret));
  }
  return keys;
}

void transfer_keys::add(std::string id, std::string secret) {
  keys_.push_back({std::move(id), std::move(secret)});
}

std::string transfer_keys::sign(const std::string& bytes) const {
  if (keys_.empty()) return {};
  const auto& signer = keys_.front();
  return std::string(mac_scheme) + signer.id + ":" + hmac_hex(signer.secret, bytes);
}

bool transfer_keys::verify(const std::string& bytes, const std::string& mac) const {
  if (mac.rfind(mac_scheme, 0) != 0) return false;
  const auto rest = std::string_view(mac).substr(mac_scheme.size());
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) return false;
  const auto id = rest.substr(0, colon), given = rest.substr(colon + 1);
  for (const auto& k : keys_) {
    if (k.id != id) continue;
    const std::string expected = hmac_hex(k.secret, bytes);
    return given.size() == expected.size() &&
           CRYPTO_memcmp(given.data(), expected.data(), expected.size()) == 0;
  }
  return false;
}

std::string transfer_checksum(const v1::TransferPayload& payload) {
  return "sha256:" + sha256_hex(sealed_bytes(payload));
}

bool sealed_by(const v1::StateTransfer& transfer, const transfer_keys& keys) {
  return keys.verify(sealed_bytes(transfer.payload()), transfer.mac());
}

v1::StateTransfer export_transfer(const v1::SessionState& state, const transfer_request& request,
                                  const google::protobuf::Timestamp& now,
                                  const transfer_keys& keys) {
  v1::StateTransfer transfer;
  transfer.set_contract_version(current_contract_version);
  auto& p = *transfer.mutable_payload();
  p.set_transfer_id(request.transfer_id);
  p.set_session_id(state.session_id());
  *p.mutable_state() = state;
  *p.mutable_transcript() = state.conversation().transcript();
  p.set_summary(state.conversation().summary());
  *p.mutable_agent() = request.agent;
  *p.mutable_created_at() = now;
  p.set_from_agent_id(state.owner_agent_id());
  p.set_from_node(request.from_node);
  p.set_to_agent_id(request.to_agent_id);
  p.set_reason(request.reason);
  const std::string bytes = sealed_bytes(p);
  transfer.set_checksum("sha256:" + sha256_hex(bytes));
  transfer.set_mac(keys.sign(bytes));
  return transfer;
}

result<v1::SessionState> validate_transfer(const v1::StateTransfer& transfer,
                                           const std::string& receiving_agent,
                                           const context& ctx, const transfer_keys& keys,
                                           const v1::SessionState* recorded) {
  if (transfer.contract_version() != current_contract_version)
    return invalid("this conversation was handed over in a format we cannot read (contract " +
                   std::to_string(transfer.contract_version()) + ", expected " +
                   std::to_string(current_contract_version) + ")");
  if (auto error = check_limits(transfer))
    return invalid("the handed-over conversation is malformed: " + error->message());
  const auto& p = transfer.payload();
  const std::string bytes = sealed_bytes(p);
  if (transfer.checksum() != "sha256:" + sha256_hex(bytes))
    return invalid("the handed-over conversation was altered or damaged on the way "
                   "(checksum mismatch)");
  if (!keys.verify(bytes, transfer.mac()))
    return invalid("the handed-over conversation was altered, or not sealed by a key we "
                   "know (MAC mismatch)");
  if (p.to_agent_id() != receiving_agent)
    return invalid("this conversation was handed to " + p.to_agent_id() + ", not to " +
                   receiving_agent);
  v1::SessionState state = p.state();
  if (p.session_id().empty() || state.session_id() != p.session_id())
    return invalid("the transfer does not carry the session it names");
  if (auto error = upgrade_state(state)) return invalid(error->message());
  using google::protobuf::util::MessageDifferencer;
  const auto& conversation = state.conversation();
  if (p.summary() != conversation.summary() ||
      p.transcript_size() != conversation.transcript_size() ||
      !std::equal(p.transcript().begin(), p.transcript().end(), conversation.transcript().begin(),
                  [](const v1::Turn& a, const v1::Turn& b) { return MessageDifferencer::Equals(a, b); }))
    return invalid("the transfer's transcript is not its session's");
  if (recorded && !MessageDifferencer::Equals(*recorded, state))
    return invalid("the transfer does not match what we recorded of this conversation");
  const auto& customer = state.customer().customer_id();
  if (!customer.empty() && !ctx.find_customer(customer))
    return invalid("we have no record of customer " + customer);
  if (state.phase() == v1::CHECKOUT_PHASE_COMPLETED) return state;  // paid is paid
  for (const auto& line : state.cart().lines()) {
    auto product = ctx.find_product(line.sku());
    if (!product) return invalid(line.sku() + " is no longer sold");
    v1::Money price = product->price();
    bool variant_found = product->variants().empty() && line.variant_id().empty();
    for (const auto& v : product->variants())
      if (v.variant_id() == line.variant_id()) {
        variant_found = true;
        if (v.has_price()) price = v.price();
      }
    if (!variant_found)
      return invalid(product->name() + " is no longer sold in " + line.variant_id());
    if (price.minor_units() != line.unit_price().minor_units() ||
        price.currency() != line.unit_price().currency())
      return invalid("the price of " + product->name() + " changed from " +
                     std::to_string(line.unit_price().minor_units()) + " to " +
                     std::to_string(price.minor_units()) + " " + price.currency() +
                     " (minor units) since the cart was filled");
    auto available = ctx.available(line.sku(), line.variant_id());
    if (available && *available < line.quantity())
      return invalid("only " + std::to_string(*available) + " of " + product->name() +
                     " are left, the cart holds " + std::to_string(line.quantity()));
  }
  const auto now = ctx.now();
  for (const auto& discount : state.cart().discounts()) {
    auto rule = ctx.find_discount(discount.code());
    if (!rule || !rule->active() || (rule->has_expires_at() && now >= rule->expires_at()))
      return invalid("discount " + discount.code() + " no longer applies");
  }
  if (auto totals = price(state.cart()); !totals) return invalid(totals.error().message());
  return state;
}

}  // namespace souk::session
