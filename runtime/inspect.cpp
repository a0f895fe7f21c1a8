#include "runtime/inspect.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <google/protobuf/util/time_util.h>

#include "session/apply.hpp"
#include "session/divergence.hpp"
#include "session/validate.hpp"
#include "souk/clock.hpp"

namespace souk::runtime {
namespace {

using google::protobuf::util::TimeUtil;

session::result<v1::SessionState> replayed(session::result<persistence::stored_session> stored,
                                           const std::string& session_id) {
  if (!stored) return make_unexpected(stored.error());
  if (stored->snapshot.version() == 0 && stored->tail.empty())
    return session::fail(v1::ERROR_CODE_NOT_FOUND,
                         "no session " + session_id + " (or nothing of it at that point)");
  return session::replay(stored->tail, std::move(stored->snapshot));
}

}  // namespace

session::result<history_point> parse_point(const std::string& text,
                                           const google::protobuf::Timestamp& now) {
  auto invalid = [&] {
    return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                         "'" + text +
                             "' is not a point in a session's history: give a version "
                             "(12), an RFC 3339 time (2026-11-27T10:00:00Z) or a while ago "
                             "(-30s, -5m, -2h, -1d)");
  };
  if (text.empty()) return invalid();
  if (text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 19) return invalid();
    return history_point{std::stoull(text)};
  }
  if (text[0] == '-' && text.size() >= 3) {
    auto digits = text.substr(1, text.size() - 2);
    if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
      return invalid();
    int64_t n = std::stoll(digits), unit = 0;
    switch (text.back()) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      default: return invalid();
    }
    // At most 10^9 days: no overflow. A time before year 1 is no time at all.
    google::protobuf::Timestamp at = now;
    at.set_seconds(now.seconds() - n * unit);
    if (!session::valid_timestamp(at))
      return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                           "'" + text + "' reaches back before the year 1");
    return history_point{at};
  }
  google::protobuf::Timestamp at;
  if (!TimeUtil::FromString(text, &at)) return invalid();
  return history_point{at};
}

session::result<v1::SessionState> state_at(const persistence::journal& journal,
                                           const std::string& session_id,
                                           const history_point& point) {
  if (auto* version = std::get_if<uint64_t>(&point)) {
    auto now = journal.version(session_id);
    if (*version > now)
      return session::fail(v1::ERROR_CODE_NOT_FOUND,
                           "session " + session_id + " is at version " + std::to_string(now),
                           now);
    return replayed(journal.load(session_id, *version), session_id);
  }
  return replayed(journal.load_at(session_id, std::get<google::protobuf::Timestamp>(point)),
                  session_id);
}

std::optional<v1::SessionState> recorded_state(const persistence::journal& journal,
                                               const v1::StateTransfer& transfer) {
  const auto& p = transfer.payload();
  if (!session::valid_session_id(p.session_id()) || journal.version(p.session_id()) == 0)
    return std::nullopt;
  auto at = state_at(journal, p.session_id(), history_point{p.state().version()});
  return at ? std::move(*at) : v1::SessionState();
}

session::result<v1::StateDiff> diff(const persistence::journal& journal,
                                    const std::string& session_id, const history_point& from,
                                    const history_point& to) {
  auto a = state_at(journal, session_id, from);
  if (!a) return make_unexpected(a.error());
  auto b = state_at(journal, session_id, to);
  if (!b) return make_unexpected(b.error());
  v1::StateDiff out;
  out.set_from_version(a->version());
  out.set_to_version(b->version());
  for (auto& change : session::state_changes(*a, *b)) out.add_changes(std::move(change));
  return out;
}

session::result<v1::VerifyReport> verify_session(const persistence::journal& journal,
                                                 const std::string& session_id,
                                                 const v1::SessionState* materialized) {
  auto events = journal.events(session_id);
  if (!events) return make_unexpected(events.error());
  if (events->empty())
    return session::fail(v1::ERROR_CODE_NOT_FOUND, "no session " + session_id);
  // A live state may trail the journal by the command in flight (durable, not yet
  // applied): compare it with the history up to its own version only.
  const uint64_t until = materialized ? materialized->version() : UINT64_MAX;
  if (events->size() > until) events->resize(until);
  auto stored = journal.load(session_id, until);
  if (!stored) return make_unexpected(stored.error());
  v1::SessionState from_disk;
  if (!materialized) {
    auto loaded = session::replay(stored->tail, stored->snapshot);
    if (!loaded)
      return session::fail(loaded.error().code(),
                           "snapshot + tail does not replay: " + loaded.error().message());
    from_disk = std::move(*loaded);
    materialized = &from_disk;
  }
  auto report = session::check_divergence(*events, stored->snapshot, *materialized);
  if (!report)
    return session::fail(report.error().code(),
                         "history does not replay: " + report.error().message());
  v1::VerifyReport out;
  out.set_session_id(session_id);
  out.set_diverged(report->diverged());
  out.set_events_replayed(report->events_replayed);
  out.set_snapshot_version(report->snapshot_version);
  if (report->snapshot_difference) out.set_snapshot_difference(*report->snapshot_difference);
  if (report->materialized_difference)
    out.set_materialized_difference(*report->materialized_difference);
  *out.mutable_checked_at() = souk::now_timestamp();
  return out;
}

void verify_sessions(
    const persistence::journal& journal, const std::vector<std::string>& ids, unsigned threads,
    const std::function<void(std::size_t, session::result<v1::VerifyReport>)>& report) {
  // Workers take the next session; an outcome waits in its slot until its turn.
  std::vector<std::optional<session::result<v1::VerifyReport>>> outcomes(ids.size());
  std::mutex mutex;
  std::condition_variable ready;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> stop{false};  // set if `report` throws: the workers finish early
  auto work = [&] {
    while (!stop) {
      const std::size_t i = next++;
      if (i >= ids.size()) return;
      auto outcome = verify_session(journal, ids[i]);
      std::lock_guard<std::mutex> lock(mutex);
      outcomes[i] = std::move(outcome);
      ready.notify_all();
    }
  };
  std::vector<std::thread> workers;
  const std::size_t wanted = std::min<std::size_t>(std::max(1u, threads), ids.size());
  for (std::size_t t = 0; t < wanted; ++t) workers.emplace_back(work);
  struct joiner {
    std::vector<std::thread>& workers;
    std::atomic<bool>& stop;
    ~joiner() {
      stop = true;
      for (auto& worker : workers) worker.join();
    }
  } join_at_exit{workers, stop};
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::unique_lock<std::mutex> lock(mutex);
    ready.wait(lock, [&] { return outcomes[i].has_value(); });
    auto outcome = std::move(*outcomes[i]);
    outcomes[i].reset();
    lock.unlock();
    report(i, std::move(outcome));
  }
}

}  // namespace souk::runtime
