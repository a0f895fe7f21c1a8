#pragma once

#include <lmdb.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "souk/expected.hpp"
#include "souk/v1/common.pb.h"

namespace souk::persistence {

template <class T>
using result = expected<T, v1::Error>;

/// An LMDB failure as a value: STORAGE_FAILURE carrying LMDB's text and what was tried.
v1::Error lmdb_error(int rc, std::string_view what);
v1::Error storage_error(v1::ErrorCode code, std::string message);

}  // namespace souk::persistence

namespace souk::persistence::lmdb {

inline MDB_val as_val(std::string_view bytes) {
  return MDB_val{bytes.size(), const_cast<char*>(bytes.data())};
}
inline std::string_view as_view(const MDB_val& value) {
  return {static_cast<const char*>(value.mv_data), value.mv_size};
}

class env;

/// A transaction; aborted on destruction unless committed. Used and ended on the thread
/// that began it. Views it returns point into the map and die with it.
class txn {
 public:
  txn(txn&& other) noexcept;
  txn& operator=(txn&&) = delete;
  ~txn();

  MDB_txn* handle() const { return txn_; }
  bool read_only() const { return read_only_; }

  /// The value under `key`; nothing if absent.
  result<std::optional<std::string_view>> get(MDB_dbi db, std::string_view key) const;
  /// Raw LMDB return code, so that the writer can tell MDB_MAP_FULL from the rest.
  int put(MDB_dbi db, std::string_view key, std::string_view value, unsigned flags = 0);
  /// MDB_NOTFOUND counts as success.
  int del(MDB_dbi db, std::string_view key);
  std::optional<v1::Error> commit();
  void abort();

 private:
  friend class env;
  txn(MDB_txn* handle, bool read_only, std::shared_mutex* resize_guard);
  MDB_txn* txn_;
  bool read_only_;
  std::shared_mutex* resize_guard_;  // held shared while the txn lives
};

/// A cursor over one DB inside a txn it must not outlive.
class cursor {
 public:
  cursor(const txn& t, MDB_dbi db);
  cursor(cursor&&) = delete;
  ~cursor();

  /// Positions at the first key >= `key`.
  bool seek(std::string_view key) { return move(MDB_SET_RANGE, key); }
  bool first() { return move(MDB_FIRST); }
  bool last() { return move(MDB_LAST); }
  bool next() { return move(MDB_NEXT); }
  bool prev() { return move(MDB_PREV); }
  std::string_view key() const { return as_view(key_); }
  std::string_view value() const { return as_view(value_); }
  /// Deletes the current entry (write txns only).
  int del() { return mdb_cursor_del(cursor_, 0); }
  /// The error of the last move, if it failed for another reason than running out.
  const std::optional<v1::Error>& error() const { return error_; }

 private:
  bool move(MDB_cursor_op op, std::string_view key = {});
  MDB_cursor* cursor_ = nullptr;
  MDB_val key_{0, nullptr}, value_{0, nullptr};
  std::optional<v1::Error> error_;
};

/// Owns an LMDB environment and its named DBs, all opened once at open.
/// MDB_NOTLS is always set (read txns may move between threads of a pool). Stale
/// reader slots of dead processes are cleared at open. The map grows on demand: the
/// writer calls grow() after MDB_MAP_FULL, with no txn of its own open.
/// Threading: begin_read from any thread; one writer thread at a time.
class env {
 public:
  struct options {
    std::string path;  // a directory; created if missing (unless read_only)
    std::vector<std::string> dbs;
    bool read_only = false;
    std::size_t initial_map_size = std::size_t{64} << 20;
    unsigned max_readers = 512;
    /// At most this many bytes of zeros past the pages LMDB uses (0: none), written
    /// and synced by zero_ahead(). On this VM's ext4, a sync whose pages grow the file
    /// costs far more than one that overwrites blocks already on disk
    /// (docs/BENCHMARKS.md, "What changed the numbers").
    std::size_t written_ahead = 0;
  };

  static result<std::unique_ptr<env>> open(const options& opts);
  ~env();
  env(const env&) = delete;
  env& operator=(const env&) = delete;

  /// The handle of a DB named at open. Precondition: it was named.
  MDB_dbi db(std::string_view name) const;

  result<txn> begin_read();
  result<txn> begin_write();

  /// Writes up to `most` bytes of zeros past the data file's end, never beyond
  /// written_ahead past LMDB's last page, and fsyncs them. Takes the write lock
  /// meanwhile: call it from the writer thread, with no write txn of its own open.
  std::optional<v1::Error> zero_ahead(std::size_t most);
  /// Bytes of the data file past LMDB's last page: zeros written ahead.
  std::size_t zeros_ahead() const;

  /// Doubles the map. Blocks until no txn of this process is open.
  std::optional<v1::Error> grow();
  std::size_t map_size() const;
  const std::string& path() const { return path_; }
  MDB_env* handle() const { return env_; }

 private:
  env(MDB_env* handle, std::string path, std::size_t written_ahead)
      : env_(handle), path_(std::move(path)), written_ahead_(written_ahead) {}
  result<txn> begin(bool read_only);
  /// The data file's size and LMDB's end of used pages, or an errno.
  int file_extent(off_t& size, off_t& used) const;
  MDB_env* env_;
  std::string path_;
  std::size_t written_ahead_;
  std::map<std::string, MDB_dbi, std::less<>> dbs_;
  mutable std::shared_mutex resize_guard_;
};

}  // namespace souk::persistence::lmdb
