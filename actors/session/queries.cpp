#include "queries.hpp"

#include <algorithm>

#include <google/protobuf/util/time_util.h>

#include "limits.hpp"

namespace souk::session {
namespace {

v1::Money money(int64_t minor_units, const std::string& currency) {
  v1::Money m;
  m.set_minor_units(minor_units);
  m.set_currency(currency);
  return m;
}

// An amount of zero carries no currency that could conflict.
bool conflicts(const v1::Money& amount, const std::string& currency) {
  return amount.minor_units() != 0 && !currency.empty() && amount.currency() != currency;
}

}  // namespace

result<totals> price(const v1::Transaction& transaction) {
  std::string currency;
  auto adopt = [&](const v1::Money& amount) {
    if (conflicts(amount, currency)) return false;
    if (currency.empty() && amount.minor_units() != 0) currency = amount.currency();
    return true;
  };
  // Every step is checked: a state restored from a snapshot or a transfer may hold any
  // number, and a total beyond max_amount is no payment a shop takes.
  auto too_much = [] {
    return fail(v1::ERROR_CODE_LIMIT_EXCEEDED,
                "the cart's total is more than " + std::to_string(max_amount) +
                    " minor units, the most one payment may be");
  };
  auto in_range = [](int64_t v) { return v >= 0 && v <= max_amount; };
  int64_t subtotal = 0;
  for (const auto& line : transaction.lines()) {
    if (!adopt(line.unit_price()))
      return fail(v1::ERROR_CODE_CURRENCY_MISMATCH,
                  "cart line " + line.sku() + " is priced in " +
                      line.unit_price().currency() + ", the cart in " + currency);
    int64_t line_total;
    if (line.quantity() < 0 || !in_range(line.unit_price().minor_units()) ||
        __builtin_mul_overflow(line.quantity(), line.unit_price().minor_units(), &line_total) ||
        __builtin_add_overflow(subtotal, line_total, &subtotal) || subtotal > max_amount)
      return too_much();
  }
  int64_t discount = 0;
  for (const auto& d : transaction.discounts()) {
    if (!adopt(d.amount_off()))
      return fail(v1::ERROR_CODE_CURRENCY_MISMATCH,
                  "discount " + d.code() + " is in " + d.amount_off().currency() +
                      ", the cart in " + currency);
    // subtotal <= max_amount (10^12) and 10^4 basis points: the product fits.
    const int64_t percent = std::clamp<int64_t>(d.percent_off_bp(), 0, 10000);
    if (!in_range(d.amount_off().minor_units()) ||
        __builtin_add_overflow(discount, subtotal * percent / 10000 + d.amount_off().minor_units(),
                               &discount))
      return too_much();
  }
  discount = std::min(discount, subtotal);
  const auto& shipping = transaction.shipping().price();
  if (!adopt(shipping))
    return fail(v1::ERROR_CODE_CURRENCY_MISMATCH,
                "shipping is priced in " + shipping.currency() + ", the cart in " + currency);
  if (!in_range(shipping.minor_units())) return too_much();
  const int64_t total = subtotal - discount + shipping.minor_units();
  if (total > max_amount) return too_much();
  return totals{money(subtotal, currency), money(discount, currency),
                money(shipping.minor_units(), currency), money(total, currency)};
}

std::string currency_of(const v1::Transaction& transaction) {
  for (const auto& line : transaction.lines())
    if (line.unit_price().minor_units() != 0) return line.unit_price().currency();
  for (const auto& discount : transaction.discounts())
    if (discount.amount_off().minor_units() != 0) return discount.amount_off().currency();
  const auto& shipping = transaction.shipping().price();
  return shipping.minor_units() != 0 ? shipping.currency() : std::string();
}

const v1::CartLine* find_line(const v1::Transaction& transaction, std::string_view sku,
                              std::string_view variant_id) {
  for (const auto& line : transaction.lines())
    if (line.sku() == sku && line.variant_id() == variant_id) return &line;
  return nullptr;
}

std::optional<std::string> attribute(const v1::SessionState& state, std::string_view name,
                                     const google::protobuf::Timestamp& now) {
  const auto& attributes = state.customer().attributes();
  auto it = attributes.find(std::string(name));
  if (it == attributes.end() || now >= it->second.expires_at()) return std::nullopt;
  return it->second.value();
}

const v1::PaymentAttempt* pending_payment(const v1::SessionState& state) {
  if (state.phase() != v1::CHECKOUT_PHASE_PAYMENT_PENDING || state.payments().empty())
    return nullptr;
  const auto& last = *state.payments().rbegin();
  return last.status() == v1::PAYMENT_STATUS_PENDING ? &last : nullptr;
}

}  // namespace souk::session
