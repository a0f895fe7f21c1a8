#pragma once

#include <cstddef>
#include <optional>

#include "errors.hpp"
#include "event_checks.hpp"
#include "schema_upgrade.hpp"
#include "souk/v1/events.pb.h"
#include "souk/v1/state.pb.h"

namespace souk::session {

/// How much of the conversation a state keeps in memory; the journal keeps all of it.
inline constexpr int max_transcript_turns = 20;
inline constexpr std::size_t max_summary_chars = 2000;
inline constexpr int max_discussed_skus = 50;
inline constexpr int max_decisions = 50;

/// Folds one event into `state` in place. Pure and deterministic: it runs live and
/// during recovery alike, so it reads nothing but its arguments.
/// Upgrades events of older schema versions; fails, leaving `state` unchanged, on an
/// unknown newer version, a seq that does not follow `state.version()`, an event of
/// another session, a body this build does not know, or values it cannot apply
/// (event_checks.hpp: check_event).
std::optional<v1::Error> apply_to(v1::SessionState& state, const v1::Event& event);

/// The same as a function: `state` is left as it was.
result<v1::SessionState> apply(const v1::SessionState& state, const v1::Event& event);

/// Rebuilds a state by folding `events` (seq 1..n, or the tail after snapshot `from`,
/// which is upgraded first) with apply.
template <class Events>
result<v1::SessionState> replay(const Events& events, v1::SessionState from = {}) {
  if (from.version() > 0)
    if (auto error = upgrade_state(from)) return make_unexpected(*std::move(error));
  for (const v1::Event& event : events)
    if (auto error = apply_to(from, event)) return make_unexpected(*std::move(error));
  return from;
}

}  // namespace souk::session
