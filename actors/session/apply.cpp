#include "apply.hpp"

#include <algorithm>
#include <string>
#include <string_view>


namespace souk::session {
namespace {

v1::CartLine* find_line(v1::Transaction& cart, const std::string& sku,
                        const std::string& variant_id) {
  for (auto& line : *cart.mutable_lines())
    if (line.sku() == sku && line.variant_id() == variant_id) return &line;
  return nullptr;
}

void remove_line(v1::Transaction& cart, const std::string& sku,
                 const std::string& variant_id) {
  auto* lines = cart.mutable_lines();
  lines->erase(std::remove_if(lines->begin(), lines->end(),
                              [&](const v1::CartLine& line) {
                                return line.sku() == sku && line.variant_id() == variant_id;
                              }),
               lines->end());
}

void set_status(v1::Transaction& cart, v1::MutationStatus status) {
  for (auto& line : *cart.mutable_lines()) line.set_status(status);
  for (auto& discount : *cart.mutable_discounts()) discount.set_status(status);
}

// Marks the transaction as the new rollback point.
void commit(v1::SessionState& state, v1::MutationStatus status, uint64_t seq) {
  set_status(*state.mutable_cart(), status);
  *state.mutable_committed() = state.cart();
  state.set_last_committed_version(seq);
}

// Older turns are folded into one line each of the summary, whose oldest lines go first
// once it is full: memory stays bounded however long the conversation runs.
void fold_into_summary(v1::ConversationContext& conversation, const v1::Turn& oldest) {
  const std::string_view role = oldest.role() == v1::ROLE_CUSTOMER ? "customer: " : "agent: ";
  // The first 120 bytes, less a character that would be cut in two.
  std::string_view text = std::string_view(oldest.text()).substr(0, 120);
  if (text.size() < oldest.text().size())
    while (!text.empty() && (static_cast<unsigned char>(oldest.text()[text.size()]) & 0xC0) == 0x80)
      text.remove_suffix(1);
  std::string& summary = *conversation.mutable_summary();
  // The summary's length once the line is appended (after a '\n' unless it is empty).
  auto with_line = [&] {
    return summary.size() + (summary.empty() ? 0 : 1) + role.size() + text.size();
  };
  const std::size_t grown = with_line();
  // Over the limit, the oldest lines go first, whole: those up to the first line break
  // that leaves at most max_summary_chars (the new line is far shorter than that, so the
  // break is in the summary or the one before the new line).
  if (grown > max_summary_chars) {
    const auto cut = summary.find('\n', grown - max_summary_chars - 1);
    if (cut == std::string::npos)
      summary.clear();
    else
      summary.erase(0, cut + 1);
  }
  // Room for a full summary, taken once it passes half of it: left to grow by doubling,
  // the string would keep ~4 KB for its 2 KB in every long session. (Into a new string:
  // reserve on this one grows it to at least twice its capacity, and a summary copied
  // with the state, e.g. for a snapshot, is held at its exact size.)
  const std::size_t needed = with_line();
  if (needed > summary.capacity() && needed > max_summary_chars / 2) {
    std::string roomier;
    roomier.reserve(max_summary_chars);
    roomier = summary;
    summary.swap(roomier);
  }
  if (!summary.empty()) summary += '\n';
  summary += role;
  summary += text;
  conversation.set_folded_turns(conversation.folded_turns() + 1);
}

void add_turn(v1::SessionState& state, const v1::Event& event, v1::Role role,
              const std::string& channel, const std::string& text) {
  auto& conversation = *state.mutable_conversation();
  auto& transcript = *conversation.mutable_transcript();
  v1::Turn* turn;
  if (transcript.size() >= max_transcript_turns) {
    // Full: the oldest turn goes to the summary and its object becomes the newest turn
    // (reusing its buffers; this runs for every message of a long conversation).
    fold_into_summary(conversation, transcript.Get(0));
    std::rotate(transcript.pointer_begin(), transcript.pointer_begin() + 1,
                transcript.pointer_end());
    turn = transcript.Mutable(transcript.size() - 1);
  } else {
    turn = transcript.Add();
  }
  turn->set_role(role);
  turn->set_channel(channel);
  turn->set_agent_id(event.agent_id());
  // A reused turn's text is reassigned at its exact size when it would grow (a string
  // grows to twice its capacity) or is far larger than needed: reassigned as it comes,
  // a long session's 20 turns held ~6.2 KB for 4.2 KB of text.
  std::string& held = *turn->mutable_text();
  if (held.capacity() < text.size() || held.capacity() > text.size() + text.size() / 4 + 32)
    std::string(text).swap(held);
  else
    held.assign(text);
  *turn->mutable_at() = event.at();
  turn->set_seq(event.seq());
}

void view_product(v1::ConversationContext& conversation, const std::string& sku) {
  auto* discussed = conversation.mutable_discussed_skus();
  discussed->erase(std::remove(discussed->begin(), discussed->end(), sku),
                   discussed->end());
  *conversation.add_discussed_skus() = sku;
  if (discussed->size() > max_discussed_skus) discussed->erase(discussed->begin());
  conversation.set_focus_sku(sku);
}

v1::PaymentAttempt* find_attempt(v1::SessionState& state, const std::string& id) {
  for (auto& attempt : *state.mutable_payments())
    if (attempt.attempt_id() == id) return &attempt;
  return nullptr;
}

// Applies the body of a validated event. Must not fail: every check happened before.
void apply_body(v1::SessionState& state, const v1::Event& event) {
  auto& cart = *state.mutable_cart();
  auto& conversation = *state.mutable_conversation();
  auto& customer = *state.mutable_customer();
  switch (event.body_case()) {
    case v1::Event::kSessionStarted: {
      const auto& b = event.session_started();
      state.set_session_id(event.session_id());
      *state.mutable_created_at() = event.at();
      customer.set_customer_id(b.customer_id());
      customer.set_loyalty_tier(b.loyalty_tier());
      state.set_channel(b.channel());
      state.set_owner_agent_id(event.agent_id());
      state.set_phase(v1::CHECKOUT_PHASE_SHOPPING);
      break;
    }
    case v1::Event::kCustomerMessageReceived: {
      const auto& b = event.customer_message_received();
      add_turn(state, event, v1::ROLE_CUSTOMER, b.channel(), b.text());
      break;
    }
    case v1::Event::kAgentMessageSent: {
      const auto& b = event.agent_message_sent();
      add_turn(state, event, v1::ROLE_AGENT, b.channel(), b.text());
      break;
    }
    case v1::Event::kProductViewed:
      view_product(conversation, event.product_viewed().sku());
      break;
    case v1::Event::kVariantSelected: {
      const auto& b = event.variant_selected();
      (*conversation.mutable_selected_variants())[b.sku()] = b.variant_id();
      break;
    }
    case v1::Event::kCartItemAdded: {
      const auto& b = event.cart_item_added();
      v1::CartLine* line = find_line(cart, b.sku(), b.variant_id());
      if (line == nullptr) {
        line = cart.add_lines();
        line->set_sku(b.sku());
        line->set_variant_id(b.variant_id());
      }
      // Duplicate adds sum quantities; the latest add's price holds for the line.
      line->set_quantity(line->quantity() + b.quantity());
      *line->mutable_unit_price() = b.unit_price();
      line->set_status(v1::MUTATION_STATUS_TENTATIVE);
      break;
    }
    case v1::Event::kCartItemRemoved:
      remove_line(cart, event.cart_item_removed().sku(),
                  event.cart_item_removed().variant_id());
      break;
    case v1::Event::kCartItemQuantitySet: {
      const auto& b = event.cart_item_quantity_set();
      if (auto* line = find_line(cart, b.sku(), b.variant_id())) {
        line->set_quantity(b.quantity());
        line->set_status(v1::MUTATION_STATUS_TENTATIVE);
      }
      break;
    }
    case v1::Event::kCartLineAdjusted: {
      const auto& b = event.cart_line_adjusted();
      if (b.to_quantity() <= 0) {
        remove_line(cart, b.sku(), b.variant_id());
      } else if (auto* line = find_line(cart, b.sku(), b.variant_id())) {
        line->set_quantity(b.to_quantity());
        line->set_status(v1::MUTATION_STATUS_TENTATIVE);
      }
      break;
    }
    case v1::Event::kDiscountApplied: {
      const auto& b = event.discount_applied();
      auto& discount = *cart.add_discounts();
      discount.set_code(b.code());
      discount.set_percent_off_bp(b.percent_off_bp());
      if (b.has_amount_off()) *discount.mutable_amount_off() = b.amount_off();
      if (b.has_expires_at()) *discount.mutable_expires_at() = b.expires_at();
      discount.set_status(v1::MUTATION_STATUS_TENTATIVE);
      break;
    }
    case v1::Event::kDiscountRevoked: {
      auto* discounts = cart.mutable_discounts();
      const auto& code = event.discount_revoked().code();
      discounts->erase(std::remove_if(discounts->begin(), discounts->end(),
                                      [&](const auto& d) { return d.code() == code; }),
                       discounts->end());
      break;
    }
    case v1::Event::kShippingAddressSet:
      *customer.mutable_shipping_address() = event.shipping_address_set().address();
      break;
    case v1::Event::kShippingMethodSelected: {
      const auto& b = event.shipping_method_selected();
      cart.mutable_shipping()->set_method(b.method());
      *cart.mutable_shipping()->mutable_price() = b.price();
      break;
    }
    case v1::Event::kPreferenceLearned: {
      const auto& b = event.preference_learned();
      (*customer.mutable_preferences())[b.key()] = b.value();
      break;
    }
    case v1::Event::kAttributeFetched: {
      const auto& b = event.attribute_fetched();
      auto& attribute = (*customer.mutable_attributes())[b.name()];
      attribute.set_value(b.value());
      attribute.set_source(b.source());
      *attribute.mutable_fetched_at() = event.at();
      // In range: check_event bounds the time the ttl leads to.
      attribute.mutable_expires_at()->set_seconds(event.at().seconds() + b.ttl_seconds());
      attribute.mutable_expires_at()->set_nanos(event.at().nanos());
      break;
    }
    case v1::Event::kDecisionRecorded: {
      const auto& b = event.decision_recorded();
      auto& decision = *state.add_decisions();
      decision.set_agent_id(event.agent_id());
      decision.set_kind(b.kind());
      decision.set_reason(b.reason());
      decision.set_confidence(b.confidence());
      *decision.mutable_fallbacks_tried() = b.fallbacks_tried();
      decision.set_outcome(b.outcome());
      *decision.mutable_at() = event.at();
      decision.set_seq(event.seq());
      decision.set_causation_id(event.causation_id());
      if (state.decisions_size() > max_decisions) {
        state.mutable_decisions()->erase(state.mutable_decisions()->begin());
        state.set_folded_decisions(state.folded_decisions() + 1);
      }
      break;
    }
    case v1::Event::kCheckpointTaken:
      state.set_last_checkpoint_version(event.seq());
      break;
    case v1::Event::kPaymentInitiated: {
      const auto& b = event.payment_initiated();
      auto& attempt = *state.add_payments();
      attempt.set_attempt_id(b.attempt_id());
      *attempt.mutable_amount() = b.amount();
      attempt.set_idempotency_key(b.idempotency_key());
      attempt.set_status(v1::PAYMENT_STATUS_PENDING);
      *attempt.mutable_initiated_at() = event.at();
      state.set_phase(v1::CHECKOUT_PHASE_PAYMENT_PENDING);
      commit(state, v1::MUTATION_STATUS_CONFIRMED, event.seq());
      break;
    }
    case v1::Event::kPaymentAuthorized: {
      const auto& b = event.payment_authorized();
      if (auto* attempt = find_attempt(state, b.attempt_id())) {
        attempt->set_status(v1::PAYMENT_STATUS_AUTHORIZED);
        attempt->set_provider_reference(b.provider_reference());
      }
      break;
    }
    case v1::Event::kPaymentFailed: {
      const auto& b = event.payment_failed();
      if (auto* attempt = find_attempt(state, b.attempt_id())) {
        attempt->set_status(v1::PAYMENT_STATUS_FAILED);
        attempt->set_failure_reason(b.reason());
      }
      state.set_phase(v1::CHECKOUT_PHASE_PAYMENT_FAILED);
      break;
    }
    case v1::Event::kCheckoutCompleted:
      state.set_order_id(event.checkout_completed().order_id());
      state.set_phase(v1::CHECKOUT_PHASE_COMPLETED);
      commit(state, v1::MUTATION_STATUS_COMMITTED, event.seq());
      break;
    case v1::Event::kRolledBackToCommitted:
      *state.mutable_cart() = state.committed();
      state.set_phase(v1::CHECKOUT_PHASE_SHOPPING);
      break;
    case v1::Event::kSessionHandedOff:
      state.set_owner_agent_id(event.session_handed_off().to_agent_id());
      break;
    case v1::Event::kSessionMigrated:
      state.set_node_id(event.session_migrated().to_node());
      state.set_ownership_epoch(event.session_migrated().ownership_epoch());
      break;
    case v1::Event::kOpenQuestionRaised: {
      auto& question = *conversation.add_open_questions();
      question.set_question_id(event.open_question_raised().question_id());
      question.set_text(event.open_question_raised().text());
      *question.mutable_raised_at() = event.at();
      break;
    }
    case v1::Event::kOpenQuestionResolved: {
      auto* questions = conversation.mutable_open_questions();
      const auto& id = event.open_question_resolved().question_id();
      questions->erase(std::remove_if(questions->begin(), questions->end(),
                                      [&](const auto& q) { return q.question_id() == id; }),
                       questions->end());
      break;
    }
    case v1::Event::kTranscriptSummarized:
      conversation.set_summary(event.transcript_summarized().summary());
      break;
    case v1::Event::BODY_NOT_SET:
      break;  // rejected by validate()
  }
}

}  // namespace

std::optional<v1::Error> apply_to(v1::SessionState& state, const v1::Event& event) {
  const v1::Event* current = &event;
  v1::Event upgraded;
  if (event.schema_version() != current_schema_version) {
    upgraded = event;
    if (auto error = upgrade_event(upgraded)) return error;
    current = &upgraded;
  }
  if (auto error = check_event(state, *current)) return error;
  apply_body(state, *current);
  state.set_schema_version(current_schema_version);
  state.set_version(current->seq());
  *state.mutable_updated_at() = current->at();
  return std::nullopt;
}

result<v1::SessionState> apply(const v1::SessionState& state, const v1::Event& event) {
  v1::SessionState next = state;
  if (auto error = apply_to(next, event)) return make_unexpected(*std::move(error));
  return next;
}

}  // namespace souk::session
