#pragma once

#include <string>

#include "souk/v1/commands.pb.h"
#include "souk/v1/transfer.pb.h"

namespace souk::agents {

/// How an agent talks to sessions: by message, never by touching their state. The
/// node's implementation (runtime::node_client) sends to the session actors and waits
/// for their replies; tests may script one.
class session_client {
 public:
  virtual ~session_client() = default;
  /// Runs a command; the reply says what became durable or why nothing did.
  virtual v1::Reply run(const v1::Command& command) = 0;
  virtual v1::StateReply state(const std::string& session_id) = 0;
  /// Makes the session's current state durable as a snapshot (before slow outside work:
  /// a payment, a language-model call), replying once it is.
  virtual v1::Reply checkpoint(const std::string& session_id) = 0;
  /// The session's state packed for `to_agent` (StateTransfer), or why not.
  virtual v1::TransferReply export_transfer(const std::string& session_id,
                                            const std::string& to_agent,
                                            const std::string& reason) = 0;
};

}  // namespace souk::agents
