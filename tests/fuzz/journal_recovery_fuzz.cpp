// The journal's recovery and readers over damaged files. A small journal (three
// sessions, indexed and unindexed events, snapshots) is copied, then its records are
// rewritten as the input says — values replaced (sealed with a right CRC, so that what
// lies inside is read; or raw), keys deleted or added, in any of its seven databases —
// and opened: recovery and every reader answer or report corruption; none crashes.
// (LMDB's own pages are left whole: LMDB trusts its B-tree, as the kernel does a file
// system's, and a torn page is the disk's failure to report, not souk's to parse.)
#include <lmdb.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_shop.hpp"
#include "persistence/codec.hpp"
#include "persistence/journal.hpp"

using namespace souk;

namespace {

const char* const databases[] = {"log",      "chunks",   "event_ids", "snapshots",
                                 "sessions", "activity", "meta"};
const char* const sessions[] = {"s1", "s2", "s3"};

persistence::journal::options small_journal(const std::string& dir) {
  persistence::journal::options o;
  o.dir = dir;
  o.initial_map_size = std::size_t{1} << 20;
  o.index_interval = std::chrono::hours(1);  // indexed when asked, below
  return o;
}

// The template: s1 and s2 indexed with snapshots, then more events for s2 and s3 left
// unindexed (recovery rebuilds them from the log).
const std::string& template_dir() {
  static fuzz::scratch_dir dir("journal-template");
  static const bool made = [] {
    session::in_memory_context ctx(fuzz::shop_opening(), 7);
    fuzz::stock_shop(ctx);
    const auto journey = fuzz::journey(ctx);
    auto j = persistence::journal::open(small_journal(dir.str()));
    SOUK_FUZZ_CHECK(j.has_value());
    auto write = [&](const std::string& id, std::size_t from, std::size_t to, bool snapshot) {
      persistence::append_request r;
      r.session_id = id;
      r.expected_version = from;
      v1::SessionState state;
      for (std::size_t i = 0; i < to; ++i) {
        v1::Event e = journey[i];
        e.set_session_id(id);
        e.set_event_id(id + "-" + e.event_id());
        SOUK_FUZZ_CHECK(!session::apply_to(state, e));
        if (i >= from) r.events.push_back(persistence::encode(e));
      }
      if (snapshot) state.SerializeToString(&r.snapshot);
      SOUK_FUZZ_CHECK((*j)->append(std::move(r)).has_value());
    };
    write("s1", 0, 4, true);
    write("s2", 0, 3, true);
    SOUK_FUZZ_CHECK(!(*j)->flush_index());
    write("s2", 3, journey.size(), false);
    write("s3", 0, 2, false);
    // Closed without indexing the last appends: kill the writer's chance by copying now.
    std::filesystem::copy(dir.path, dir.path.string() + "-copy",
                          std::filesystem::copy_options::recursive);
    j->reset();
    std::filesystem::remove_all(dir.path);
    std::filesystem::rename(dir.path.string() + "-copy", dir.path);
    return true;
  }();
  (void)made;
  return dir.path.native();
}

// Rewrites records of the copy at `dir` as the input says.
void damage(const std::string& dir, FuzzedDataProvider& in) {
  MDB_env* env = nullptr;
  SOUK_FUZZ_CHECK(mdb_env_create(&env) == 0);
  mdb_env_set_maxdbs(env, 8);
  mdb_env_set_mapsize(env, std::size_t{64} << 20);
  if (mdb_env_open(env, (dir + "/journal").c_str(), MDB_NOSYNC, 0644) != 0) {
    mdb_env_close(env);
    return;
  }
  MDB_txn* txn = nullptr;
  SOUK_FUZZ_CHECK(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
  for (int ops = in.ConsumeIntegralInRange<int>(1, 8); ops > 0 && in.remaining_bytes() > 0; --ops) {
    MDB_dbi dbi;
    const char* name = databases[in.ConsumeIntegralInRange<size_t>(0, std::size(databases) - 1)];
    if (mdb_dbi_open(txn, name, 0, &dbi) != 0) continue;
    // The key: one of the database's (the n-th), or one the input makes.
    std::string key;
    MDB_cursor* cursor = nullptr;
    mdb_cursor_open(txn, dbi, &cursor);
    MDB_val k, v;
    const auto n = in.ConsumeIntegralInRange<int>(0, 40);
    bool found = mdb_cursor_get(cursor, &k, &v, MDB_FIRST) == 0;
    for (int i = 0; found && i < n; ++i)
      if (mdb_cursor_get(cursor, &k, &v, MDB_NEXT) != 0) found = mdb_cursor_get(cursor, &k, &v, MDB_FIRST) == 0;
    if (found) key.assign(static_cast<const char*>(k.mv_data), k.mv_size);
    mdb_cursor_close(cursor);
    const int op = in.ConsumeIntegralInRange<int>(0, 4);
    if (op == 4 || key.empty()) {
      key = in.ConsumeRandomLengthString(64);
      if (key.empty()) continue;
    }
    if (op == 3) {
      MDB_val del{key.size(), key.data()};
      mdb_del(txn, dbi, &del, nullptr);
      continue;
    }
    std::string value = in.ConsumeRandomLengthString(512);
    if (op == 0 || op == 4) value = persistence::seal(value);
    if (op == 2 && found) {  // one byte of the value as it was, changed
      value.assign(static_cast<const char*>(v.mv_data), v.mv_size);
      if (!value.empty()) value[in.ConsumeIntegralInRange<size_t>(0, value.size() - 1)] ^=
                          static_cast<char>(in.ConsumeIntegralInRange<int>(1, 255));
    }
    MDB_val kv{key.size(), key.data()}, vv{value.size(), value.data()};
    mdb_put(txn, dbi, &kv, &vv, 0);
  }
  SOUK_FUZZ_CHECK(mdb_txn_commit(txn) == 0);
  mdb_env_close(env);
}

void read_everything(persistence::journal& j, FuzzedDataProvider& in) {
  std::vector<std::string> ids(std::begin(sessions), std::end(sessions));
  if (auto listed = j.sessions_by_activity(10))
    for (const auto& r : *listed) ids.push_back(r.session_id());
  for (const auto& id : ids) {
    (void)j.version(id);
    (void)j.session(id);
    (void)j.events(id);
    (void)j.events(id, in.ConsumeIntegral<uint64_t>(), in.ConsumeIntegral<uint64_t>());
    (void)j.snapshot_versions(id);
    (void)j.load(id);
    (void)j.load(id, in.ConsumeIntegralInRange<uint64_t>(0, 12));
    google::protobuf::Timestamp at;
    at.set_seconds(in.ConsumeIntegralInRange<int64_t>(1773999000, 1774200000));
    (void)j.load_at(id, at);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const std::string& from = template_dir();
  static fuzz::scratch_dir work("journal-work");
  // libFuzzer's timer (SIGALRM, every second) interrupts a copy now and then: again.
  std::error_code copied;
  for (int attempt = 0; attempt < 10; ++attempt) {
    std::filesystem::remove_all(work.path, copied);
    std::filesystem::copy(from, work.path, std::filesystem::copy_options::recursive, copied);
    if (!copied) break;
  }
  SOUK_FUZZ_CHECK(!copied);
  damage(work.str(), in);
  const bool read_only = in.ConsumeBool();
  auto j = read_only ? persistence::journal::open_read_only(work.str())
                     : persistence::journal::open(small_journal(work.str()));
  if (!j) {
    SOUK_FUZZ_CHECK(!j.error().message().empty());
    return 0;
  }
  read_everything(**j, in);
  if (!read_only) {
    // A journal that opened takes appends, or refuses them with a reason.
    persistence::append_request r;
    r.session_id = "s4";
    v1::Event e;
    e.set_event_id("s4-1");
    e.set_session_id("s4");
    e.set_seq(1);
    e.mutable_at()->set_seconds(1774000000);
    e.set_schema_version(2);
    e.mutable_session_started()->set_customer_id("cust-1");
    r.events.push_back(persistence::encode(e));
    auto appended = (*j)->append(std::move(r));
    if (!appended) SOUK_FUZZ_CHECK(!appended.error().message().empty());
  }
  return 0;
}
