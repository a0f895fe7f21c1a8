// Cart, discount, checkout, payment and rollback rules (see detail/rules.hpp).
#include <google/protobuf/util/time_util.h>

#include "detail/rules.hpp"
#include "limits.hpp"
#include "queries.hpp"

namespace souk::session::detail {
namespace {

using v1::ErrorCode;

// The catalog item a cart command refers to, with blanks resolved from the
// conversation: no sku means the product in focus, no variant the one selected for it.
struct item {
  std::string sku;
  std::string variant_id;
  v1::Money unit_price;
};

result<item> resolve_item(const v1::SessionState& state, const std::string& sku_given,
                          const std::string& variant_given, const context& ctx) {
  const auto& conversation = state.conversation();
  std::string sku = sku_given.empty() ? conversation.focus_sku() : sku_given;
  if (sku.empty())
    return fail(v1::ERROR_CODE_INVALID_ARGUMENT, "no sku given and no product in focus");
  auto product = ctx.find_product(sku);
  if (!product) return fail(v1::ERROR_CODE_UNKNOWN_SKU, "no product with sku " + sku);
  item found{sku, variant_given, product->price()};
  if (product->variants().empty()) {
    if (!found.variant_id.empty())
      return fail(v1::ERROR_CODE_UNKNOWN_VARIANT, sku + " has no variants");
    return found;
  }
  if (found.variant_id.empty()) {
    auto selected = conversation.selected_variants().find(sku);
    if (selected != conversation.selected_variants().end())
      found.variant_id = selected->second;
  }
  std::string choices;
  for (const auto& variant : product->variants()) {
    if (variant.variant_id() == found.variant_id) {
      if (variant.has_price()) found.unit_price = variant.price();
      return found;
    }
    choices += (choices.empty() ? "" : ", ") + variant.variant_id();
  }
  if (found.variant_id.empty())
    return fail(v1::ERROR_CODE_VARIANT_REQUIRED,
                product->name() + " comes in " + choices + "; say which one");
  return fail(v1::ERROR_CODE_UNKNOWN_VARIANT, product->name() + " has no variant " +
                                                  found.variant_id + " (it comes in " +
                                                  choices + ")");
}

// The cart line a command refers to: blanks resolve as for resolve_item, and a sku
// with a single line in the cart needs no variant.
result<v1::CartLine> resolve_line(const v1::SessionState& state,
                                  const std::string& sku_given,
                                  const std::string& variant_given) {
  const auto& conversation = state.conversation();
  std::string sku = sku_given.empty() ? conversation.focus_sku() : sku_given;
  const v1::CartLine* match = nullptr;
  int lines_for_sku = 0;
  for (const auto& line : state.cart().lines()) {
    if (line.sku() != sku) continue;
    ++lines_for_sku;
    if (line.variant_id() == variant_given) match = &line;
  }
  if (match == nullptr && variant_given.empty()) {
    auto selected = conversation.selected_variants().find(sku);
    if (selected != conversation.selected_variants().end())
      match = find_line(state.cart(), sku, selected->second);
    if (match == nullptr && lines_for_sku == 1)
      for (const auto& line : state.cart().lines())
        if (line.sku() == sku) match = &line;
  }
  if (match == nullptr)
    return fail(v1::ERROR_CODE_NOT_IN_CART,
                (sku.empty() ? std::string("no product in focus") : sku) +
                    (variant_given.empty() ? "" : " " + variant_given) +
                    " is not in the cart");
  return *match;
}

std::optional<v1::Error> check_stock(const context& ctx, const std::string& sku,
                                     const std::string& variant_id, int64_t wanted) {
  auto available = ctx.available(sku, variant_id);
  if (available && wanted > *available)
    return make_error(v1::ERROR_CODE_INSUFFICIENT_STOCK,
                      "only " + std::to_string(*available) + " of " + sku +
                          (variant_id.empty() ? "" : " " + variant_id) + " in stock, " +
                          std::to_string(wanted) + " wanted");
  return std::nullopt;
}

// Why a discount rule may not be used at `now`, or nothing if it may.
std::optional<v1::Error> check_discount_rule(const std::optional<v1::DiscountRule>& rule,
                                             const std::string& code,
                                             const google::protobuf::Timestamp& now) {
  if (!rule)
    return make_error(v1::ERROR_CODE_UNKNOWN_DISCOUNT, "no discount code " + code);
  if (!rule->active())
    return make_error(v1::ERROR_CODE_DISCOUNT_EXPIRED,
                      "discount " + code + " has been withdrawn");
  if (rule->has_expires_at() && now >= rule->expires_at())
    return make_error(v1::ERROR_CODE_DISCOUNT_EXPIRED,
                      "discount " + code + " expired at " +
                          google::protobuf::util::TimeUtil::ToString(rule->expires_at()));
  return std::nullopt;
}

bool has_discount(const v1::Transaction& cart, const std::string& code) {
  for (const auto& discount : cart.discounts())
    if (discount.code() == code) return true;
  return false;
}

v1::Event line_adjusted(const v1::CartLine& line, int64_t to, const std::string& reason) {
  v1::Event event;
  auto& body = *event.mutable_cart_line_adjusted();
  body.set_sku(line.sku());
  body.set_variant_id(line.variant_id());
  body.set_from_quantity(line.quantity());
  body.set_to_quantity(to);
  body.set_reason(reason);
  return event;
}

}  // namespace

std::optional<v1::Error> check_cart_open(const v1::SessionState& state) {
  if (state.phase() == v1::CHECKOUT_PHASE_PAYMENT_PENDING)
    return make_error(v1::ERROR_CODE_PAYMENT_IN_PROGRESS,
                      "a payment is in progress; the cart is locked until it completes",
                      state.version());
  if (state.phase() == v1::CHECKOUT_PHASE_COMPLETED)
    return make_error(v1::ERROR_CODE_ALREADY_PAID,
                      "this cart was paid (order " + state.order_id() + ")",
                      state.version());
  return std::nullopt;
}

std::optional<v1::Error> check_currency(const v1::Transaction& cart, const v1::Money& amount,
                                        const std::string& what) {
  auto currency = currency_of(cart);
  if (amount.minor_units() == 0 || currency.empty() || amount.currency() == currency)
    return std::nullopt;
  return make_error(v1::ERROR_CODE_CURRENCY_MISMATCH,
                    what + " is priced in " + amount.currency() + ", the cart in " + currency);
}

result<events> add_to_cart(const v1::SessionState& state, const v1::AddToCart& command,
                           const context& ctx) {
  if (auto error = check_cart_open(state)) return make_unexpected(*error);
  auto item = resolve_item(state, command.sku(), command.variant_id(), ctx);
  if (!item) return make_unexpected(item.error());
  const auto* line = find_line(state.cart(), item->sku, item->variant_id);
  int64_t in_cart = line ? line->quantity() : 0;
  // The quantity is 1..max_line_quantity (check_limits); the line's sum must be too.
  if (in_cart > max_line_quantity - command.quantity())
    return fail(v1::ERROR_CODE_LIMIT_EXCEEDED,
                "a cart line holds at most " + std::to_string(max_line_quantity) + " units; " +
                    std::to_string(in_cart) + " are in the cart");
  if (auto error = check_stock(ctx, item->sku, item->variant_id, in_cart + command.quantity()))
    return make_unexpected(*error);
  if (auto error = check_currency(state.cart(), item->unit_price, item->sku))
    return make_unexpected(*error);
  v1::Event event;
  auto& body = *event.mutable_cart_item_added();
  body.set_sku(item->sku);
  body.set_variant_id(item->variant_id);
  body.set_quantity(command.quantity());
  *body.mutable_unit_price() = item->unit_price;
  return moved(std::move(event));
}

result<events> remove_from_cart(const v1::SessionState& state,
                                const v1::RemoveFromCart& command) {
  if (auto error = check_cart_open(state)) return make_unexpected(*error);
  auto line = resolve_line(state, command.sku(), command.variant_id());
  if (!line) return make_unexpected(line.error());
  v1::Event event;
  event.mutable_cart_item_removed()->set_sku(line->sku());
  event.mutable_cart_item_removed()->set_variant_id(line->variant_id());
  return moved(std::move(event));
}

result<events> set_quantity(const v1::SessionState& state, const v1::SetQuantity& command,
                            const context& ctx) {
  if (command.quantity() == 0) {
    v1::RemoveFromCart remove;
    remove.set_sku(command.sku());
    remove.set_variant_id(command.variant_id());
    return remove_from_cart(state, remove);
  }
  if (auto error = check_cart_open(state)) return make_unexpected(*error);
  auto line = resolve_line(state, command.sku(), command.variant_id());
  if (!line) return make_unexpected(line.error());
  if (auto error = check_stock(ctx, line->sku(), line->variant_id(), command.quantity()))
    return make_unexpected(*error);
  v1::Event event;
  auto& body = *event.mutable_cart_item_quantity_set();
  body.set_sku(line->sku());
  body.set_variant_id(line->variant_id());
  body.set_quantity(command.quantity());
  return moved(std::move(event));
}

result<events> apply_discount(const v1::SessionState& state,
                              const v1::ApplyDiscount& command, const context& ctx) {
  if (auto error = check_cart_open(state)) return make_unexpected(*error);
  if (command.code().empty())
    return fail(v1::ERROR_CODE_INVALID_ARGUMENT, "no discount code given");
  if (has_discount(state.cart(), command.code())) return events{};  // idempotent
  auto rule = ctx.find_discount(command.code());
  if (auto error = check_discount_rule(rule, command.code(), ctx.now()))
    return make_unexpected(*error);
  const auto& amount = rule->amount_off();
  if (auto error = check_currency(state.cart(), amount, "discount " + command.code()))
    return make_unexpected(*error);
  v1::Event event;
  auto& body = *event.mutable_discount_applied();
  body.set_code(rule->code().empty() ? command.code() : rule->code());
  body.set_percent_off_bp(rule->percent_off_bp());
  if (rule->has_amount_off()) *body.mutable_amount_off() = amount;
  if (rule->has_expires_at()) *body.mutable_expires_at() = rule->expires_at();
  return moved(std::move(event));
}

result<events> revoke_discount(const v1::SessionState& state,
                               const v1::RevokeDiscount& command) {
  if (auto error = check_cart_open(state)) return make_unexpected(*error);
  if (!has_discount(state.cart(), command.code()))
    return fail(v1::ERROR_CODE_UNKNOWN_DISCOUNT,
                "discount " + command.code() + " is not applied to this cart");
  v1::Event event;
  event.mutable_discount_revoked()->set_code(command.code());
  event.mutable_discount_revoked()->set_reason(command.reason());
  return moved(std::move(event));
}

result<events> revalidate_discounts(const v1::SessionState& state, const context& ctx) {
  events out;
  if (state.phase() == v1::CHECKOUT_PHASE_COMPLETED) return out;  // paid is paid
  for (const auto& discount : state.cart().discounts()) {
    auto error = check_discount_rule(ctx.find_discount(discount.code()), discount.code(),
                                     ctx.now());
    if (!error) continue;
    v1::Event event;
    event.mutable_discount_revoked()->set_code(discount.code());
    event.mutable_discount_revoked()->set_reason(error->message());
    out.push_back(std::move(event));
  }
  return out;
}

result<events> reconcile_stock(const v1::SessionState& state,
                               const v1::ReconcileStock& command) {
  if (state.phase() == v1::CHECKOUT_PHASE_COMPLETED) return events{};
  const auto* line = find_line(state.cart(), command.sku(), command.variant_id());
  if (line == nullptr || line->quantity() <= command.available()) return events{};
  return moved(line_adjusted(*line, command.available(),
                             "only " + std::to_string(command.available()) + " left"));
}

result<events> checkout(const v1::SessionState& state, const context& ctx) {
  if (auto error = check_cart_open(state)) return make_unexpected(*error);
  const auto& cart = state.cart();
  if (cart.lines().empty())
    return fail(v1::ERROR_CODE_EMPTY_CART, "the cart is empty; nothing to check out");
  if (state.customer().shipping_address().lines().empty())
    return fail(v1::ERROR_CODE_MISSING_ADDRESS, "no shipping address; ask where to ship");
  for (const auto& discount : cart.discounts())
    if (auto error = check_discount_rule(ctx.find_discount(discount.code()),
                                         discount.code(), ctx.now()))
      return make_unexpected(*error);
  for (const auto& line : cart.lines())
    if (auto error = check_stock(ctx, line.sku(), line.variant_id(), line.quantity()))
      return make_unexpected(*error);
  auto totals = price(cart);
  if (!totals) return make_unexpected(totals.error());
  std::string seq = std::to_string(state.version() + 1);
  v1::Event event;
  auto& body = *event.mutable_payment_initiated();
  body.set_attempt_id(state.session_id() + "-pay-" + seq);
  *body.mutable_amount() = totals->total;
  body.set_idempotency_key(state.session_id() + ":" + seq);
  return moved(std::move(event));
}

result<events> record_payment_result(const v1::SessionState& state,
                                     const v1::RecordPaymentResult& command) {
  if (state.phase() == v1::CHECKOUT_PHASE_COMPLETED)
    return fail(v1::ERROR_CODE_ALREADY_PAID, "this cart was already paid",
                state.version());
  const auto* attempt = pending_payment(state);
  if (attempt == nullptr ||
      (!command.attempt_id().empty() && command.attempt_id() != attempt->attempt_id()))
    return fail(v1::ERROR_CODE_NO_PENDING_PAYMENT,
                "no pending payment " + command.attempt_id(), state.version());
  v1::Event result_event;
  if (!command.authorized()) {
    auto& body = *result_event.mutable_payment_failed();
    body.set_attempt_id(attempt->attempt_id());
    body.set_reason(command.failure_reason());
    return moved(std::move(result_event));
  }
  auto& authorized = *result_event.mutable_payment_authorized();
  authorized.set_attempt_id(attempt->attempt_id());
  authorized.set_provider_reference(command.provider_reference());
  v1::Event completed;
  auto& body = *completed.mutable_checkout_completed();
  body.set_order_id(command.order_id().empty() ? "order-" + attempt->attempt_id()
                                               : command.order_id());
  *body.mutable_total() = attempt->amount();
  return moved(std::move(result_event), std::move(completed));
}

result<events> roll_back(const v1::SessionState& state, const v1::RollBack& command,
                         const context& ctx) {
  if (auto error = check_cart_open(state)) return make_unexpected(*error);
  if (state.last_committed_version() == 0)
    return fail(v1::ERROR_CODE_NOTHING_TO_ROLL_BACK,
                "nothing was confirmed yet; there is no point to roll back to",
                state.version());
  v1::Event event;
  auto& body = *event.mutable_rolled_back_to_committed();
  body.set_to_version(state.last_committed_version());
  body.set_reason(command.reason());
  events out{event};
  // The restored lines must still respect today's stock.
  for (const auto& line : state.committed().lines()) {
    auto available = ctx.available(line.sku(), line.variant_id());
    if (available && line.quantity() > *available)
      out.push_back(line_adjusted(line, *available,
                                  "only " + std::to_string(*available) + " left"));
  }
  return out;
}

}  // namespace souk::session::detail
