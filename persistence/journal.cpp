#include "persistence/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>

#include <google/protobuf/util/time_util.h>

#include "persistence/codec.hpp"

namespace souk::persistence {
namespace {

using google::protobuf::util::TimeUtil;

constexpr const char* format_version = "souk-journal/1";
// meta keys
constexpr const char* meta_format = "format";
constexpr const char* meta_indexed_through = "indexed_through";
constexpr const char* meta_archived_through = "archived_through";

// Index slices bounded to this many sessions keep each index txn short, so that
// commits waiting behind it are not held up for long.
constexpr std::size_t index_slice_sessions = 4;

int64_t to_ms(const google::protobuf::Timestamp& t) {
  return t.seconds() * 1000 + t.nanos() / 1000000;
}

google::protobuf::Timestamp from_ms(int64_t ms) {
  return TimeUtil::MillisecondsToTimestamp(ms);
}

v1::Error corrupt(const std::string& what) {
  return storage_error(v1::ERROR_CODE_CORRUPT_RECORD, what);
}

v1::Error invalid(const std::string& what) {
  return storage_error(v1::ERROR_CODE_INVALID_ARGUMENT, what);
}

// Activity DB key: last activity (ms, big-endian) then the session id.
std::string activity_key(int64_t at_ms, std::string_view session_id) {
  std::string key = u64_key(static_cast<uint64_t>(at_ms));
  key.append(session_id);
  return key;
}

// Past every key of the session: its id followed by 0x01 instead of NUL.
std::string after_session(std::string_view session_id) {
  std::string key(session_id);
  key.push_back('\x01');
  return key;
}

result<v1::Event> decode_event(std::string_view value, const std::string& where) {
  auto payload = unseal(value);
  if (!payload) return make_unexpected(corrupt(where + " fails its checksum"));
  v1::Event event;
  if (!event.ParseFromArray(payload->data(), static_cast<int>(payload->size())))
    return make_unexpected(corrupt(where + " does not decode as an Event"));
  return event;
}

template <class Message>
std::optional<v1::Error> decode(std::string_view value, Message& out, const std::string& where) {
  auto payload = unseal(value);
  if (!payload) return corrupt(where + " fails its checksum");
  if (!out.ParseFromArray(payload->data(), static_cast<int>(payload->size())))
    return corrupt(where + " does not decode");
  return std::nullopt;
}

// Appends a chunk entry for a sealed event: its payload length (4 bytes, big-endian),
// then the sealed bytes as they are in the log.
void append_chunk_entry(std::string& chunk, std::string_view sealed) {
  std::size_t length = sealed.size() - seal_overhead;
  char header[4];
  for (int i = 0; i < 4; ++i) header[i] = static_cast<char>(length >> (24 - 8 * i));
  chunk.append(header, 4);
  chunk.append(sealed);
}

std::string event_where(const std::string& session_id, uint64_t seq) {
  return "event " + session_id + "#" + std::to_string(seq);
}

// Folds what a tail knows into a session record.
void merge(v1::SessionRecord& record, const std::string& session_id,
           const journal::session_tail& tail) {
  record.set_session_id(session_id);
  if (!tail.positions.empty()) {
    record.set_last_seq(std::max(record.last_seq(), tail.positions.back().first));
    *record.mutable_last_activity() = from_ms(tail.last_at_ms);
    if (!record.has_created_at()) *record.mutable_created_at() = from_ms(tail.first_at_ms);
  }
  if (!tail.customer_id.empty()) record.set_customer_id(tail.customer_id);
  record.set_ownership_epoch(std::max(record.ownership_epoch(), tail.ownership_epoch));
  record.set_snapshot_seq(std::max(record.snapshot_seq(), tail.snapshot_seq));
}

// Runs `fill` in a write txn and commits; on MDB_MAP_FULL grows the map and runs it
// again from scratch. `fill` returns an LMDB code.
template <class Fill>
std::optional<v1::Error> write_txn(lmdb::env& env, const char* what, Fill&& fill) {
  for (;;) {
    auto t = env.begin_write();
    if (!t) return t.error();
    int rc = fill(*t);
    if (rc == MDB_MAP_FULL) {
      t->abort();
      if (auto error = env.grow()) return error;
      continue;
    }
    if (rc != MDB_SUCCESS) return lmdb_error(rc, what);
    auto error = t->commit();
    if (error && error->message().find("MDB_MAP_FULL") != std::string::npos) {
      if (auto grown = env.grow()) return grown;
      continue;
    }
    return error;
  }
}

}  // namespace

encoded_event encode(const v1::Event& event) {
  encoded_event out;
  out.event_id = event.event_id();
  out.seq = event.seq();
  out.at_ms = to_ms(event.at());
  if (event.has_session_started()) out.customer_id = event.session_started().customer_id();
  if (event.has_session_migrated())
    out.ownership_epoch = event.session_migrated().ownership_epoch();
  event.SerializeToString(&out.bytes);
  return out;
}

journal::journal(options opts, bool read_only)
    : opts_(std::move(opts)), read_only_(read_only), dir_(opts_.dir) {}

result<std::unique_ptr<journal>> journal::open(const options& opts) {
  std::unique_ptr<journal> j(new journal(opts, false));
  // One writing process per journal: its writer keeps the heads in memory.
  std::error_code ec;
  std::filesystem::create_directories(opts.dir, ec);
  std::string lock_path = opts.dir + "/writer.lock";
  j->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (j->lock_fd_ < 0)
    return make_unexpected(storage_error(v1::ERROR_CODE_STORAGE_FAILURE,
                                         "cannot open " + lock_path + ": " + std::strerror(errno)));
  if (::flock(j->lock_fd_, LOCK_EX | LOCK_NB) != 0)
    return make_unexpected(storage_error(
        v1::ERROR_CODE_STORAGE_FAILURE,
        "another process (a running node?) has the journal in " + opts.dir +
            " open for writing; stop it or use a read-only command"));
  if (auto error = j->open_envs()) return make_unexpected(*error);
  if (auto error = j->recover()) return make_unexpected(*error);
  j->last_index_ = std::chrono::steady_clock::now();
  j->writer_ = std::thread([raw = j.get()] { raw->writer_loop(); });
  return j;
}

result<std::unique_ptr<journal>> journal::open_read_only(const std::string& dir) {
  options opts;
  opts.dir = dir;
  std::unique_ptr<journal> j(new journal(opts, true));
  if (auto error = j->open_envs()) return make_unexpected(*error);
  if (auto error = j->recover()) return make_unexpected(*error);
  return j;
}

std::optional<v1::Error> journal::open_envs() {
  lmdb::env::options main;
  main.path = dir_ + "/journal";
  main.dbs = {"log", "chunks", "event_ids", "snapshots", "sessions", "activity", "meta"};
  main.read_only = read_only_;
  main.initial_map_size = opts_.initial_map_size;
  auto env = lmdb::env::open(main);
  if (!env) return env.error();
  main_ = std::move(*env);
  log_ = main_->db("log");
  chunks_ = main_->db("chunks");
  event_ids_ = main_->db("event_ids");
  snapshots_ = main_->db("snapshots");
  sessions_ = main_->db("sessions");
  activity_ = main_->db("activity");
  meta_ = main_->db("meta");

  lmdb::env::options archive;
  archive.path = dir_ + "/archive";
  archive.dbs = {"events"};
  archive.read_only = read_only_;
  auto archive_env = lmdb::env::open(archive);
  if (!archive_env) return archive_env.error();
  archive_ = std::move(*archive_env);
  archive_events_ = archive_->db("events");

  std::string format;
  {
    auto t = main_->begin_read();
    if (!t) return t.error();
    auto stored = t->get(meta_, meta_format);
    if (!stored) return stored.error();
    if (*stored) format = std::string(**stored);
  }
  if (!format.empty() && format != format_version)
    return storage_error(v1::ERROR_CODE_UNSUPPORTED_SCHEMA_VERSION,
                         dir_ + " holds a " + format + " journal; this build reads " +
                             format_version);
  if (!format.empty() || read_only_) return std::nullopt;
  return write_txn(*main_, "write format", [&](lmdb::txn& t) {
    return t.put(meta_, meta_format, format_version);
  });
}

// Rebuilds the writer's memory from disk: heads from the session records, then the
// log after the index's high-water mark, exactly as if those events had just been
// appended.
std::optional<v1::Error> journal::recover() {
  auto t = main_->begin_read();
  if (!t) return t.error();
  {
    lmdb::cursor c(*t, sessions_);
    for (bool ok = c.first(); ok; ok = c.next()) {
      v1::SessionRecord record;
      if (auto error = decode(c.value(), record, "session record " + std::string(c.key())))
        return error;
      heads_[record.session_id()] = {record.last_seq(), record.archived_through_seq()};
    }
    if (c.error()) return c.error();
  }
  uint64_t indexed_through = 0, archived_through = 0;
  for (auto [key, target] : {std::pair{meta_indexed_through, &indexed_through},
                             std::pair{meta_archived_through, &archived_through}}) {
    auto value = t->get(meta_, key);
    if (!value) return value.error();
    if (*value && (*value)->size() == 8) *target = get_u64((*value)->data());
  }
  next_position_ = std::max(indexed_through, archived_through) + 1;

  lmdb::cursor c(*t, log_);
  for (bool ok = c.seek(u64_key(indexed_through + 1)); ok; ok = c.next()) {
    uint64_t position = get_u64(c.key().data());
    auto event = decode_event(c.value(), "log record at position " + std::to_string(position));
    if (!event) return event.error();
    next_position_ = position + 1;
    // Index writes go session by session: this one's may already cover the event.
    auto& head = heads_[event->session_id()];
    if (event->seq() <= head.version) continue;
    auto& tail = tail_of(event->session_id());
    int64_t at_ms = to_ms(event->at());
    if (tail.positions.empty()) tail.first_at_ms = at_ms;
    tail.last_at_ms = at_ms;
    tail.positions.emplace_back(event->seq(), position);
    if (event->has_session_started())
      tail.customer_id = event->session_started().customer_id();
    if (event->has_session_migrated())
      tail.ownership_epoch = event->session_migrated().ownership_epoch();
    append_chunk_entry(tail.chunk.emplace_back(), c.value());
    head.version = event->seq();
    ++unindexed_events_;
  }
  if (c.error()) return c.error();
  // Snapshots written after the index was: their seqs are the newest per session.
  for (auto& [session_id, tail] : unindexed_) {
    lmdb::cursor s(*t, snapshots_);
    bool found = s.seek(after_session(session_id)) ? s.prev() : s.last();
    if (!found) continue;
    auto key = split_session_key(s.key());
    if (key && key->first == session_id) tail.snapshot_seq = key->second;
  }
  return std::nullopt;
}

journal::~journal() {
  close();
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

void journal::close() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  queue_ready_.notify_all();
  if (writer_.joinable()) writer_.join();
}

void journal::submit(append_request request, append_callback done) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (!stopping_ && !read_only_) {
      queue_.push_back({std::move(request), std::move(done)});
      // Only the first request of a batch needs to wake the writer: it takes them all.
      if (queue_.size() == 1) queue_ready_.notify_one();
      return;
    }
  }
  done(make_unexpected(storage_error(v1::ERROR_CODE_STORAGE_FAILURE,
                                     read_only_ ? "the journal is open read-only"
                                                : "the journal is closed")));
}

result<uint64_t> journal::append(append_request request) {
  std::promise<result<uint64_t>> promise;
  auto future = promise.get_future();
  submit(std::move(request), [&](result<uint64_t> r) { promise.set_value(std::move(r)); });
  return future.get();
}

result<uint64_t> journal::save_snapshot(const v1::SessionState& state) {
  append_request request;
  request.session_id = state.session_id();
  request.expected_version = state.version();
  state.SerializeToString(&request.snapshot);
  return append(std::move(request));
}

void journal::on_writer(job work) {
  std::promise<void> finished;
  auto future = finished.get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (stopping_ || read_only_) {
      work();  // no writer thread: run here (read-only callers get an error from it)
      return;
    }
    jobs_.push_back([&] {
      work();
      finished.set_value();
    });
  }
  queue_ready_.notify_one();
  future.wait();
}

void journal::writer_loop() {
  for (;;) {
    std::vector<request_slot> batch;
    std::deque<job> jobs;
    {
      std::unique_lock<std::mutex> lock(queue_mutex_);
      queue_ready_.wait_for(lock, indexing_ ? std::chrono::milliseconds(0) : opts_.index_interval,
                            [&] { return stopping_ || !queue_.empty() || !jobs_.empty(); });
      batch.swap(queue_);
      jobs.swap(jobs_);
      if (stopping_ && batch.empty() && jobs.empty()) break;
    }
    if (!indexing_)
      indexing_ = unindexed_events_ >= opts_.max_unindexed_events ||
                  (!unindexed_.empty() &&
                   std::chrono::steady_clock::now() - last_index_ >= opts_.index_interval);
    if (!batch.empty()) {
      write_batch(batch);  // carries an index slice when indexing_
    } else if (indexing_) {
      auto slice = plan_index_slice();
      if (auto error = write_txn(*main_, "index",
                                 [&](lmdb::txn& t) { return write_index_slice(t, slice); }))
        std::cerr << "souk journal: index write failed, will retry: " << error->message()
                  << "\n";
      else
        finish_index_slice(slice);
    }
    for (auto& work : jobs) work();
  }
  if (auto error = write_whole_index())
    std::cerr << "souk journal: index write at close failed (rebuilt at next open): "
              << error->message() << "\n";
}

void journal::write_batch(std::vector<request_slot>& batch) {
  auto fail_all = [&](const v1::Error& error) {
    for (auto& slot : batch) slot.done(make_unexpected(error));
  };
  const auto started = std::chrono::steady_clock::now();
  // A bounded slice of index work rides along: one fsync pair serves both.
  std::optional<index_slice> slice;
  if (indexing_) slice = plan_index_slice();
  for (;;) {
    std::vector<std::optional<v1::Error>> refusals(batch.size());
    std::vector<std::pair<std::size_t, uint64_t>> placed;  // (slot, first position)
    std::vector<std::string> staged;  // per placed request: its chunk entries
    std::unordered_map<std::string_view, uint64_t> batch_heads;
    uint64_t position = next_position_;
    auto t = main_->begin_write();
    if (!t) return fail_all(t.error());
    int rc = MDB_SUCCESS;

    for (std::size_t i = 0; i < batch.size() && rc == MDB_SUCCESS; ++i) {
      const auto& r = batch[i].request;
      auto refuse = [&](v1::Error error) { refusals[i] = std::move(error); };
      if (r.session_id.empty() || r.session_id.size() > 256 ||
          r.session_id.find('\0') != std::string::npos) {
        refuse(invalid("a session id must be 1-256 bytes without NUL"));
        continue;
      }
      if (r.events.empty() && r.snapshot.empty()) {
        refuse(invalid("nothing to append for session " + r.session_id));
        continue;
      }
      uint64_t current = 0;
      if (auto it = batch_heads.find(r.session_id); it != batch_heads.end())
        current = it->second;
      else if (auto head = heads_.find(r.session_id); head != heads_.end())
        current = head->second.version;
      if (r.expected_version != current) {
        auto error = storage_error(v1::ERROR_CODE_VERSION_CONFLICT,
                                   "session " + r.session_id + " is at version " +
                                       std::to_string(current) + ", not " +
                                       std::to_string(r.expected_version));
        error.set_current_version(current);
        refuse(std::move(error));
        continue;
      }
      if (r.events.empty() && current == 0) {
        refuse(invalid("a snapshot of session " + r.session_id + " before its first event"));
        continue;
      }
      std::optional<v1::Error> bad;
      for (std::size_t k = 0; k < r.events.size() && !bad; ++k) {
        const auto& e = r.events[k];
        if (e.seq != current + 1 + k)
          bad = invalid(event_where(r.session_id, e.seq) + " does not follow version " +
                        std::to_string(current + k));
        else if (e.event_id.empty() || e.event_id.size() > 256)
          bad = invalid(event_where(r.session_id, e.seq) + " needs an event id of 1-256 bytes");
      }
      // Ids are claimed in `event_ids` inside this txn (ULIDs grow at its right edge);
      // a taken one refuses the request, and its claims so far are given back.
      for (std::size_t k = 0; k < r.events.size() && !bad && rc == MDB_SUCCESS; ++k) {
        std::string value = seal(u64_key(position + k));
        MDB_val key = lmdb::as_val(r.events[k].event_id), val = lmdb::as_val(value);
        rc = mdb_put(t->handle(), event_ids_, &key, &val, MDB_NOOVERWRITE);
        if (rc == MDB_KEYEXIST) {
          rc = MDB_SUCCESS;
          bad = storage_error(v1::ERROR_CODE_DUPLICATE_EVENT,
                              "event id " + r.events[k].event_id + " is already in the journal");
          for (std::size_t claimed = 0; claimed < k && rc == MDB_SUCCESS; ++claimed)
            rc = t->del(event_ids_, r.events[claimed].event_id);
        }
      }
      if (rc != MDB_SUCCESS) break;
      if (bad) {
        refuse(std::move(*bad));
        continue;
      }
      placed.emplace_back(i, position);
      std::string& entries = staged.emplace_back();
      std::size_t bytes = 0;
      for (const auto& e : r.events) bytes += 4 + seal_overhead + e.bytes.size();
      entries.reserve(bytes);
      for (const auto& e : r.events) {
        std::string key = u64_key(position++);
        MDB_val k = lmdb::as_val(key), v{e.bytes.size() + seal_overhead, nullptr};
        rc = mdb_put(t->handle(), log_, &k, &v, MDB_APPEND | MDB_RESERVE);
        if (rc != MDB_SUCCESS) break;
        seal_into(static_cast<char*>(v.mv_data), e.bytes);
        append_chunk_entry(entries, lmdb::as_view(v));
      }
      uint64_t version = current + r.events.size();
      if (rc == MDB_SUCCESS && !r.snapshot.empty())
        rc = t->put(snapshots_, session_key(r.session_id, version), seal(r.snapshot));
      batch_heads[r.session_id] = version;
    }

    if (rc == MDB_SUCCESS && slice) rc = write_index_slice(*t, *slice);
    if (rc == MDB_MAP_FULL) {
      t->abort();
      if (auto error = main_->grow()) return fail_all(*error);
      continue;  // the whole batch again, into the bigger map
    }
    std::optional<v1::Error> error;
    if (rc != MDB_SUCCESS) error = lmdb_error(rc, "append");
    if (!error) error = t->commit();
    if (error && error->message().find("MDB_MAP_FULL") != std::string::npos) {
      if (auto grown = main_->grow()) return fail_all(*grown);
      continue;
    }
    if (error) return fail_all(*error);

    // Durable: publish to readers, then tell the callers.
    if (slice) finish_index_slice(*slice);
    {
      std::lock_guard<std::mutex> lock(state_mutex_);
      if (!placed.empty()) ++stats_.commits;
      auto us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now() - started).count());
      stats_.commit_us += us;
      stats_.slowest_commit_us = std::max(stats_.slowest_commit_us, us);
      stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, batch.size());
      stats_.refused_requests += batch.size() - placed.size();
      for (std::size_t k = 0; k < placed.size(); ++k) {
        auto [slot, first] = placed[k];
        const auto& r = batch[slot].request;
        auto& tail = tail_of(r.session_id);
        tail.chunk.push_back(std::move(staged[k]));
        uint64_t p = first;
        for (const auto& e : r.events) {
          if (tail.positions.empty()) tail.first_at_ms = e.at_ms;
          tail.last_at_ms = e.at_ms;
          tail.positions.emplace_back(e.seq, p);
          if (!e.customer_id.empty()) tail.customer_id = e.customer_id;
          tail.ownership_epoch = std::max(tail.ownership_epoch, e.ownership_epoch);
          ++p;
        }
        unindexed_events_ += r.events.size();
        stats_.appended_events += r.events.size();
        uint64_t version = r.expected_version + r.events.size();
        if (!r.snapshot.empty()) tail.snapshot_seq = version;
        heads_[r.session_id].version = version;
      }
      next_position_ = position;
    }
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (refusals[i]) batch[i].done(make_unexpected(*refusals[i]));
    for (auto [slot, first] : placed) {
      const auto& r = batch[slot].request;
      batch[slot].done(r.expected_version + r.events.size());
    }
    return;
  }
}

journal::index_slice journal::plan_index_slice() const {
  // Oldest tails first (the queue is in order of each tail's first position), so that
  // the position below which everything is indexed — where recovery rescans from —
  // moves forward with every slice.
  index_slice slice;
  std::size_t count = std::min(index_slice_sessions, tail_order_.size());
  slice.sessions.assign(tail_order_.begin(), tail_order_.begin() + count);
  uint64_t oldest_left = next_position_;
  if (count < tail_order_.size()) {
    const auto& tail = unindexed_.at(tail_order_[count]);
    if (!tail.positions.empty()) oldest_left = tail.positions.front().second;
  }
  slice.indexed_through = oldest_left - 1;
  return slice;
}

journal::session_tail& journal::tail_of(const std::string& session_id) {
  auto [it, added] = unindexed_.try_emplace(session_id);
  if (added) tail_order_.push_back(session_id);
  return it->second;
}

int journal::write_index_slice(lmdb::txn& t, const index_slice& slice) {
  for (const std::string& session_id : slice.sessions) {
    const session_tail& tail = unindexed_.at(session_id);
    int rc = MDB_SUCCESS;
    if (!tail.positions.empty()) {
      // The session's events, kept since their commit as one chunk: reading a session
      // back is then a few sequential values instead of a B-tree lookup per event.
      std::size_t size = 0;
      for (const auto& piece : tail.chunk) size += piece.size();
      std::string key = session_key(session_id, tail.positions.front().first);
      MDB_val k = lmdb::as_val(key), v{size, nullptr};
      if ((rc = mdb_put(t.handle(), chunks_, &k, &v, MDB_RESERVE))) return rc;
      char* out = static_cast<char*>(v.mv_data);
      for (const auto& piece : tail.chunk) out = std::copy(piece.begin(), piece.end(), out);
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
  std::lock_guard<std::mutex> lock(state_mutex_);
  ++stats_.index_slices;
  for (const std::string& session_id : slice.sessions) {
    auto it = unindexed_.find(session_id);
    unindexed_events_ -= it->second.positions.size();
    unindexed_.erase(it);
    tail_order_.pop_front();
  }
  if (unindexed_.empty()) {
    indexing_ = false;
    last_index_ = std::chrono::steady_clock::now();
  }
}

std::optional<v1::Error> journal::write_whole_index() {
  while (!unindexed_.empty()) {
    auto slice = plan_index_slice();
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

journal_stats journal::stats() const {
  std::lock_guard<std::mutex> lock(state_mutex_);
  return stats_;
}

uint64_t journal::version(const std::string& session_id) const {
  std::lock_guard<std::mutex> lock(state_mutex_);
  auto it = heads_.find(session_id);
  return it == heads_.end() ? 0 : it->second.version;
}

result<v1::SessionRecord> journal::session(const std::string& session_id) const {
  std::optional<session_tail> tail;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (auto it = unindexed_.find(session_id); it != unindexed_.end()) tail = it->second;
  }
  auto t = main_->begin_read();
  if (!t) return make_unexpected(t.error());
  v1::SessionRecord record;
  auto stored = t->get(sessions_, session_id);
  if (!stored) return make_unexpected(stored.error());
  if (*stored)
    if (auto error = decode(**stored, record, "session record " + session_id))
      return make_unexpected(*error);
  if (tail) merge(record, session_id, *tail);
  if (record.last_seq() == 0)
    return make_unexpected(
        storage_error(v1::ERROR_CODE_NOT_FOUND, "no session " + session_id + " in the journal"));
  return record;
}

result<std::vector<v1::SessionRecord>> journal::sessions_by_activity(std::size_t limit) const {
  std::unordered_map<std::string, session_tail> tails;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    tails = unindexed_;
  }
  std::vector<v1::SessionRecord> out;
  for (const auto& [session_id, tail] : tails) {
    auto record = session(session_id);
    if (record) out.push_back(*record);
  }
  auto t = main_->begin_read();
  if (!t) return make_unexpected(t.error());
  lmdb::cursor c(*t, activity_);
  std::size_t wanted = limit > SIZE_MAX - tails.size() ? SIZE_MAX : limit + tails.size();
  for (bool ok = c.last(); ok && out.size() < wanted; ok = c.prev()) {
    std::string session_id(c.key().substr(8));
    if (tails.count(session_id)) continue;
    auto stored = t->get(sessions_, session_id);
    if (!stored) return make_unexpected(stored.error());
    if (!*stored) continue;
    v1::SessionRecord record;
    if (auto error = decode(**stored, record, "session record " + session_id))
      return make_unexpected(*error);
    out.push_back(std::move(record));
  }
  if (c.error()) return make_unexpected(*c.error());
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return to_ms(a.last_activity()) > to_ms(b.last_activity());
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

namespace {

// Decodes an event's payload into `event`, which must then be (session_id, seq).
std::optional<v1::Error> parse_event(std::string_view payload, v1::Event& event,
                                     const std::string& session_id, uint64_t seq) {
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return corrupt(event_where(session_id, seq) + " does not decode as an Event");
  if (event.seq() != seq || event.session_id() != session_id)
    return corrupt(event_where(session_id, seq) + " is stored as " +
                   event_where(event.session_id(), event.seq()));
  return std::nullopt;
}

}  // namespace

result<std::vector<v1::Event>> journal::events(const std::string& session_id, uint64_t from,
                                               uint64_t to) const {
  std::vector<v1::Event> out;
  if (auto error = walk_events(session_id, from, to, [&](std::string_view payload, uint64_t seq) {
        return parse_event(payload, out.emplace_back(), session_id, seq);
      }))
    return make_unexpected(*error);
  return out;
}

std::optional<v1::Error> journal::visit_events(const std::string& session_id, uint64_t from,
                                               uint64_t to, const event_visitor& visit) const {
  v1::Event event;  // reused: parsing into it again keeps most of its buffers
  return walk_events(session_id, from, to,
                     [&](std::string_view payload, uint64_t seq) -> std::optional<v1::Error> {
                       if (auto error = parse_event(payload, event, session_id, seq))
                         return error;
                       return visit(event);
                     });
}

std::optional<v1::Error> journal::walk_events(const std::string& session_id, uint64_t from,
                                              uint64_t to, const payload_visitor& visit) const {
  // Copy the unindexed tail before the txn begins: an index write between the two is
  // then seen by the txn, and duplicates are skipped by seq.
  std::vector<std::pair<uint64_t, uint64_t>> unindexed;
  uint64_t archived_through = 0;
  {
    std::lock_guard<std::mutex> lock(state_mutex_);
    if (auto it = unindexed_.find(session_id); it != unindexed_.end())
      unindexed = it->second.positions;
    if (auto it = heads_.find(session_id); it != heads_.end())
      archived_through = it->second.archived_through;
  }
  if (from <= archived_through)
    if (auto error = read_archive(session_id, from, std::min(to, archived_through), visit))
      return error;
  uint64_t main_from = std::max(from, archived_through + 1);
  if (main_from > to) return std::nullopt;
  auto t = main_->begin_read();
  if (!t) return t.error();
  return read_main(*t, session_id, main_from, to, unindexed, visit);
}

std::optional<v1::Error> journal::read_main(
    const lmdb::txn& t, const std::string& session_id, uint64_t from, uint64_t to,
    const std::vector<std::pair<uint64_t, uint64_t>>& unindexed,
    const payload_visitor& visit) const {
  uint64_t next = from;  // the seq we want next; keeps the walk contiguous
  auto read_position = [&](uint64_t seq, uint64_t position) -> std::optional<v1::Error> {
    auto value = t.get(log_, u64_key(position));
    if (!value) return value.error();
    if (!*value)
      return corrupt(event_where(session_id, seq) + ": log position " +
                     std::to_string(position) + " is missing");
    auto payload = unseal(**value);
    if (!payload) return corrupt(event_where(session_id, seq) + " fails its checksum");
    ++next;
    return visit(*payload, seq);
  };

  lmdb::cursor c(t, chunks_);
  bool ok = c.seek(session_key(session_id, from));
  // The chunk holding `from` may start before it.
  auto starts_at_from = [&] {
    auto key = split_session_key(c.key());
    return key && key->first == session_id && key->second == from;
  };
  if (!ok || !starts_at_from()) {
    ok = ok ? c.prev() : c.last();
    auto key = ok ? split_session_key(c.key()) : std::nullopt;
    if (!key || key->first != session_id) ok = c.seek(session_key(session_id, from));
  }
  for (; ok; ok = c.next()) {
    auto key = split_session_key(c.key());
    if (!key || key->first != session_id || key->second > to) break;
    auto where = [&] {
      return "chunk of events " + event_where(session_id, key->second) + " and on";
    };
    if (key->second > next)
      return corrupt(where() + " follows seq " + std::to_string(next - 1));
    // Entries: 4-byte big-endian length n, then a sealed event (crc + n bytes). Each
    // entry is checked on its own, so skipping to `from` costs no checksums.
    std::string_view chunk = c.value();
    uint64_t seq = key->second;
    for (std::size_t at = 0; at < chunk.size() && seq <= to; ++seq) {
      if (chunk.size() - at < 4 + seal_overhead) return corrupt(where() + " is cut short");
      std::size_t length = 0;
      for (int i = 0; i < 4; ++i) length = length << 8 | static_cast<unsigned char>(chunk[at + i]);
      if (chunk.size() - at - 4 - seal_overhead < length)
        return corrupt(where() + " is cut short");
      if (seq == next) {
        auto payload = unseal(chunk.substr(at + 4, seal_overhead + length));
        if (!payload) return corrupt(event_where(session_id, seq) + " fails its checksum");
        ++next;
        if (auto error = visit(*payload, seq)) return error;
      }
      at += 4 + seal_overhead + length;
    }
  }
  if (c.error()) return c.error();
  for (auto [seq, position] : unindexed) {
    if (seq < next) continue;
    if (seq > to) break;
    if (auto error = read_position(seq, position)) return error;
  }
  return std::nullopt;
}

std::optional<v1::Error> journal::read_archive(const std::string& session_id, uint64_t from,
                                               uint64_t to, const payload_visitor& visit) const {
  auto t = archive_->begin_read();
  if (!t) return t.error();
  lmdb::cursor c(*t, archive_events_);
  uint64_t next = from;
  for (bool ok = c.seek(session_key(session_id, from)); ok; ok = c.next()) {
    auto key = split_session_key(c.key());
    if (!key || key->first != session_id || key->second > to) break;
    auto where = "archived " + event_where(session_id, key->second);
    if (key->second != next) return corrupt(where + " follows seq " + std::to_string(next - 1));
    auto payload = unseal(c.value());
    if (!payload) return corrupt(where + " fails its checksum");
    if (auto error = visit(*payload, key->second)) return error;
    ++next;
  }
  if (c.error()) return c.error();
  if (next <= to)
    return corrupt("archive of " + session_id + " ends before seq " + std::to_string(to));
  return std::nullopt;
}

result<std::optional<v1::SessionState>> journal::snapshot_at_or_below(
    const std::string& session_id, uint64_t seq) const {
  auto t = main_->begin_read();
  if (!t) return make_unexpected(t.error());
  lmdb::cursor c(*t, snapshots_);
  std::string past = seq == UINT64_MAX ? after_session(session_id)
                                       : session_key(session_id, seq + 1);
  bool ok = c.seek(past) ? c.prev() : c.last();
  if (c.error()) return make_unexpected(*c.error());
  auto key = ok ? split_session_key(c.key()) : std::nullopt;
  if (!key || key->first != session_id) return std::optional<v1::SessionState>{};
  v1::SessionState state;
  if (auto error = decode(c.value(), state,
                          "snapshot " + session_id + "@" + std::to_string(key->second)))
    return make_unexpected(*error);
  return std::optional<v1::SessionState>{std::move(state)};
}

result<std::vector<uint64_t>> journal::snapshot_versions(const std::string& session_id) const {
  auto t = main_->begin_read();
  if (!t) return make_unexpected(t.error());
  std::vector<uint64_t> out;
  lmdb::cursor c(*t, snapshots_);
  for (bool ok = c.seek(session_prefix(session_id)); ok; ok = c.next()) {
    auto key = split_session_key(c.key());
    if (!key || key->first != session_id) break;
    out.push_back(key->second);
  }
  if (c.error()) return make_unexpected(*c.error());
  return out;
}

result<stored_session> journal::load(const std::string& session_id, uint64_t seq) const {
  auto snapshot = snapshot_at_or_below(session_id, seq);
  if (!snapshot) return make_unexpected(snapshot.error());
  stored_session out;
  if (*snapshot) out.snapshot = std::move(**snapshot);
  auto tail = events(session_id, out.snapshot.version() + 1, seq);
  if (!tail) return make_unexpected(tail.error());
  out.tail = std::move(*tail);
  return out;
}

result<stored_session> journal::load_at(const std::string& session_id,
                                        const google::protobuf::Timestamp& at) const {
  auto versions = snapshot_versions(session_id);
  if (!versions) return make_unexpected(versions.error());
  stored_session out;
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    auto snapshot = snapshot_at_or_below(session_id, *it);
    if (!snapshot) return make_unexpected(snapshot.error());
    if (*snapshot && (*snapshot)->updated_at() <= at) {
      out.snapshot = std::move(**snapshot);
      break;
    }
  }
  auto tail = events(session_id, out.snapshot.version() + 1);
  if (!tail) return make_unexpected(tail.error());
  for (auto& event : *tail) {
    if (event.at() > at) break;
    out.tail.push_back(std::move(event));
  }
  return out;
}

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
      std::lock_guard<std::mutex> lock(state_mutex_);
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
