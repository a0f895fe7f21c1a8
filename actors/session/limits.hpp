#pragma once

// How much a session may hold, and the largest numbers it computes with. The limits of
// single fields (a quantity, a price, an identifier's length) are declared in the
// schema (schemas/souk/v1/limits.proto) and checked by check_limits(); these are the
// ones that depend on a session's state, checked by decide (its rules, then
// check_within_limits on the events it made), so that an event that would break one is
// refused before it is written.
// tests/actors/session/validate_test.cpp holds them equal to the schema's declarations.
#include <cstdint>

namespace souk::session {

/// Units on one cart line: its adds summed, or a quantity set.
inline constexpr int64_t max_line_quantity = 100'000;
/// Minor units of any amount: a price, a discount, shipping, a cart's total, a payment.
/// Every sum is checked against it, so that no product or sum of amounts overflows.
inline constexpr int64_t max_amount = 1'000'000'000'000;
/// A fetched attribute's time to live: at most 366 days.
inline constexpr int64_t max_ttl_seconds = 366 * 86'400;

inline constexpr int max_cart_lines = 100;
inline constexpr int max_cart_discounts = 10;
inline constexpr int max_preferences = 100;
inline constexpr int max_attributes = 100;
inline constexpr int max_selected_variants = 100;
inline constexpr int max_open_questions = 50;
inline constexpr int max_payment_attempts = 50;

}  // namespace souk::session
