#include "decide.hpp"

#include "apply.hpp"
#include "detail/rules.hpp"
#include "schema_upgrade.hpp"
#include "validate.hpp"

namespace souk::session {
namespace {

using detail::events;
using detail::moved;

result<events> invalid(std::string message) {
  return fail(v1::ERROR_CODE_INVALID_ARGUMENT, std::move(message));
}

template <class Setter>
events one(Setter&& set_body) {
  v1::Event event;
  set_body(event);
  return moved(std::move(event));
}

result<events> start_session(const v1::StartSession& c) {
  return one([&](v1::Event& e) {
    auto& b = *e.mutable_session_started();
    b.set_customer_id(c.customer_id());
    b.set_channel(c.channel());
    b.set_loyalty_tier(c.loyalty_tier());
  });
}

result<events> message(const std::string& channel, const std::string& text, bool customer,
                       const std::string& message_id) {
  if (text.empty()) return invalid("a message needs text");
  if (channel.empty()) return invalid("a message needs a channel");
  return one([&](v1::Event& e) {
    if (customer) {
      auto& b = *e.mutable_customer_message_received();
      b.set_channel(channel);
      b.set_text(text);
      b.set_message_id(message_id);
    } else {
      auto& b = *e.mutable_agent_message_sent();
      b.set_channel(channel);
      b.set_text(text);
    }
  });
}

result<events> view_product(const v1::ViewProduct& c, const context& ctx) {
  if (!ctx.find_product(c.sku()))
    return fail(v1::ERROR_CODE_UNKNOWN_SKU, "no product with sku " + c.sku());
  return one([&](v1::Event& e) { e.mutable_product_viewed()->set_sku(c.sku()); });
}

result<events> select_variant(const v1::SessionState& state, const v1::SelectVariant& c,
                              const context& ctx) {
  std::string sku = c.sku().empty() ? state.conversation().focus_sku() : c.sku();
  if (sku.empty()) return invalid("no sku given and no product in focus");
  auto product = ctx.find_product(sku);
  if (!product) return fail(v1::ERROR_CODE_UNKNOWN_SKU, "no product with sku " + sku);
  for (const auto& variant : product->variants())
    if (variant.variant_id() == c.variant_id())
      return one([&](v1::Event& e) {
        e.mutable_variant_selected()->set_sku(sku);
        e.mutable_variant_selected()->set_variant_id(c.variant_id());
      });
  return fail(v1::ERROR_CODE_UNKNOWN_VARIANT,
              product->name() + " has no variant " + c.variant_id());
}

result<events> set_address(const v1::SessionState& state, const v1::SetShippingAddress& c) {
  if (auto error = detail::check_cart_open(state)) return make_unexpected(*error);
  if (c.address().lines().empty() || c.address().country().empty())
    return invalid("an address needs at least one street line and a country");
  return one([&](v1::Event& e) {
    *e.mutable_shipping_address_set()->mutable_address() = c.address();
  });
}

result<events> select_shipping(const v1::SessionState& state,
                               const v1::SelectShippingMethod& c) {
  if (auto error = detail::check_cart_open(state)) return make_unexpected(*error);
  if (c.method().empty()) return invalid("no shipping method named");
  if (c.price().minor_units() > 0 && c.price().currency().empty())
    return invalid("a shipping price needs a currency");
  if (auto error = detail::check_currency(state.cart(), c.price(), "shipping " + c.method()))
    return make_unexpected(*error);
  return one([&](v1::Event& e) {
    e.mutable_shipping_method_selected()->set_method(c.method());
    *e.mutable_shipping_method_selected()->mutable_price() = c.price();
  });
}

result<events> learn_preference(const v1::LearnPreference& c) {
  if (c.key().empty() || c.value().empty()) return invalid("a preference needs a key and value");
  return one([&](v1::Event& e) {
    auto& b = *e.mutable_preference_learned();
    b.set_key(c.key());
    b.set_value(c.value());
    b.set_source(c.source());
  });
}

result<events> record_attribute(const v1::RecordAttribute& c) {
  if (c.name().empty()) return invalid("an attribute needs a name");
  return one([&](v1::Event& e) {
    auto& b = *e.mutable_attribute_fetched();
    b.set_name(c.name());
    b.set_value(c.value());
    b.set_source(c.source());
    b.set_ttl_seconds(c.ttl_seconds());
  });
}

result<events> record_decision(const v1::RecordDecision& c) {
  if (c.kind().empty()) return invalid("a decision needs a kind");
  if (!(c.confidence() >= 0.0 && c.confidence() <= 1.0))
    return invalid("confidence must be between 0 and 1");
  return one([&](v1::Event& e) {
    auto& b = *e.mutable_decision_recorded();
    b.set_kind(c.kind());
    b.set_reason(c.reason());
    b.set_confidence(c.confidence() + 0.0);  // -0 as +0: one value, one serialization
    *b.mutable_fallbacks_tried() = c.fallbacks_tried();
    b.set_outcome(c.outcome());
  });
}

result<events> hand_off(const v1::SessionState& state, const v1::HandOff& c) {
  if (c.to_agent_id().empty()) return invalid("a handoff needs the receiving agent");
  if (c.to_agent_id() == state.owner_agent_id())
    return invalid("the session is already handled by " + c.to_agent_id());
  return one([&](v1::Event& e) {
    auto& b = *e.mutable_session_handed_off();
    b.set_from_agent_id(state.owner_agent_id());
    b.set_to_agent_id(c.to_agent_id());
    b.set_reason(c.reason());
    b.set_transfer_checksum(c.transfer_checksum());
  });
}

result<events> record_migration(const v1::SessionState& state, const v1::RecordMigration& c) {
  if (c.to_node().empty()) return invalid("a migration needs the target node");
  if (c.ownership_epoch() <= state.ownership_epoch())
    return invalid("stale ownership epoch " + std::to_string(c.ownership_epoch()) +
                   "; the session is at epoch " + std::to_string(state.ownership_epoch()));
  return one([&](v1::Event& e) {
    auto& b = *e.mutable_session_migrated();
    b.set_from_node(c.from_node());
    b.set_to_node(c.to_node());
    b.set_ownership_epoch(c.ownership_epoch());
  });
}

bool question_open(const v1::SessionState& state, const std::string& id) {
  for (const auto& q : state.conversation().open_questions())
    if (q.question_id() == id) return true;
  return false;
}

result<events> raise_question(const v1::SessionState& state, const v1::RaiseQuestion& c) {
  if (c.question_id().empty() || c.text().empty())
    return invalid("a question needs an id and text");
  if (question_open(state, c.question_id()))
    return invalid("question " + c.question_id() + " is already open");
  return one([&](v1::Event& e) {
    e.mutable_open_question_raised()->set_question_id(c.question_id());
    e.mutable_open_question_raised()->set_text(c.text());
  });
}

result<events> resolve_question(const v1::SessionState& state,
                                const v1::ResolveQuestion& c) {
  if (!question_open(state, c.question_id()))
    return invalid("no open question " + c.question_id());
  return one([&](v1::Event& e) {
    e.mutable_open_question_resolved()->set_question_id(c.question_id());
  });
}

result<events> summarize(const v1::SummarizeTranscript& c) {
  if (c.summary().empty()) return invalid("an empty summary");
  if (c.summary().size() > max_summary_chars)
    return invalid("a summary may hold at most " + std::to_string(max_summary_chars) +
                   " characters");
  return one([&](v1::Event& e) {
    e.mutable_transcript_summarized()->set_summary(c.summary());
  });
}

result<events> decide_body(const v1::SessionState& s, const v1::Command& c, context& ctx) {
  using C = v1::Command;
  switch (c.body_case()) {
    case C::kStartSession: return start_session(c.start_session());
    case C::kRecordCustomerMessage: {
      const auto& m = c.record_customer_message();
      return message(m.channel(), m.text(), true, m.message_id());
    }
    case C::kSendAgentMessage:
      return message(c.send_agent_message().channel(), c.send_agent_message().text(),
                     false, "");
    case C::kViewProduct: return view_product(c.view_product(), ctx);
    case C::kSelectVariant: return select_variant(s, c.select_variant(), ctx);
    case C::kAddToCart: return detail::add_to_cart(s, c.add_to_cart(), ctx);
    case C::kRemoveFromCart: return detail::remove_from_cart(s, c.remove_from_cart());
    case C::kSetQuantity: return detail::set_quantity(s, c.set_quantity(), ctx);
    case C::kApplyDiscount: return detail::apply_discount(s, c.apply_discount(), ctx);
    case C::kRevokeDiscount: return detail::revoke_discount(s, c.revoke_discount());
    case C::kSetShippingAddress: return set_address(s, c.set_shipping_address());
    case C::kSelectShippingMethod: return select_shipping(s, c.select_shipping_method());
    case C::kLearnPreference: return learn_preference(c.learn_preference());
    case C::kRecordAttribute: return record_attribute(c.record_attribute());
    case C::kRecordDecision: return record_decision(c.record_decision());
    case C::kTakeCheckpoint:
      return one([&](v1::Event& e) {
        e.mutable_checkpoint_taken()->set_reason(c.take_checkpoint().reason());
      });
    case C::kCheckout: return detail::checkout(s, ctx);
    case C::kRecordPaymentResult:
      return detail::record_payment_result(s, c.record_payment_result());
    case C::kRollBack: return detail::roll_back(s, c.roll_back(), ctx);
    case C::kReconcileStock: return detail::reconcile_stock(s, c.reconcile_stock());
    case C::kRevalidateDiscounts: return detail::revalidate_discounts(s, ctx);
    case C::kHandOff: return hand_off(s, c.hand_off());
    case C::kRecordMigration: return record_migration(s, c.record_migration());
    case C::kRaiseQuestion: return raise_question(s, c.raise_question());
    case C::kResolveQuestion: return resolve_question(s, c.resolve_question());
    case C::kSummarizeTranscript: return summarize(c.summarize_transcript());
    case C::BODY_NOT_SET: break;
  }
  return invalid("the command has no body");
}

// Checks that hold for every command, before any business rule.
std::optional<v1::Error> check_envelope(const v1::SessionState& state,
                                        const v1::Command& command) {
  auto error = [&](v1::ErrorCode code, std::string message) {
    return make_error(code, std::move(message), state.version());
  };
  if (command.session_id().empty())
    return error(v1::ERROR_CODE_INVALID_ARGUMENT, "the command names no session");
  if (command.command_id().empty())
    return error(v1::ERROR_CODE_INVALID_ARGUMENT, "the command has no command_id");
  if (command.agent_id().empty())
    return error(v1::ERROR_CODE_INVALID_ARGUMENT, "the command names no agent");
  if (state.version() > 0 && command.session_id() != state.session_id())
    return error(v1::ERROR_CODE_INVALID_ARGUMENT,
                 "command for session " + command.session_id() + " sent to session " +
                     state.session_id());
  if (command.has_expected_version() && command.expected_version() != state.version())
    return error(v1::ERROR_CODE_VERSION_CONFLICT,
                 "expected version " + std::to_string(command.expected_version()) +
                     " but the session is at version " + std::to_string(state.version()));
  if (state.version() == 0 && !command.has_start_session())
    return error(v1::ERROR_CODE_SESSION_NOT_STARTED,
                 "session " + command.session_id() + " has not been started");
  if (state.version() > 0 && command.has_start_session())
    return error(v1::ERROR_CODE_SESSION_ALREADY_STARTED,
                 "session " + command.session_id() + " was already started");
  return std::nullopt;
}

// decide's promise, kept by checking its own result: the events apply to `state` in
// order, and keep the session within its limits. The rules refuse first, with reasons
// of their own; this is the backstop that keeps such an event from being written.
std::optional<v1::Error> check_applies(const v1::SessionState& state,
                                       const std::vector<v1::Event>& events) {
  if (events.size() == 1) {
    if (auto error = check_event(state, events.front())) return error;
    return check_within_limits(state, events.front());
  }
  v1::SessionState next = state;  // several events are rare: a copy is affordable
  for (const auto& event : events) {
    if (auto error = check_within_limits(next, event)) return error;
    if (auto error = apply_to(next, event)) return error;
  }
  return std::nullopt;
}

}  // namespace

result<std::vector<v1::Event>> decide(const v1::SessionState& state,
                                      const v1::Command& command, context& ctx) {
  if (auto error = check_limits(command)) {
    error->set_current_version(state.version());
    return make_unexpected(*std::move(error));
  }
  if (auto error = check_envelope(state, command)) return make_unexpected(*error);
  auto decided = decide_body(state, command, ctx);
  if (!decided) {
    v1::Error error = decided.error();
    error.set_current_version(state.version());
    return make_unexpected(std::move(error));
  }
  auto now = ctx.now();
  uint64_t seq = state.version();
  for (auto& event : *decided) {
    event.set_event_id(ctx.new_event_id());
    event.set_session_id(command.session_id());
    event.set_seq(++seq);
    *event.mutable_at() = now;
    event.set_agent_id(command.agent_id());
    event.set_causation_id(command.command_id());
    event.set_schema_version(current_schema_version);
  }
  if (auto error = check_applies(state, *decided)) {
    error->set_current_version(state.version());
    return make_unexpected(*std::move(error));
  }
  return decided;
}

}  // namespace souk::session
