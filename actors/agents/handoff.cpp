#include "agents/handoff.hpp"

#include "session/scopes.hpp"

namespace souk::agents {
namespace {

v1::Command command(const std::string& session_id, const std::string& agent_id,
                    const std::string& what) {
  v1::Command c;
  c.set_command_id(agent_id + "-" + what);
  c.set_session_id(session_id);
  c.set_agent_id(agent_id);
  c.add_scopes(std::string(session::scope::session_write));
  return c;
}

}  // namespace

handoff_result accept_handoff(const v1::StateTransfer& transfer, const handoff_terms& terms,
                              const session::context& ctx, const session::transfer_keys& keys,
                              session_client& sessions, const v1::SessionState* recorded) {
  handoff_result out;
  auto refuse = [&](v1::Error error) {
    out.message = "Sorry, I could not take over your conversation: " + error.message() +
                  ". Your previous assistant is still with you.";
    out.error = std::move(error);
    return out;
  };
  auto state = session::validate_transfer(transfer, terms.receiving_agent, ctx, keys, recorded);
  if (!state) return refuse(state.error());
  const auto& p = transfer.payload();
  auto take = command(p.session_id(), terms.acting_agent, "handoff-" + p.transfer_id());
  auto& body = *take.mutable_hand_off();
  body.set_to_agent_id(terms.receiving_agent);
  body.set_reason(p.reason());
  body.set_transfer_checksum(transfer.checksum());
  // Only if the session is still where the transfer left it: a change meanwhile means
  // the transfer is stale.
  take.set_expected_version(state->version());
  auto taken = sessions.run(take);
  if (taken.has_error()) return refuse(taken.error());
  out.accepted = true;
  out.message = "Hello, " + terms.receiving_agent + " here, taking over from " +
                p.from_agent_id() + ". I can see your conversation and your cart.";
  if (terms.acting_agent != terms.receiving_agent) return out;  // it greets when it acts
  auto greet = command(p.session_id(), terms.acting_agent, "greet-" + p.transfer_id());
  greet.mutable_send_agent_message()->set_channel(terms.channel);
  greet.mutable_send_agent_message()->set_text(out.message);
  sessions.run(greet);
  return out;
}

sizing_specialist::sizing_specialist(std::string agent_id, std::string channel,
                                     const session::context& ctx,
                                     const session::transfer_keys& keys, session_client& sessions)
    : agent_id_(std::move(agent_id)), channel_(std::move(channel)), ctx_(ctx), keys_(keys),
      sessions_(sessions) {}

handoff_result sizing_specialist::take_over(const v1::StateTransfer& transfer) {
  return accept_handoff(transfer, {agent_id_, agent_id_, channel_}, ctx_, keys_, sessions_);
}

session::result<std::string> sizing_specialist::advise(const std::string& session_id) {
  auto state = sessions_.state(session_id);
  if (state.has_error()) return make_unexpected(state.error());
  const auto& s = state.state();
  auto product = s.conversation().focus_sku().empty()
                     ? nullptr
                     : ctx_.find_product(s.conversation().focus_sku());
  auto told = s.customer().preferences().find("size");
  std::string size = told != s.customer().preferences().end() ? told->second : "M";
  std::vector<std::string> fallbacks;
  if (told == s.customer().preferences().end()) fallbacks.push_back("no size given: the most common, M");
  std::string advice = product ? "For the " + product->name() + ", take size " + size +
                                     (product->category() == "outerwear"
                                          ? "; it is cut to fit over a sweater."
                                          : "; it fits true to size.")
                               : "Tell me which product, and I will tell you the size.";
  v1::Command decided = [&] {
    v1::Command c;
    c.set_command_id(agent_id_ + "-advice-" + std::to_string(s.version()) + "-" +
                     std::to_string(++commands_));
    c.set_session_id(session_id);
    c.set_agent_id(agent_id_);
    c.add_scopes(std::string(session::scope::session_write));
    auto& d = *c.mutable_record_decision();
    d.set_kind("sizing");
    d.set_reason(product ? "size " + size + " for " + product->sku() : "no product in focus");
    d.set_confidence(told != s.customer().preferences().end() ? 0.9 : 0.6);
    for (auto& f : fallbacks) d.add_fallbacks_tried(f);
    d.set_outcome("advised");
    return c;
  }();
  sessions_.run(decided);
  auto say = decided;
  say.set_command_id(decided.command_id() + "-say");
  say.mutable_send_agent_message()->set_channel(channel_);
  say.mutable_send_agent_message()->set_text(advice);
  sessions_.run(say);
  return advice;
}

}  // namespace souk::agents
