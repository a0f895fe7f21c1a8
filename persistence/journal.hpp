#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <google/protobuf/timestamp.pb.h>

#include "persistence/codec.hpp"
#include "persistence/lmdb/env.hpp"
#include "souk/v1/events.pb.h"
#include "souk/v1/state.pb.h"
#include "souk/v1/storage.pb.h"

namespace souk::persistence {

/// An event ready for the journal, encoded and sealed on the caller's thread so that
/// the writer, one thread for the whole node, only copies bytes. Every field is read
/// from the event by encode().
struct encoded_event {
  std::string event_id;
  uint64_t seq = 0;
  int64_t at_ms = 0;
  std::string customer_id;       // set on SessionStarted
  uint64_t ownership_epoch = 0;  // set on SessionMigrated
  /// The event as a `chunks` entry: the payload's length (4 bytes, big-endian), then
  /// the sealed v1::Event, which is its `log` value (persistence/README.md).
  std::string entry;
  /// Precondition: `entry` is framed as above (the journal refuses events whose are not).
  std::string_view sealed() const {
    return std::string_view(entry).substr(entry_length_bytes);
  }
};
encoded_event encode(const v1::Event& event);

/// One session's contribution to a group commit: events that must follow
/// `expected_version` exactly, and optionally a snapshot: of the state after them
/// (its version = expected_version + events.size()), or with `snapshot_first` of the
/// state they follow (its version = expected_version), so that a session can write a
/// snapshot that came due with its last append alongside its next one, from the state
/// it holds, instead of computing the state after events not yet durable.
struct append_request {
  std::string session_id;
  uint64_t expected_version = 0;
  std::vector<encoded_event> events;
  std::string snapshot;  // a serialized v1::SessionState, or empty
  bool snapshot_first = false;
};

/// Called on the writer thread once the request is durable (the session's new
/// version) or refused (nothing of it was written). Must not block.
using append_callback = std::function<void(result<uint64_t>)>;

/// A session's state as stored: the newest snapshot at or below the wanted point
/// (empty, version 0, if none) and the events after it, in seq order.
struct stored_session {
  v1::SessionState snapshot;
  std::vector<v1::Event> tail;
};

/// Counters of the writer since open (for metrics and benchmarks).
struct journal_stats {
  uint64_t commits = 0;         // group commits that wrote events or snapshots
  uint64_t appended_events = 0;
  uint64_t refused_requests = 0;
  uint64_t commit_us = 0;       // time in append transactions, begin to durable commit
  uint64_t index_slices = 0;    // bounded pieces of index work, most inside commits
  uint64_t largest_batch = 0;   // requests in one commit
  uint64_t slowest_commit_us = 0;
  uint64_t zeros_ahead = 0;     // bytes written ahead of the used pages, now (options)
};

/// What a retention run did.
struct retention_report {
  uint64_t events_archived = 0;
  uint64_t snapshots_dropped = 0;
  uint64_t snapshots_kept = 0;
  uint64_t sessions_touched = 0;
};

struct retention_options {
  google::protobuf::Timestamp now;
  std::chrono::seconds archive_events_older_than{std::chrono::hours(24 * 90)};
  std::chrono::seconds drop_snapshots_older_than{std::chrono::hours(24 * 30)};
};

/// The durable event journal of a node, with its snapshots and session index, in one
/// LMDB environment (`<dir>/journal`) plus an archive (`<dir>/archive`).
///
/// Writes: one writer thread group-commits every pending request into one write
/// transaction and completes each request only after that commit is durable. Events
/// are appended to a global log under increasing positions (MDB_APPEND, sequential
/// pages); the per-session index (seq -> position), the session records and the
/// event-id index are written by the same thread in a separate, periodic index
/// transaction, off the commit path. Until then, the unindexed tail lives in memory and
/// is rebuilt from the log at open, so nothing depends on the index being current.
///
/// Reads may come from any thread and see every completed append.
/// A read-only journal (open_read_only) serves tools next to a running node; its view
/// of the unindexed tail is the one at open.
class journal {
 public:
  /// What the index does not hold yet for one session: positions of its newest events
  /// (seq ascending, contiguous) and the facts its session record will take from them.
  struct session_tail {
    std::vector<std::pair<uint64_t, uint64_t>> positions;  // (seq, log position)
    std::vector<std::string> chunk;  // the same events as `chunks` stores them, in pieces
    std::size_t chunk_bytes = 0;     // of all the pieces
    // (piece, its first seq) for each piece right after a snapshot: a new chunks value
    // starts there, so that a load (snapshot + the events after it) begins reading at
    // a value's first entry instead of walking past the entries the snapshot covers.
    std::vector<std::pair<std::size_t, uint64_t>> chunk_starts;
    int64_t first_at_ms = 0;
    int64_t last_at_ms = 0;
    std::string customer_id;
    uint64_t ownership_epoch = 0;
    uint64_t snapshot_seq = 0;
  };

  struct options {
    std::string dir;  // data directory
    std::chrono::milliseconds index_interval{1000};
    std::size_t max_unindexed_events = 200000;
    std::size_t initial_map_size = std::size_t{64} << 20;
    /// Bytes of zeros written and synced past the journal's used pages (0: none), so
    /// that a burst of commits overwrites blocks already on disk instead of growing the
    /// file (lmdb::env::options::written_ahead). Written at open; topped up while the
    /// writer is idle, once half is used, a piece at a time. Under sustained load the
    /// writer never idles, and commits grow the file as without it.
    std::size_t written_ahead = 0;
    /// Called on the writer thread after each durable commit that placed requests:
    /// how many, their events, and the commit's latency in microseconds (for metrics).
    /// Must not block: the next commit waits for it.
    std::function<void(std::size_t requests, std::size_t events, uint64_t commit_us)> on_commit;
  };

  static result<std::unique_ptr<journal>> open(const options& opts);
  static result<std::unique_ptr<journal>> open_read_only(const std::string& dir);
  ~journal();  // close()
  /// Completes every submitted request, writes the index, stops the writer.
  void close();

  void submit(append_request request, append_callback done);
  /// submit() and wait: the session's new version, or why nothing was written.
  result<uint64_t> append(append_request request);
  /// Writes a snapshot on its own (version = the session's current version).
  result<uint64_t> save_snapshot(const v1::SessionState& state);

  /// The session's last seq; 0 if it has no events.
  uint64_t version(const std::string& session_id) const;
  /// Events with from <= seq <= to, in order, read from the log or the archive.
  /// CORRUPT_RECORD names the session and seq of a record that fails its checksum.
  result<std::vector<v1::Event>> events(const std::string& session_id, uint64_t from = 1,
                                        uint64_t to = UINT64_MAX) const;
  /// The same, handing each event to `visit` (which may stop the walk by returning an
  /// error) without keeping them: the event object is reused, so copy what you keep.
  using event_visitor = std::function<std::optional<v1::Error>(const v1::Event&)>;
  std::optional<v1::Error> visit_events(const std::string& session_id, uint64_t from,
                                        uint64_t to, const event_visitor& visit) const;
  /// The newest snapshot at or below `seq`; nothing if there is none.
  result<std::optional<v1::SessionState>> snapshot_at_or_below(const std::string& session_id,
                                                               uint64_t seq) const;
  /// The versions of the session's snapshots, oldest first.
  result<std::vector<uint64_t>> snapshot_versions(const std::string& session_id) const;
  /// Newest snapshot at or below `seq` plus the events after it up to `seq`.
  result<stored_session> load(const std::string& session_id, uint64_t seq = UINT64_MAX) const;
  /// The same for the last event at or before `at`.
  result<stored_session> load_at(const std::string& session_id,
                                 const google::protobuf::Timestamp& at) const;

  /// The session's record (index entry); NOT_FOUND if it has no events.
  result<v1::SessionRecord> session(const std::string& session_id) const;
  /// Sessions by last activity, newest first, at most `limit`. Reads the index, not
  /// the journal.
  result<std::vector<v1::SessionRecord>> sessions_by_activity(std::size_t limit) const;

  /// Archives old events and thins old snapshots (see retention_options); runs on the
  /// writer thread between commits.
  result<retention_report> run_retention(const retention_options& opts);
  /// Writes the index now (tests, tools; the writer also does it on its own).
  std::optional<v1::Error> flush_index();

  journal_stats stats() const;
  const std::string& dir() const { return dir_; }
  std::size_t map_size() const { return main_->map_size(); }

 private:
  struct request_slot {
    append_request request;
    append_callback done;
  };
  using job = std::function<void()>;
  struct head;  // below, with the writer's state

  journal(options opts, bool read_only);
  std::optional<v1::Error> open_envs();
  std::optional<v1::Error> recover();
  void writer_loop();
  void write_batch(std::vector<request_slot>& batch);
  /// After a failed zero_ahead: says so and writes no more zeros ahead.
  void stop_zeroing(const v1::Error& error);
  static constexpr std::size_t zero_piece = std::size_t{512} << 10;
  /// A bounded piece of index work: the oldest session tails.
  struct index_slice {
    std::vector<std::string> sessions;
    uint64_t indexed_through = 0;
  };
  /// The oldest tails, up to `budget` bytes of them (at least one).
  index_slice plan_index_slice(std::size_t budget) const;
  int write_index_slice(lmdb::txn& t, const index_slice& slice);
  void finish_index_slice(const index_slice& slice);  // after its txn committed
  /// The session's tail (`h` is its head), queued in tail_order_ when new.
  session_tail& tail_of(const std::string& session_id, head& h);
  std::optional<v1::Error> write_whole_index();
  result<retention_report> retention(const retention_options& opts);
  /// Runs `work` on the writer thread (or here, if there is none) and waits.
  void on_writer(job work);

  /// Gets each event's checksummed payload and its seq, in seq order; decodes it where
  /// it wants it (into a reused object, or straight into a vector).
  using payload_visitor = std::function<std::optional<v1::Error>(std::string_view, uint64_t)>;
  std::optional<v1::Error> walk_events(const std::string& session_id, uint64_t from,
                                       uint64_t to, const payload_visitor& visit) const;
  std::optional<v1::Error> read_main(const lmdb::txn& t, const std::string& session_id,
                                     uint64_t from, uint64_t to,
                                     const std::vector<std::pair<uint64_t, uint64_t>>& unindexed,
                                     const payload_visitor& visit) const;
  std::optional<v1::Error> read_archive(const std::string& session_id, uint64_t from,
                                        uint64_t to, const payload_visitor& visit) const;

  options opts_;
  bool read_only_;
  int lock_fd_ = -1;  // flock'ed: one writing process per journal
  std::string dir_;
  std::unique_ptr<lmdb::env> main_;
  std::unique_ptr<lmdb::env> archive_;
  MDB_dbi log_, chunks_, event_ids_, snapshots_, sessions_, activity_, meta_;
  MDB_dbi archive_events_;

  struct head {
    uint64_t version = 0;           // last seq
    uint64_t archived_through = 0;  // seqs up to here are read from the archive
    // The writer's own, never read by readers: the session's entry in unindexed_ while
    // it has one (set by tail_of, cleared when the index takes the tail), and the
    // version the batch being written leaves it at, valid while `batch` is that
    // batch's number. One lookup by session id per request instead of four.
    session_tail* tail = nullptr;
    uint64_t batch = 0;
    uint64_t batch_version = 0;
  };
  // Written by the writer thread only, under state_mutex_ alone; readers share it.
  mutable std::shared_mutex state_mutex_;
  std::unordered_map<std::string, head> heads_;
  std::unordered_map<std::string, session_tail> unindexed_;
  std::deque<std::string> tail_order_;  // sessions of unindexed_, oldest tail first
  std::size_t unindexed_events_ = 0;
  uint64_t next_position_ = 1;
  std::chrono::steady_clock::time_point last_index_;
  bool indexing_ = false;      // an index pass is under way, a slice with each batch
  bool zeroing_ = false;       // topping up the zeros ahead while idle
  std::size_t pass_left_ = 0;  // sessions the current index pass has yet to index
  uint64_t batches_ = 0;       // write attempts so far: head::batch's clock
  journal_stats stats_;        // guarded by state_mutex_

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::vector<request_slot> queue_;
  std::deque<job> jobs_;
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace souk::persistence
