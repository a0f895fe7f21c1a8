#pragma once

#include <string>

#include "souk/v1/commands.pb.h"

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
};

}  // namespace souk::agents
