#pragma once

#include <string>
#include <vector>

#include "session/context.hpp"
#include "session/errors.hpp"
#include "souk/v1/transfer.pb.h"

namespace souk::session {

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
std::string sha256_hex(const std::string& bytes);

/// The StateTransfer contract this build writes and reads. 2: transfers carry a keyed
/// MAC; version 1 ones (a checksum only, which anybody can recompute) are refused.
inline constexpr uint32_t current_contract_version = 2;

/// The keys that authenticate transfers with HMAC-SHA-256, each named by an id so that
/// they can rotate: the first signs, every one verifies. Built once, then shared and
/// read from any thread.
class transfer_keys {
 public:
  /// Entries "ID:HEX": an identifier, and a secret of at least 32 bytes in hex. An
  /// INVALID_ARGUMENT error names the bad entry by its position, never its secret.
  static result<transfer_keys> parse(const std::vector<std::string>& entries);
  /// Adds a key after those there (it verifies; it signs only if it is the first).
  void add(std::string id, std::string secret);
  bool empty() const { return keys_.empty(); }
  /// "hmac-sha256:<id>:<hex>" over `bytes` with the first key; empty without keys.
  std::string sign(const std::string& bytes) const;
  /// Whether `mac` is sign()'s answer for `bytes` under one of the keys (compared in
  /// constant time).
  bool verify(const std::string& bytes, const std::string& mac) const;

 private:
  struct key {
    std::string id, secret;
  };
  std::vector<key> keys_;
};

/// What the exporting side says about the handoff.
struct transfer_request {
  std::string transfer_id;  // unique (a ULID)
  std::string to_agent_id;
  std::string reason;
  std::string from_node;
  v1::AgentMetadata agent;  // the exporting agent: fallbacks tried, confidence, notes
};

/// Packs a session's state for another agent: state, recent transcript and summary,
/// agent metadata, time and origin, sealed with "sha256:<hex>" over the deterministic
/// serialization of the payload (damage) and a MAC over the same bytes by `keys`
/// (forgery). Pure: the caller supplies ids, time and keys.
v1::StateTransfer export_transfer(const v1::SessionState& state, const transfer_request& request,
                                  const google::protobuf::Timestamp& now,
                                  const transfer_keys& keys);

/// The checksum export_transfer puts on a payload.
std::string transfer_checksum(const v1::TransferPayload& payload);

/// Whether `transfer`'s MAC is one of `keys`' over its payload (validate_transfer checks
/// it too): cheap, so that a caller may skip costlier checks of a transfer nobody sealed.
bool sealed_by(const v1::StateTransfer& transfer, const transfer_keys& keys);

/// The receiving agent's check, against today's shop (ctx): the contract version is
/// known, every field is within its limits, the checksum matches and the MAC is one of
/// `keys`', the transfer is addressed to `receiving_agent` and names the session it
/// carries, its transcript and summary are the state's, the state equals `recorded`
/// (what this node's journal holds of the session at the transfer's version, when it
/// has the session), the customer exists, every cart line's item still exists at the
/// same price and in stock, every discount still holds. Returns the state to continue
/// from, or INVALID_TRANSFER with a message fit for the customer.
result<v1::SessionState> validate_transfer(const v1::StateTransfer& transfer,
                                           const std::string& receiving_agent,
                                           const context& ctx, const transfer_keys& keys,
                                           const v1::SessionState* recorded = nullptr);

}  // namespace souk::session
