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

#include "persistence/journal_records.hpp"

namespace souk::persistence {

using namespace detail;

encoded_event encode(const v1::Event& event) {
  encoded_event out;
  out.event_id = event.event_id();
  out.seq = event.seq();
  out.at_ms = to_ms(event.at());
  if (event.has_session_started()) out.customer_id = event.session_started().customer_id();
  if (event.has_session_migrated())
    out.ownership_epoch = event.session_migrated().ownership_epoch();
  const std::size_t size = event.ByteSizeLong();
  out.entry.resize(entry_length_bytes + seal_overhead + size);
  char* sealed = out.entry.data() + entry_length_bytes;
  event.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(sealed + seal_overhead));
  seal_in_place(sealed, size);
  put_u32(out.entry.data(), static_cast<uint32_t>(size));
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
  if (opts.written_ahead > 0)
    if (auto error = j->main_->zero_ahead(opts.written_ahead)) j->stop_zeroing(*error);
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
  main.written_ahead = read_only_ ? 0 : opts_.written_ahead;
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
    if (c.key().size() != 8) return corrupt("a log key of " + std::to_string(c.key().size()) + " bytes");
    uint64_t position = get_u64(c.key().data());
    auto event = decode_event(c.value(), "log record at position " + std::to_string(position));
    if (!event) return event.error();
    next_position_ = position + 1;
    // Index writes go session by session: this one's may already cover the event.
    auto& head = heads_[event->session_id()];
    if (event->seq() <= head.version) continue;
    auto& tail = tail_of(event->session_id(), head);
    int64_t at_ms = to_ms(event->at());
    if (tail.positions.empty()) tail.first_at_ms = at_ms;
    tail.last_at_ms = at_ms;
    tail.positions.emplace_back(event->seq(), position);
    if (event->has_session_started())
      tail.customer_id = event->session_started().customer_id();
    if (event->has_session_migrated())
      tail.ownership_epoch = event->session_migrated().ownership_epoch();
    append_chunk_entry(tail.chunk.emplace_back(), c.value());
    tail.chunk_bytes += tail.chunk.back().size();
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
      const bool busy = indexing_ || zeroing_;
      queue_ready_.wait_for(lock, busy ? std::chrono::milliseconds(0) : opts_.index_interval,
                            [&] { return stopping_ || !queue_.empty() || !jobs_.empty(); });
      batch.swap(queue_);
      jobs.swap(jobs_);
      if (stopping_ && batch.empty() && jobs.empty()) break;
    }
    if (!indexing_) {
      indexing_ = unindexed_events_ >= opts_.max_unindexed_events ||
                  (!unindexed_.empty() &&
                   std::chrono::steady_clock::now() - last_index_ >= opts_.index_interval);
      // A pass indexes the tails there are now. Tails that start meanwhile wait for the
      // next pass: under steady traffic the pass would otherwise never end and index
      // each session again every few commits, a few events at a time.
      if (indexing_) pass_left_ = tail_order_.size();
    }
    if (!batch.empty()) {
      write_batch(batch);  // carries an index slice when indexing_
    } else if (indexing_) {
      auto slice = plan_index_slice(index_slice_bytes);
      if (auto error = write_txn(*main_, "index",
                                 [&](lmdb::txn& t) { return write_index_slice(t, slice); }))
        std::cerr << "souk journal: index write failed, will retry: " << error->message()
                  << "\n";
      else
        finish_index_slice(slice);
    } else if (zeroing_) {
      // One piece per idle turn: a request arriving meanwhile waits for one piece only.
      if (auto error = main_->zero_ahead(zero_piece)) stop_zeroing(*error);
    }
    if (opts_.written_ahead > 0) {  // from half used until full again
      const std::size_t ahead = main_->zeros_ahead();
      zeroing_ = ahead < opts_.written_ahead && (zeroing_ || ahead < opts_.written_ahead / 2);
    }
    for (auto& work : jobs) work();
  }
  if (auto error = write_whole_index())
    std::cerr << "souk journal: index write at close failed (rebuilt at next open): "
              << error->message() << "\n";
}

void journal::stop_zeroing(const v1::Error& error) {
  std::cerr << "souk journal: " << error.message()
            << "; appends grow the file instead until the journal is opened again\n";
  opts_.written_ahead = 0;
  zeroing_ = false;
}

void journal::write_batch(std::vector<request_slot>& batch) {
  auto fail_all = [&](const v1::Error& error) {
    for (auto& slot : batch) slot.done(make_unexpected(error));
  };
  const auto started = std::chrono::steady_clock::now();
  // A bounded slice of index work rides along: one fsync pair serves both.
  std::optional<index_slice> slice;
  if (indexing_) {
    std::size_t appending = 0;
    for (const auto& slot : batch)
      for (const auto& e : slot.request.events) appending += e.entry.size();
    double share = unindexed_events_ > opts_.max_unindexed_events ? 2 * index_ride_along
                                                                   : index_ride_along;
    slice = plan_index_slice(static_cast<std::size_t>(share * double(appending)));
  }
  for (;;) {
    std::vector<std::optional<v1::Error>> refusals(batch.size());
    struct placement {
      std::size_t slot;
      uint64_t first;  // log position of its first event
      head* session;   // heads_ never erases
    };
    std::vector<placement> placed;
    const uint64_t this_batch = ++batches_;
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
      // A session's version: as durable, or as an earlier request of this batch leaves it.
      head* known = nullptr;
      if (auto found = heads_.find(r.session_id); found != heads_.end()) known = &found->second;
      const uint64_t current =
          !known ? 0 : known->batch == this_batch ? known->batch_version : known->version;
      if (r.expected_version != current) {
        auto error = storage_error(v1::ERROR_CODE_VERSION_CONFLICT,
                                   "session " + r.session_id + " is at version " +
                                       std::to_string(current) + ", not " +
                                       std::to_string(r.expected_version));
        error.set_current_version(current);
        refuse(std::move(error));
        continue;
      }
      const uint64_t snapshot_version = r.snapshot_first ? current : current + r.events.size();
      if (!r.snapshot.empty() && snapshot_version == 0) {
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
        else if (e.entry.size() < entry_length_bytes + seal_overhead ||
                 get_u32(e.entry.data()) != e.entry.size() - entry_length_bytes - seal_overhead)
          bad = invalid(event_where(r.session_id, e.seq) + " is not framed as encode() frames it");
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
      if (!known) {  // a new session: readers look heads_ up, so under the lock
        std::lock_guard<std::shared_mutex> lock(state_mutex_);
        known = &heads_[r.session_id];
      }
      placed.push_back({i, position, known});
      for (const auto& e : r.events) {
        std::string key = u64_key(position++);
        if ((rc = t->put(log_, key, e.sealed(), MDB_APPEND)) != MDB_SUCCESS) break;
      }
      uint64_t version = current + r.events.size();
      if (rc == MDB_SUCCESS && !r.snapshot.empty())
        rc = t->put(snapshots_, session_key(r.session_id, snapshot_version), seal(r.snapshot));
      known->batch = this_batch;
      known->batch_version = version;
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
    uint64_t us = 0, events = 0;
    {
      std::lock_guard<std::shared_mutex> lock(state_mutex_);
      if (!placed.empty()) ++stats_.commits;
      us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::steady_clock::now() - started).count());
      stats_.commit_us += us;
      stats_.slowest_commit_us = std::max(stats_.slowest_commit_us, us);
      stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, batch.size());
      stats_.refused_requests += batch.size() - placed.size();
      for (auto [slot, first, session] : placed) {
        auto& r = batch[slot].request;
        auto& tail = tail_of(r.session_id, *session);
        if (!r.snapshot.empty() && r.snapshot_first) {
          tail.snapshot_seq = r.expected_version;
          tail.chunk_starts.emplace_back(tail.chunk.size(), r.expected_version + 1);
        }
        uint64_t p = first;
        for (auto& e : r.events) {
          // Its chunk entry moves to the tail, a piece of its own (the batch is done).
          tail.chunk_bytes += e.entry.size();
          tail.chunk.push_back(std::move(e.entry));
          if (tail.positions.empty()) tail.first_at_ms = e.at_ms;
          tail.last_at_ms = e.at_ms;
          tail.positions.emplace_back(e.seq, p);
          if (!e.customer_id.empty()) tail.customer_id = e.customer_id;
          tail.ownership_epoch = std::max(tail.ownership_epoch, e.ownership_epoch);
          ++p;
        }
        unindexed_events_ += r.events.size();
        stats_.appended_events += r.events.size();
        events += r.events.size();
        uint64_t version = r.expected_version + r.events.size();
        if (!r.snapshot.empty() && !r.snapshot_first) {
          tail.snapshot_seq = version;
          tail.chunk_starts.emplace_back(tail.chunk.size(), version + 1);
        }
        session->version = version;
      }
      next_position_ = position;
    }
    if (opts_.on_commit && !placed.empty()) opts_.on_commit(placed.size(), events, us);
    for (std::size_t i = 0; i < batch.size(); ++i)
      if (refusals[i]) batch[i].done(make_unexpected(*refusals[i]));
    for (const auto& done : placed) {
      const auto& r = batch[done.slot].request;
      batch[done.slot].done(r.expected_version + r.events.size());
    }
    return;
  }
}

journal_stats journal::stats() const {
  journal_stats now;
  {
    std::shared_lock<std::shared_mutex> lock(state_mutex_);
    now = stats_;
  }
  if (!read_only_) now.zeros_ahead = main_->zeros_ahead();
  return now;
}

uint64_t journal::version(const std::string& session_id) const {
  std::shared_lock<std::shared_mutex> lock(state_mutex_);
  auto it = heads_.find(session_id);
  return it == heads_.end() ? 0 : it->second.version;
}

result<v1::SessionRecord> journal::session(const std::string& session_id) const {
  std::optional<session_tail> tail;
  {
    std::shared_lock<std::shared_mutex> lock(state_mutex_);
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
    std::shared_lock<std::shared_mutex> lock(state_mutex_);
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
    if (c.key().size() < 8) return make_unexpected(corrupt("an activity key of " +
                                                           std::to_string(c.key().size()) + " bytes"));
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

}  // namespace souk::persistence
