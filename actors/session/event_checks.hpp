#pragma once

// What must hold of an event before it meets a state, in two tiers:
// - check_event: what apply needs to apply it — its seq, session and kind, and values
//   that keep apply's arithmetic and stored times in range. apply_to runs it on every
//   event, live and in replay; an event that fails it cannot apply.
// - check_within_limits: what decide promises beyond that — the session stays within
//   its limits (limits.hpp: a line's quantity, a cart's lines and discounts, amounts,
//   TTLs, counts). decide runs it on the events it makes; replay does not, so that a
//   session whose events an older build accepted under other limits still loads.
#include <optional>

#include "errors.hpp"
#include "souk/v1/events.pb.h"
#include "souk/v1/state.pb.h"

namespace souk::session {

/// Whether apply_to takes `event` (of the current schema) at `state`.
std::optional<v1::Error> check_event(const v1::SessionState& state, const v1::Event& event);

/// Whether `event`, applied at `state`, keeps the session within its limits: INVALID_*
/// for a value out of its range, LIMIT_EXCEEDED for a count or sum.
std::optional<v1::Error> check_within_limits(const v1::SessionState& state,
                                             const v1::Event& event);

}  // namespace souk::session
