#pragma once

#include <optional>
#include <string>
#include <vector>

#include "errors.hpp"
#include "souk/v1/events.pb.h"
#include "souk/v1/state.pb.h"

namespace souk::session {

/// The first field in which `expected` and `actual` differ, as protobuf's differencer
/// names it (e.g. `modified: cart.lines[0].quantity: 2 -> 3`); nothing if they are equal.
std::optional<std::string> first_difference(const v1::SessionState& expected,
                                            const v1::SessionState& actual);

/// Every field that differs from `from` to `to`, one line each in the differencer's
/// words ("added: cart.lines[1]: {...}", "modified: cart.lines[0].quantity: 1 -> 2").
std::vector<std::string> state_changes(const v1::SessionState& from,
                                       const v1::SessionState& to);

/// What rebuilding a session from its first event found.
struct divergence_report {
  uint64_t events_replayed = 0;
  uint64_t snapshot_version = 0;  // 0 when the session has no snapshot
  std::optional<std::string> snapshot_difference;      // replay to its version vs snapshot
  std::optional<std::string> materialized_difference;  // full replay vs materialized
  bool diverged() const { return snapshot_difference || materialized_difference; }
};

/// Replays `events` (the whole history, seq 1..n) and compares the result with the
/// newest snapshot (at its version) and with the materialized state (what a live
/// session or snapshot + tail gives). Fails only if the history itself does not replay.
result<divergence_report> check_divergence(const std::vector<v1::Event>& events,
                                           const v1::SessionState& snapshot,
                                           const v1::SessionState& materialized);

}  // namespace souk::session
