#include "event_checks.hpp"

#include <string>

#include "limits.hpp"
#include "queries.hpp"
#include "validate.hpp"

namespace souk::session {
namespace {

constexpr int64_t max_valid_seconds = 253'402'300'799;  // 9999-12-31T23:59:59Z

std::optional<v1::Error> cannot_apply(const v1::SessionState& state, const v1::Event& event,
                                      const std::string& what) {
  return make_error(v1::ERROR_CODE_INVALID_ARGUMENT,
                    "event " + std::to_string(event.seq()) + " cannot apply: " + what,
                    state.version());
}

std::optional<v1::Error> over_limit(const v1::SessionState& state, const std::string& what,
                                    int limit) {
  return make_error(v1::ERROR_CODE_LIMIT_EXCEEDED,
                    "a session holds at most " + std::to_string(limit) + " " + what,
                    state.version());
}

bool valid_amount(const v1::Money& money) {
  return money.minor_units() >= 0 && money.minor_units() <= max_amount;
}

}  // namespace

std::optional<v1::Error> check_event(const v1::SessionState& state, const v1::Event& event) {
  if (event.body_case() == v1::Event::BODY_NOT_SET)
    return make_error(v1::ERROR_CODE_UNKNOWN_EVENT,
                      "event " + event.event_id() + " has no body this build knows",
                      state.version());
  if (event.seq() != state.version() + 1)
    return make_error(v1::ERROR_CODE_OUT_OF_ORDER_EVENT,
                      "event seq " + std::to_string(event.seq()) + " does not follow version " +
                          std::to_string(state.version()),
                      state.version());
  if (state.version() == 0 && !event.has_session_started())
    return make_error(v1::ERROR_CODE_SESSION_NOT_STARTED,
                      "the first event of a session must be SessionStarted");
  if (state.version() > 0 && event.has_session_started())
    return make_error(v1::ERROR_CODE_SESSION_ALREADY_STARTED,
                      "session " + state.session_id() + " was already started",
                      state.version());
  if (state.version() > 0 && event.session_id() != state.session_id())
    return make_error(v1::ERROR_CODE_INVALID_ARGUMENT,
                      "event of session " + event.session_id() + " applied to session " +
                          state.session_id(),
                      state.version());
  // The times apply stores, and the sum it computes.
  if (!valid_timestamp(event.at())) return cannot_apply(state, event, "its time is out of range");
  if (event.has_cart_item_added()) {
    const auto& b = event.cart_item_added();
    const auto* line = find_line(state.cart(), b.sku(), b.variant_id());
    int64_t sum;
    if (line && __builtin_add_overflow(line->quantity(), b.quantity(), &sum))
      return cannot_apply(state, event, "the line's quantity would overflow");
  }
  if (event.has_attribute_fetched()) {
    const int64_t ttl = event.attribute_fetched().ttl_seconds();
    if (ttl < 0 || event.at().seconds() > max_valid_seconds - ttl)
      return cannot_apply(state, event, "its time to live ends out of range");
  }
  return std::nullopt;
}

std::optional<v1::Error> check_within_limits(const v1::SessionState& state,
                                             const v1::Event& event) {
  auto invalid = [&](const std::string& what) { return cannot_apply(state, event, what); };
  const auto& cart = state.cart();
  switch (event.body_case()) {
    case v1::Event::kVariantSelected: {
      const auto& selected = state.conversation().selected_variants();
      if (selected.size() >= static_cast<std::size_t>(max_selected_variants) &&
          !selected.count(event.variant_selected().sku()))
        return over_limit(state, "selected variants", max_selected_variants);
      return std::nullopt;
    }
    case v1::Event::kCartItemAdded: {
      const auto& b = event.cart_item_added();
      if (b.quantity() < 1 || b.quantity() > max_line_quantity)
        return invalid("a quantity out of range");
      if (!valid_amount(b.unit_price())) return invalid("a price out of range");
      if (const auto* line = find_line(cart, b.sku(), b.variant_id())) {
        if (line->quantity() < 0 || line->quantity() > max_line_quantity - b.quantity())
          return make_error(v1::ERROR_CODE_LIMIT_EXCEEDED,
                            "a cart line holds at most " + std::to_string(max_line_quantity) +
                                " units",
                            state.version());
      } else if (cart.lines_size() >= max_cart_lines) {
        return over_limit(state, "cart lines", max_cart_lines);
      }
      return std::nullopt;
    }
    case v1::Event::kCartItemQuantitySet: {
      const auto q = event.cart_item_quantity_set().quantity();
      if (q < 1 || q > max_line_quantity) return invalid("a quantity out of range");
      return std::nullopt;
    }
    case v1::Event::kCartLineAdjusted:
      if (event.cart_line_adjusted().to_quantity() > max_line_quantity)
        return invalid("a quantity out of range");
      return std::nullopt;
    case v1::Event::kDiscountApplied: {
      const auto& b = event.discount_applied();
      if (b.percent_off_bp() < 0 || b.percent_off_bp() > 10000)
        return invalid("a percentage out of range");
      if (!valid_amount(b.amount_off())) return invalid("an amount out of range");
      if (b.has_expires_at() && !valid_timestamp(b.expires_at()))
        return invalid("an expiry out of range");
      if (cart.discounts_size() >= max_cart_discounts)
        return over_limit(state, "discounts on a cart", max_cart_discounts);
      return std::nullopt;
    }
    case v1::Event::kShippingMethodSelected:
      if (!valid_amount(event.shipping_method_selected().price()))
        return invalid("a price out of range");
      return std::nullopt;
    case v1::Event::kPreferenceLearned: {
      const auto& preferences = state.customer().preferences();
      if (preferences.size() >= static_cast<std::size_t>(max_preferences) &&
          !preferences.count(event.preference_learned().key()))
        return over_limit(state, "preferences", max_preferences);
      return std::nullopt;
    }
    case v1::Event::kAttributeFetched: {
      const auto& b = event.attribute_fetched();
      if (b.ttl_seconds() < 1 || b.ttl_seconds() > max_ttl_seconds)
        return invalid("a time to live out of range");
      const auto& attributes = state.customer().attributes();
      if (attributes.size() >= static_cast<std::size_t>(max_attributes) &&
          !attributes.count(b.name()))
        return over_limit(state, "attributes", max_attributes);
      return std::nullopt;
    }
    case v1::Event::kPaymentInitiated:
      if (!valid_amount(event.payment_initiated().amount()))
        return invalid("an amount out of range");
      if (state.payments_size() >= max_payment_attempts)
        return over_limit(state, "payment attempts", max_payment_attempts);
      return std::nullopt;
    case v1::Event::kCheckoutCompleted:
      if (!valid_amount(event.checkout_completed().total()))
        return invalid("an amount out of range");
      return std::nullopt;
    case v1::Event::kOpenQuestionRaised:
      if (state.conversation().open_questions_size() >= max_open_questions)
        return over_limit(state, "open questions", max_open_questions);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace souk::session
