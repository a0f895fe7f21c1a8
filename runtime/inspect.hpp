#pragma once

// Support's questions about a session, answered from the journal alone (no actors):
// the state at a point (a version, a time, or a while ago), what changed between two
// points, the history, and whether a full replay agrees with what is stored. soukctl
// asks them offline, the gateway and the background verifier online.
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "persistence/journal.hpp"
#include "session/errors.hpp"
#include "souk/v1/api.pb.h"
#include "souk/v1/state.pb.h"
#include "souk/v1/transfer.pb.h"

namespace souk::runtime {

/// A point in a session's history: a version, or a wall-clock time.
using history_point = std::variant<uint64_t, google::protobuf::Timestamp>;

/// "12" (version 12), "2026-11-27T10:00:00Z" (RFC 3339) or "-5m" / "-2h" / "-30s" / "-1d"
/// (that long before `now`); an INVALID_ARGUMENT error saying which forms are accepted.
session::result<history_point> parse_point(const std::string& text,
                                           const google::protobuf::Timestamp& now);

/// The state at `point` (newest snapshot at or below it + the events after it); NOT_FOUND
/// for a session without events.
session::result<v1::SessionState> state_at(const persistence::journal& journal,
                                           const std::string& session_id,
                                           const history_point& point);

/// What `journal` holds of the session `transfer` carries, at the transfer's version, to
/// check a transfer against (session::validate_transfer): nothing when the journal has
/// no such session; an empty state, which no transfer matches, when it has the session
/// but not at that version.
std::optional<v1::SessionState> recorded_state(const persistence::journal& journal,
                                               const v1::StateTransfer& transfer);

/// What changed between two points (support's "diff A B").
session::result<v1::StateDiff> diff(const persistence::journal& journal,
                                    const std::string& session_id, const history_point& from,
                                    const history_point& to);

/// Rebuilds a session from its first event and compares it with its newest snapshot and
/// with `materialized` (a live actor's state) or, when null, snapshot + tail from disk.
session::result<v1::VerifyReport> verify_session(const persistence::journal& journal,
                                                 const std::string& session_id,
                                                 const v1::SessionState* materialized = nullptr);

/// verify_session for each of `ids`, on `threads` threads (the journal's readers take no
/// lock). Each outcome goes to `report` on the calling thread, in the order of `ids`, as
/// soon as it and those before it are ready.
void verify_sessions(
    const persistence::journal& journal, const std::vector<std::string>& ids, unsigned threads,
    const std::function<void(std::size_t, session::result<v1::VerifyReport>)>& report);

}  // namespace souk::runtime
