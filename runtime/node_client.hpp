#pragma once

#include <chrono>

#include "agents/session_client.hpp"
#include "runtime/node.hpp"

namespace souk::runtime {

/// Agents' way to a node's sessions: each call sends to the session's actor (activating
/// it if needed) and waits for its reply, from the calling thread.
class node_client final : public agents::session_client {
 public:
  node_client(caf::actor_system& system, node& n,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));
  v1::Reply run(const v1::Command& command) override;
  v1::StateReply state(const std::string& session_id) override;
  v1::Reply checkpoint(const std::string& session_id) override;
  v1::TransferReply export_transfer(const std::string& session_id, const std::string& to_agent,
                                    const std::string& reason) override;

 private:
  caf::actor_system& system_;
  node& node_;
  std::chrono::milliseconds timeout_;
};

}  // namespace souk::runtime
