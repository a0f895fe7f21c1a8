#pragma once

#include <vector>

#include "../context.hpp"
#include "../errors.hpp"
#include "souk/v1/commands.pb.h"
#include "souk/v1/events.pb.h"
#include "souk/v1/state.pb.h"

// The business rules behind decide(), one function per command body. Each returns the
// events' bodies (decide() stamps the envelopes) or the Error of the rule it broke.
namespace souk::session::detail {

using events = std::vector<v1::Event>;

/// The events given, moved in: a braced list would copy each one.
template <class... Event>
events moved(Event&&... given) {
  events out;
  out.reserve(sizeof...(given));
  (out.push_back(std::move(given)), ...);
  return out;
}

/// Fails unless the cart may change now (not while paying, not once paid).
std::optional<v1::Error> check_cart_open(const v1::SessionState& state);

/// Refuses an amount (`what` says whose) in another currency than the cart's: one cart
/// holds one currency. A zero amount carries none.
std::optional<v1::Error> check_currency(const v1::Transaction& cart, const v1::Money& amount,
                                        const std::string& what);

result<events> add_to_cart(const v1::SessionState&, const v1::AddToCart&, const context&);
result<events> remove_from_cart(const v1::SessionState&, const v1::RemoveFromCart&);
result<events> set_quantity(const v1::SessionState&, const v1::SetQuantity&,
                            const context&);
result<events> apply_discount(const v1::SessionState&, const v1::ApplyDiscount&,
                              const context&);
result<events> revoke_discount(const v1::SessionState&, const v1::RevokeDiscount&);
result<events> revalidate_discounts(const v1::SessionState&, const context&);
result<events> reconcile_stock(const v1::SessionState&, const v1::ReconcileStock&);
result<events> checkout(const v1::SessionState&, const context&);
result<events> record_payment_result(const v1::SessionState&,
                                     const v1::RecordPaymentResult&);
result<events> roll_back(const v1::SessionState&, const v1::RollBack&, const context&);

}  // namespace souk::session::detail
