#pragma once

#include <string>

#include "session/context.hpp"
#include "session/errors.hpp"
#include "souk/v1/transfer.pb.h"

namespace souk::session {

/// SHA-256 of `bytes`, as 64 lowercase hex digits.
std::string sha256_hex(const std::string& bytes);

/// The StateTransfer contract this build writes and reads.
inline constexpr uint32_t current_contract_version = 1;

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
/// serialization of the payload. Pure: the caller supplies ids and time.
v1::StateTransfer export_transfer(const v1::SessionState& state, const transfer_request& request,
                                  const google::protobuf::Timestamp& now);

/// The checksum export_transfer puts on a payload.
std::string transfer_checksum(const v1::TransferPayload& payload);

/// The receiving agent's check, against today's shop (ctx): the contract version is
/// known, the checksum matches, the transfer is addressed to `receiving_agent` and
/// names the session it carries, the customer exists, every cart line's item still
/// exists at the same price and in stock, every discount still holds. Returns the
/// state to continue from, or INVALID_TRANSFER with a message fit for the customer.
result<v1::SessionState> validate_transfer(const v1::StateTransfer& transfer,
                                           const std::string& receiving_agent,
                                           const context& ctx);

}  // namespace souk::session
