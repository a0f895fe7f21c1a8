#include "agents/payment.hpp"

#include <thread>

#include "session/queries.hpp"
#include "session/scopes.hpp"

namespace souk::agents {

simulated_payment_provider::simulated_payment_provider(options opts)
    : opts_(opts), random_(opts.seed) {}

session::result<payment_outcome> simulated_payment_provider::authorize(
    const std::string& idempotency_key, const v1::Money& amount) {
  if (idempotency_key.empty())
    return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT, "a payment needs an idempotency key");
  if (opts_.latency.count() > 0) std::this_thread::sleep_for(opts_.latency);
  std::lock_guard<std::mutex> lock(mutex_);
  if (auto it = answered_.find(idempotency_key); it != answered_.end()) return it->second;
  payment_outcome outcome;
  bool decline = to_decline_.erase(idempotency_key) > 0 ||
                 std::uniform_real_distribution<double>(0, 1)(random_) < opts_.failure_rate;
  if (amount.minor_units() <= 0) {
    outcome.failure_reason = "nothing to charge";
  } else if (decline) {
    outcome.failure_reason = "card declined by the issuer";
  } else {
    outcome.authorized = true;
    outcome.provider_reference = "sim-" + std::to_string(answered_.size() + 1) + "-" +
                                 std::to_string(amount.minor_units());
  }
  answered_.emplace(idempotency_key, outcome);
  return outcome;
}

void simulated_payment_provider::decline(const std::string& idempotency_key) {
  std::lock_guard<std::mutex> lock(mutex_);
  to_decline_.insert(idempotency_key);
}

std::size_t simulated_payment_provider::charges() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, outcome] : answered_) n += outcome.authorized;
  return n;
}

payment_agent::payment_agent(std::string agent_id, payment_provider& provider,
                             session_client& sessions)
    : agent_id_(std::move(agent_id)), provider_(provider), sessions_(sessions) {}

v1::Command payment_agent::command(const std::string& session_id, const std::string& what) {
  v1::Command c;
  // Derived from the attempt, so a retry after a crash repeats the same command id.
  c.set_command_id(agent_id_ + "-" + what);
  c.set_session_id(session_id);
  c.set_agent_id(agent_id_);
  c.add_scopes(std::string(session::scope::session_write));
  c.add_scopes(std::string(session::scope::payment_authorize));
  return c;
}

session::result<payment_agent::settled> payment_agent::settle(const std::string& session_id,
                                                            const std::string& channel) {
  settled out;
  auto state = sessions_.state(session_id);
  if (state.has_error()) return make_unexpected(state.error());
  const auto* attempt = session::pending_payment(state.state());
  if (attempt == nullptr) return out;
  out.had_pending = true;
  // The state that initiated the payment is durable as a snapshot before the provider
  // is called; the idempotency key (session:seq of PaymentInitiated) makes a retry
  // after a crash charge at most once.
  if (auto checkpoint = sessions_.checkpoint(session_id); checkpoint.has_error())
    return make_unexpected(checkpoint.error());
  auto outcome = provider_.authorize(attempt->idempotency_key(), attempt->amount());
  if (!outcome) return make_unexpected(outcome.error());
  auto result = command(session_id, attempt->attempt_id() + "-result");
  auto& body = *result.mutable_record_payment_result();
  body.set_attempt_id(attempt->attempt_id());
  body.set_authorized(outcome->authorized);
  body.set_provider_reference(outcome->provider_reference);
  body.set_failure_reason(outcome->failure_reason);
  auto recorded = sessions_.run(result);
  if (recorded.has_error()) return make_unexpected(recorded.error());
  out.authorized = outcome->authorized;
  if (outcome->authorized) {
    out.message = "Payment received, thank you! Your order is confirmed.";
  } else {
    auto rollback = command(session_id, attempt->attempt_id() + "-rollback");
    rollback.mutable_roll_back()->set_reason(outcome->failure_reason);
    auto rolled = sessions_.run(rollback);
    if (rolled.has_error()) return make_unexpected(rolled.error());
    out.message = "Your payment did not go through (" + outcome->failure_reason +
                  "). Your cart is as you confirmed it; you can try again.";
  }
  auto tell = command(session_id, attempt->attempt_id() + "-message");
  tell.mutable_send_agent_message()->set_channel(channel);
  tell.mutable_send_agent_message()->set_text(out.message);
  sessions_.run(tell);
  return out;
}

}  // namespace souk::agents
