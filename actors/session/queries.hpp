#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "errors.hpp"
#include "souk/v1/state.pb.h"

namespace souk::session {

/// What a transaction costs. All amounts share `subtotal.currency()`.
struct totals {
  v1::Money subtotal;
  v1::Money discount;  // never more than the subtotal
  v1::Money shipping;
  v1::Money total;
};

/// Prices a transaction. Fails with CURRENCY_MISMATCH if its amounts mix currencies.
result<totals> price(const v1::Transaction& transaction);

/// The currency a transaction is priced in: that of its first non-zero amount (line,
/// amount discount or shipping); empty while it holds none.
std::string currency_of(const v1::Transaction& transaction);

/// The cart line for sku + variant, or null. The pointer lives as long as `transaction`
/// is not modified.
const v1::CartLine* find_line(const v1::Transaction& transaction, std::string_view sku,
                              std::string_view variant_id);

/// The value of a fetched customer attribute at time `now`; nothing if it was never
/// fetched or has expired (an expired fact is missing, not stale).
std::optional<std::string> attribute(const v1::SessionState& state, std::string_view name,
                                     const google::protobuf::Timestamp& now);

/// The payment attempt awaiting a result, or null.
const v1::PaymentAttempt* pending_payment(const v1::SessionState& state);

}  // namespace souk::session
