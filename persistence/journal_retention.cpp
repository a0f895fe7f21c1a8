// Retention: old events to the archive, snapshots thinned.
#include <map>
#include <mutex>
#include <unordered_set>

#include "persistence/journal.hpp"
#include "persistence/journal_records.hpp"

namespace souk::persistence {

using namespace detail;

result<retention_report> journal::run_retention(const retention_options& opts) {
  if (read_only_) return make_unexpected(invalid("the journal is open read-only"));
  std::optional<result<retention_report>> outcome;
  on_writer([&] { outcome = retention(opts); });
  return std::move(*outcome);
}

// Runs on the writer thread. Events move in chunks: each chunk is first committed to
// the archive, then removed from the log with the session records and chunks updated
// in one main txn. A crash between the two leaves a chunk in both places, which reads
// tolerate (the session record decides where a seq is read from) and the next run
// repeats harmlessly.
result<retention_report> journal::retention(const retention_options& opts) {
  retention_report report;
  if (auto error = write_whole_index()) return make_unexpected(*error);
  const int64_t archive_before =
      to_ms(opts.now) - std::chrono::duration_cast<std::chrono::milliseconds>(
                            opts.archive_events_older_than)
                            .count();
  std::unordered_set<std::string> touched;
  constexpr std::size_t chunk_size = 5000;
  for (;;) {
    struct moving {
      uint64_t position;
      std::string session_id;
      uint64_t seq;
      std::string value;
    };
    std::vector<moving> chunk;
    {
      auto t = main_->begin_read();
      if (!t) return make_unexpected(t.error());
      lmdb::cursor c(*t, log_);
      for (bool ok = c.first(); ok && chunk.size() < chunk_size; ok = c.next()) {
        if (c.key().size() != 8)
          return make_unexpected(corrupt("a log key of " + std::to_string(c.key().size()) + " bytes"));
        uint64_t position = get_u64(c.key().data());
        auto event = decode_event(c.value(), "log record at position " + std::to_string(position));
        if (!event) return make_unexpected(event.error());
        if (to_ms(event->at()) >= archive_before) break;
        chunk.push_back({position, event->session_id(), event->seq(), std::string(c.value())});
      }
      if (c.error()) return make_unexpected(*c.error());
    }
    if (chunk.empty()) break;
    if (auto error = write_txn(*archive_, "archive events", [&](lmdb::txn& t) -> int {
          for (const auto& m : chunk)
            if (int rc = t.put(archive_events_, session_key(m.session_id, m.seq), m.value))
              return rc;
          return MDB_SUCCESS;
        }))
      return make_unexpected(*error);
    std::map<std::string, uint64_t> archived_through;
    for (const auto& m : chunk)
      archived_through[m.session_id] = std::max(archived_through[m.session_id], m.seq);
    const uint64_t last_position = chunk.back().position;
    auto error = write_txn(*main_, "drop archived events", [&](lmdb::txn& t) -> int {
      for (const auto& m : chunk)
        if (int rc = t.del(log_, u64_key(m.position))) return rc;
      for (const auto& [session_id, seq] : archived_through) {
        v1::SessionRecord record;
        auto stored = t.get(sessions_, session_id);
        if (!stored || !*stored || decode(**stored, record, session_id)) return MDB_CORRUPTED;
        record.set_archived_through_seq(std::max(record.archived_through_seq(), seq));
        if (int rc = t.put(sessions_, session_id, seal(record.SerializeAsString()))) return rc;
        // Chunks wholly archived go: those that end at or before the archived seq, i.e.
        // those followed by a chunk starting at or before archived + 1.
        lmdb::cursor c(t, chunks_);
        for (bool ok = c.seek(session_prefix(session_id)); ok;) {
          std::string key(c.key());
          auto split = split_session_key(key);
          if (!split || split->first != session_id) break;
          bool next_ok = c.next();
          auto following = next_ok ? split_session_key(c.key()) : std::nullopt;
          if (!following || following->first != session_id ||
              following->second > record.archived_through_seq() + 1)
            break;
          if (int rc = t.del(chunks_, key)) return rc;
          ok = c.seek(session_prefix(session_id));
        }
      }
      return t.put(meta_, meta_archived_through, u64_key(last_position));
    });
    if (error) return make_unexpected(*error);
    {
      std::lock_guard<std::shared_mutex> lock(state_mutex_);
      for (const auto& [session_id, seq] : archived_through)
        heads_[session_id].archived_through =
            std::max(heads_[session_id].archived_through, seq);
    }
    report.events_archived += chunk.size();
    for (const auto& [session_id, seq] : archived_through) touched.insert(session_id);
  }

  // Snapshots: the newest of each session stays; older ones thin to one per hour for
  // the last day, one per day after that, and go entirely past the age limit.
  const int64_t now_ms = to_ms(opts.now);
  const int64_t drop_before =
      now_ms - std::chrono::duration_cast<std::chrono::milliseconds>(
                   opts.drop_snapshots_older_than)
                   .count();
  std::vector<std::string> doomed;
  {
    auto t = main_->begin_read();
    if (!t) return make_unexpected(t.error());
    lmdb::cursor c(*t, snapshots_);
    std::string session_id;
    std::vector<std::pair<std::string, int64_t>> of_session;  // (key, updated_at ms)
    auto thin = [&] {
      std::unordered_set<int64_t> buckets;
      for (std::size_t i = of_session.size(); i-- > 0;) {
        const auto& [key, at] = of_session[i];
        bool newest = i + 1 == of_session.size();
        int64_t age = now_ms - at;
        int64_t bucket = age < 86400000 ? at / 3600000 : -(at / 86400000) - 1;
        if (newest || (at >= drop_before && buckets.insert(bucket).second)) {
          buckets.insert(bucket);
          ++report.snapshots_kept;
          continue;
        }
        doomed.push_back(key);
        touched.insert(session_id);
      }
      of_session.clear();
    };
    for (bool ok = c.first(); ok; ok = c.next()) {
      auto key = split_session_key(c.key());
      if (!key) return make_unexpected(corrupt("snapshot key without a session"));
      if (key->first != session_id) {
        thin();
        session_id = std::string(key->first);
      }
      v1::SessionState state;
      if (auto error = decode(c.value(), state,
                              "snapshot " + session_id + "@" + std::to_string(key->second)))
        return make_unexpected(*error);
      of_session.emplace_back(std::string(c.key()), to_ms(state.updated_at()));
    }
    if (c.error()) return make_unexpected(*c.error());
    thin();
  }
  if (auto error = write_txn(*main_, "drop snapshots", [&](lmdb::txn& t) -> int {
        for (const auto& key : doomed)
          if (int rc = t.del(snapshots_, key)) return rc;
        return MDB_SUCCESS;
      }))
    return make_unexpected(*error);
  report.snapshots_dropped = doomed.size();
  report.sessions_touched = touched.size();
  return report;
}

}  // namespace souk::persistence
