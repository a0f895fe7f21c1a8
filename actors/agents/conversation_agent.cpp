#include "agents/conversation_agent.hpp"

#include <chrono>
#include <random>

#include "session/ulid.hpp"
#include "session/scopes.hpp"

namespace souk::agents {

conversation_agent::conversation_agent(std::string agent_id, std::string channel, brain& mind,
                                       session_client& sessions, customer_service* crm)
    : agent_id_(std::move(agent_id)), channel_(std::move(channel)), mind_(mind),
      sessions_(sessions), crm_(crm) {}

v1::Command conversation_agent::command(const std::string& session_id) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  v1::Command c;
  c.set_command_id(agent_id_ + "-" +
                   session::make_ulid(static_cast<uint64_t>(ms), ++commands_ & 0xFFFF, random()));
  c.set_session_id(session_id);
  c.set_agent_id(agent_id_);
  c.add_scopes(std::string(session::scope::session_write));
  return c;
}

v1::Reply conversation_agent::start(const std::string& session_id,
                                    const std::string& customer_id) {
  auto c = command(session_id);
  c.mutable_start_session()->set_customer_id(customer_id);
  c.mutable_start_session()->set_channel(channel_);
  return sessions_.run(c);
}

session::result<conversation_agent::turn> conversation_agent::hear(const std::string& session_id,
                                                                  const std::string& text) {
  auto heard = command(session_id);
  heard.mutable_record_customer_message()->set_channel(channel_);
  heard.mutable_record_customer_message()->set_text(text);
  auto recorded = sessions_.run(heard);
  if (recorded.has_error()) return make_unexpected(recorded.error());
  auto state = sessions_.state(session_id);
  if (state.has_error()) return make_unexpected(state.error());
  // Slow outside work starts from a durable snapshot, so that a crash during it
  // resumes from here without replaying the whole tail.
  if (mind_.slow())
    if (auto checkpoint = sessions_.checkpoint(session_id); checkpoint.has_error())
      return make_unexpected(checkpoint.error());
  auto plan = mind_.plan(state.state(), text);
  if (!plan) return make_unexpected(plan.error());
  // "Do I get free shipping?": a fact about the customer, looked up, never guessed.
  if (text.find("free shipping") != std::string::npos) {
    plan->commands.clear();
    plan->decision.set_kind("customer_fact");
    plan->decision.clear_fallbacks_tried();
    std::optional<std::string> prime;
    if (crm_) {
      auto fetched = customer_attribute(sessions_, *crm_, session_id, agent_id_, "prime_member",
                                        std::chrono::minutes(30));
      if (fetched) prime = *fetched;
    }
    if (!prime) {
      plan->reply = "I cannot see your membership right now; shipping is shown at checkout.";
      plan->decision.set_reason("prime_member unknown: no CRM answer");
      plan->decision.set_confidence(0.3);
    } else {
      plan->reply = *prime == "true" ? "Yes: as a Prime member you ship free."
                                     : "Shipping is charged at checkout; Prime members ship free.";
      plan->decision.set_reason("prime_member = " + *prime + " (from the CRM, cached 30 min)");
      plan->decision.set_confidence(0.95);
    }
  }

  turn out;
  out.reply = plan->reply;
  out.decision = plan->decision;
  std::string outcome = "done";
  for (auto& body : plan->commands) {
    // Only the body is the brain's to choose: which session, as whom, stays the agent's.
    body.clear_command_id();
    body.clear_session_id();
    body.clear_agent_id();
    body.clear_expected_version();
    auto c = command(session_id);
    c.MergeFrom(body);
    auto reply = sessions_.run(c);
    if (reply.has_error()) {
      // A broken rule is news for the customer, in the session's own words.
      out.reply = "Sorry: " + reply.error().message() + ".";
      outcome = "refused: " + v1::ErrorCode_Name(reply.error().code());
      break;
    }
  }
  out.decision.set_outcome(outcome);
  auto decided = command(session_id);
  *decided.mutable_record_decision() = out.decision;
  sessions_.run(decided);
  auto answer = command(session_id);
  answer.mutable_send_agent_message()->set_channel(channel_);
  answer.mutable_send_agent_message()->set_text(out.reply);
  auto sent = sessions_.run(answer);
  out.version = sent.has_accepted() ? sent.accepted().version() : 0;
  return out;
}

}  // namespace souk::agents
