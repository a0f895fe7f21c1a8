#include "persistence/lmdb/env.hpp"

#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace souk::persistence {

v1::Error storage_error(v1::ErrorCode code, std::string message) {
  v1::Error error;
  error.set_code(code);
  error.set_message(std::move(message));
  return error;
}

v1::Error lmdb_error(int rc, std::string_view what) {
  return storage_error(v1::ERROR_CODE_STORAGE_FAILURE,
                       std::string(what) + ": " + mdb_strerror(rc));
}

}  // namespace souk::persistence

namespace souk::persistence::lmdb {

txn::txn(MDB_txn* handle, bool read_only, std::shared_mutex* resize_guard)
    : txn_(handle), read_only_(read_only), resize_guard_(resize_guard) {}

txn::txn(txn&& other) noexcept
    : txn_(other.txn_), read_only_(other.read_only_), resize_guard_(other.resize_guard_) {
  other.txn_ = nullptr;
  other.resize_guard_ = nullptr;
}

txn::~txn() { abort(); }

void txn::abort() {
  if (txn_ != nullptr) mdb_txn_abort(txn_);
  txn_ = nullptr;
  if (resize_guard_ != nullptr) resize_guard_->unlock_shared();
  resize_guard_ = nullptr;
}

std::optional<v1::Error> txn::commit() {
  int rc = mdb_txn_commit(txn_);
  txn_ = nullptr;
  abort();  // releases the resize guard
  if (rc != MDB_SUCCESS) return lmdb_error(rc, "commit");
  return std::nullopt;
}

result<std::optional<std::string_view>> txn::get(MDB_dbi db, std::string_view key) const {
  MDB_val k = as_val(key), v;
  int rc = mdb_get(txn_, db, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string_view>{};
  if (rc != MDB_SUCCESS) return make_unexpected(lmdb_error(rc, "get"));
  return std::optional<std::string_view>{as_view(v)};
}

int txn::put(MDB_dbi db, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = as_val(key), v = as_val(value);
  return mdb_put(txn_, db, &k, &v, flags);
}

int txn::del(MDB_dbi db, std::string_view key) {
  MDB_val k = as_val(key);
  int rc = mdb_del(txn_, db, &k, nullptr);
  return rc == MDB_NOTFOUND ? MDB_SUCCESS : rc;
}

cursor::cursor(const txn& t, MDB_dbi db) {
  int rc = mdb_cursor_open(t.handle(), db, &cursor_);
  if (rc != MDB_SUCCESS) {
    cursor_ = nullptr;
    error_ = lmdb_error(rc, "cursor open");
  }
}

cursor::~cursor() {
  if (cursor_ != nullptr) mdb_cursor_close(cursor_);
}

bool cursor::move(MDB_cursor_op op, std::string_view key) {
  if (cursor_ == nullptr) return false;
  if (op == MDB_SET_RANGE) key_ = as_val(key);
  int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
  if (rc == MDB_SUCCESS) return true;
  if (rc != MDB_NOTFOUND) error_ = lmdb_error(rc, "cursor move");
  return false;
}

result<std::unique_ptr<env>> env::open(const options& opts) {
  if (!opts.read_only) {
    std::error_code ec;
    std::filesystem::create_directories(opts.path, ec);
    if (ec)
      return make_unexpected(storage_error(v1::ERROR_CODE_STORAGE_FAILURE,
                                           "cannot create " + opts.path + ": " + ec.message()));
  }
  MDB_env* handle = nullptr;
  int rc = mdb_env_create(&handle);
  if (rc != MDB_SUCCESS) return make_unexpected(lmdb_error(rc, "env create"));
  std::unique_ptr<env> owner(
      new env(handle, opts.path, opts.read_only ? 0 : opts.written_ahead));
  auto failed = [&](int code, const char* what) {
    return make_unexpected(lmdb_error(code, std::string(what) + " " + opts.path));
  };
  if ((rc = mdb_env_set_maxdbs(handle, static_cast<MDB_dbi>(opts.dbs.size()))))
    return failed(rc, "set maxdbs");
  if ((rc = mdb_env_set_maxreaders(handle, opts.max_readers))) return failed(rc, "set maxreaders");
  if ((rc = mdb_env_set_mapsize(handle, opts.initial_map_size))) return failed(rc, "set mapsize");
  unsigned flags = MDB_NOTLS | (opts.read_only ? MDB_RDONLY : 0u);
  if ((rc = mdb_env_open(handle, opts.path.c_str(), flags, 0644))) return failed(rc, "open");
  int dead = 0;
  if ((rc = mdb_reader_check(handle, &dead))) return failed(rc, "reader check");

  auto t = owner->begin(opts.read_only);
  if (!t) return make_unexpected(t.error());
  for (const auto& name : opts.dbs) {
    MDB_dbi dbi;
    rc = mdb_dbi_open(t->handle(), name.c_str(), opts.read_only ? 0 : MDB_CREATE, &dbi);
    if (rc == MDB_NOTFOUND)  // read-only: nothing ever created it
      return make_unexpected(storage_error(v1::ERROR_CODE_NOT_FOUND,
                                           opts.path + " has no database " + name));
    if (rc != MDB_SUCCESS) return failed(rc, ("open db " + name + " in").c_str());
    owner->dbs_.emplace(name, dbi);
  }
  if (auto error = t->commit()) return make_unexpected(*error);
  return owner;
}

env::~env() { mdb_env_close(env_); }

MDB_dbi env::db(std::string_view name) const {
  return dbs_.find(name)->second;
}

result<txn> env::begin_read() { return begin(true); }
result<txn> env::begin_write() { return begin(false); }

result<txn> env::begin(bool read_only) {
  resize_guard_.lock_shared();
  MDB_txn* handle = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, read_only ? MDB_RDONLY : 0, &handle);
  if (rc == MDB_MAP_RESIZED) {  // another process grew the map: adopt its size
    resize_guard_.unlock_shared();
    {
      std::unique_lock<std::shared_mutex> lock(resize_guard_);
      mdb_env_set_mapsize(env_, 0);
    }
    resize_guard_.lock_shared();
    rc = mdb_txn_begin(env_, nullptr, read_only ? MDB_RDONLY : 0, &handle);
  }
  if (rc != MDB_SUCCESS) {
    resize_guard_.unlock_shared();
    return make_unexpected(lmdb_error(rc, read_only ? "begin read txn" : "begin write txn"));
  }
  return txn(handle, read_only, &resize_guard_);
}

std::optional<v1::Error> env::grow() {
  std::unique_lock<std::shared_mutex> lock(resize_guard_);
  std::size_t size = map_size() * 2;
  int rc = mdb_env_set_mapsize(env_, size);
  if (rc != MDB_SUCCESS) return lmdb_error(rc, "grow map to " + std::to_string(size) + " bytes");
  return std::nullopt;
}

int env::file_extent(off_t& size, off_t& used) const {
  MDB_envinfo info;
  MDB_stat stat;
  mdb_env_info(env_, &info);
  mdb_env_stat(env_, &stat);
  int fd = -1;
  if (int rc = mdb_env_get_fd(env_, &fd)) return rc;
  struct stat file;
  if (fstat(fd, &file) != 0) return errno;
  size = file.st_size;
  used = static_cast<off_t>((info.me_last_pgno + 1) * stat.ms_psize);
  return 0;
}

std::size_t env::zeros_ahead() const {
  off_t size = 0, used = 0;
  if (file_extent(size, used) != 0 || size <= used) return 0;
  return static_cast<std::size_t>(size - used);
}

std::optional<v1::Error> env::zero_ahead(std::size_t most) {
  auto failed = [&](int rc) {
    return storage_error(v1::ERROR_CODE_STORAGE_FAILURE,
                         "writing zeros ahead in " + path_ + ": " + std::strerror(rc));
  };
  // Inside a write txn LMDB writes nothing to the file, so every byte past its end is
  // unused; once the txn ends, LMDB's own pages overwrite these zeros in place.
  auto t = begin_write();
  if (!t) return t.error();
  off_t size = 0, used = 0;
  if (int rc = file_extent(size, used)) return failed(rc);
  const off_t end = std::min(used + static_cast<off_t>(written_ahead_),
                             size + static_cast<off_t>(most));
  if (end <= size) return std::nullopt;
  int fd = -1;
  mdb_env_get_fd(env_, &fd);
  static const std::array<char, 64 * 1024> zeros{};
  std::array<iovec, 16> pieces;
  for (off_t at = size; at < end;) {
    std::size_t left = static_cast<std::size_t>(end - at);
    int count = 0;
    for (; count < static_cast<int>(pieces.size()) && left > 0; ++count) {
      std::size_t n = std::min(left, zeros.size());
      pieces[count] = iovec{const_cast<char*>(zeros.data()), n};
      left -= n;
    }
    ssize_t written = pwritev(fd, pieces.data(), count, at);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return failed(written < 0 ? errno : EIO);
    at += written;
  }
  // fsync rather than fdatasync: in the measurements, zeros synced with fdatasync did
  // not make the later commits' syncs cheaper.
  if (fsync(fd) != 0) return failed(errno);
  return std::nullopt;
}

std::size_t env::map_size() const {
  MDB_envinfo info;
  mdb_env_info(env_, &info);
  return info.me_mapsize;
}

}  // namespace souk::persistence::lmdb
