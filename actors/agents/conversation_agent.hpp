#pragma once

#include <atomic>
#include <string>

#include "agents/brain.hpp"
#include "agents/customer_service.hpp"
#include "agents/session_client.hpp"

namespace souk::agents {

/// A channel agent (chat, email, ...): hears a customer's message, records it, asks its
/// brain what it means, runs the resulting commands on the session, records the
/// decision with its outcome, and answers. Two agents on two channels may serve the
/// same session at once: the session actor orders their commands.
/// Threading: hear() may be called from several threads.
class conversation_agent {
 public:
  /// `crm` (optional) answers questions about the customer, e.g. free shipping for
  /// prime members; without one the agent says it cannot tell.
  conversation_agent(std::string agent_id, std::string channel, brain& mind,
                     session_client& sessions, customer_service* crm = nullptr);

  struct turn {
    std::string reply;          // what the customer is told
    v1::RecordDecision decision;
    uint64_t version = 0;       // the session's version after the turn
  };
  /// The session must have been started. Fails only if the session cannot be reached
  /// or the brain fails; broken rules become part of the answer.
  session::result<turn> hear(const std::string& session_id, const std::string& text);
  /// Starts a session for a customer on this channel.
  v1::Reply start(const std::string& session_id, const std::string& customer_id);

  const std::string& agent_id() const { return agent_id_; }
  const std::string& channel() const { return channel_; }

 private:
  v1::Command command(const std::string& session_id);

  std::string agent_id_, channel_;
  brain& mind_;
  session_client& sessions_;
  customer_service* crm_;
  std::atomic<uint64_t> commands_{0};
};

}  // namespace souk::agents
