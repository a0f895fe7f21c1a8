// The index pass: each session's newest events, kept in memory since their commit, go
// to `chunks`, `sessions` and `activity` in slices (persistence/README.md) — riding along
// with group commits, on their own when the writer is idle, and all at once at close.
#include "persistence/journal.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>

#include "persistence/journal_records.hpp"

namespace souk::persistence {

using namespace detail;

journal::index_slice journal::plan_index_slice(std::size_t budget) const {
  // Oldest tails first (the queue is in order of each tail's first position), so that
  // the position below which everything is indexed — where recovery rescans from —
  // moves forward with every slice.
  index_slice slice;
  std::size_t count = 0, bytes = 0;
  for (; count < tail_order_.size(); ++count) {
    std::size_t tail_bytes = unindexed_.at(tail_order_[count]).chunk_bytes;
    if (count > 0 && bytes + tail_bytes > budget) break;
    bytes += tail_bytes;
  }
  slice.sessions.assign(tail_order_.begin(), tail_order_.begin() + count);
  uint64_t oldest_left = next_position_;
  if (count < tail_order_.size()) {
    const auto& tail = unindexed_.at(tail_order_[count]);
    if (!tail.positions.empty()) oldest_left = tail.positions.front().second;
  }
  slice.indexed_through = oldest_left - 1;
  return slice;
}

journal::session_tail& journal::tail_of(const std::string& session_id, head& h) {
  if (h.tail) return *h.tail;
  auto [it, added] = unindexed_.try_emplace(session_id);
  if (added) tail_order_.push_back(session_id);
  h.tail = &it->second;  // unordered_map values stay put until erased
  return it->second;
}

int journal::write_index_slice(lmdb::txn& t, const index_slice& slice) {
  for (const std::string& session_id : slice.sessions) {
    const session_tail& tail = unindexed_.at(session_id);
    int rc = MDB_SUCCESS;
    // The session's events, kept since their commit as one chunk (or one per snapshot
    // inside the tail): reading a session back is then a few sequential values
    // instead of a B-tree lookup per event.
    auto write_chunk = [&](std::size_t begin, std::size_t end, uint64_t first_seq) {
      std::size_t size = 0;
      for (std::size_t i = begin; i < end; ++i) size += tail.chunk[i].size();
      if (size == 0) return MDB_SUCCESS;  // snapshots alone, no events
      std::string key = session_key(session_id, first_seq);
      MDB_val k = lmdb::as_val(key), v{size, nullptr};
      if (int rc = mdb_put(t.handle(), chunks_, &k, &v, MDB_RESERVE)) return rc;
      char* out = static_cast<char*>(v.mv_data);
      for (std::size_t i = begin; i < end; ++i)
        out = std::copy(tail.chunk[i].begin(), tail.chunk[i].end(), out);
      return MDB_SUCCESS;
    };
    if (!tail.positions.empty()) {
      std::size_t begin = 0;
      uint64_t first_seq = tail.positions.front().first;
      for (auto [piece, seq] : tail.chunk_starts) {
        if (piece <= begin || piece >= tail.chunk.size()) continue;
        if ((rc = write_chunk(begin, piece, first_seq))) return rc;
        begin = piece;
        first_seq = seq;
      }
      if ((rc = write_chunk(begin, tail.chunk.size(), first_seq))) return rc;
    }
    v1::SessionRecord record;
    auto stored = t.get(sessions_, session_id);
    if (!stored) return MDB_PANIC;
    if (*stored && decode(**stored, record, "session record " + session_id))
      record.Clear();  // rebuilt from what the tail knows; the log stays the truth
    if (record.has_last_activity() && !tail.positions.empty())
      if ((rc = t.del(activity_, activity_key(to_ms(record.last_activity()), session_id))))
        return rc;
    merge(record, session_id, tail);
    if ((rc = t.put(sessions_, session_id, seal(record.SerializeAsString())))) return rc;
    if (record.has_last_activity())
      if ((rc = t.put(activity_, activity_key(to_ms(record.last_activity()), session_id), "")))
        return rc;
  }
  if (slice.sessions.empty()) return MDB_SUCCESS;
  return t.put(meta_, meta_indexed_through, u64_key(slice.indexed_through));
}

void journal::finish_index_slice(const index_slice& slice) {
  // The tails are freed after the lock is released: readers need not wait for that.
  std::vector<decltype(unindexed_)::node_type> indexed;
  indexed.reserve(slice.sessions.size());
  std::lock_guard<std::shared_mutex> lock(state_mutex_);
  ++stats_.index_slices;
  for (const std::string& session_id : slice.sessions) {
    auto it = unindexed_.find(session_id);
    unindexed_events_ -= it->second.positions.size();
    indexed.push_back(unindexed_.extract(it));
    heads_.at(session_id).tail = nullptr;
    tail_order_.pop_front();
  }
  pass_left_ -= std::min(pass_left_, slice.sessions.size());
  if (unindexed_.empty() || pass_left_ == 0) {
    indexing_ = false;
    last_index_ = std::chrono::steady_clock::now();
  }
}

std::optional<v1::Error> journal::write_whole_index() {
  while (!unindexed_.empty()) {
    auto slice = plan_index_slice(index_slice_bytes);
    if (auto error = write_txn(*main_, "index",
                               [&](lmdb::txn& t) { return write_index_slice(t, slice); }))
      return error;
    finish_index_slice(slice);
  }
  return std::nullopt;
}

std::optional<v1::Error> journal::flush_index() {
  if (read_only_) return invalid("the journal is open read-only");
  std::optional<v1::Error> error;
  on_writer([&] { error = write_whole_index(); });
  return error;
}

}  // namespace souk::persistence
