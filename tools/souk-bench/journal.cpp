// souk-bench journal: souk's journal against its baselines, on one disk in one run.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "bench.hpp"
#include "persistence/codec.hpp"
#include "persistence/journal.hpp"
#include "persistence/lmdb/env.hpp"
#include "session/apply.hpp"

namespace souk::bench {
namespace {

// --- fdatasync: the disk's own rate for small durable appends -------------------------
row bench_fdatasync(const fs::path& dir, double seconds) {
  auto path = dir / "fdatasync.log";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + path.string());
  std::string record(300, 'e');
  std::vector<double> latencies;
  auto start = clock_type::now();
  while (us_since(start) < seconds * 1e6) {
    auto t = clock_type::now();
    if (::write(fd, record.data(), record.size()) < 0 || ::fdatasync(fd) != 0)
      throw std::runtime_error("write/fdatasync failed");
    latencies.push_back(us_since(t));
  }
  double elapsed = us_since(start) / 1e6;
  ::close(fd);
  return summarize("append", "fdatasync", latencies, elapsed, latencies.size(), 1,
                   "300 B write + fdatasync");
}

// --- souk: the journal, 1000 sessions, each with one append in flight ----------------
// Like session actors: a session submits its next event when the previous one is acked.
row bench_souk(const fs::path& dir, double seconds, std::size_t sessions) {
  persistence::journal::options opts;
  opts.dir = (dir / "souk").string();
  opts.initial_map_size = std::size_t{1} << 30;
  auto j = persistence::journal::open(opts);
  if (!j) throw std::runtime_error(j.error().message());
  // Events are encoded up front (an actor does it on its own thread, not the writer's).
  const std::size_t per_session = 400;
  // Generated seq by seq across sessions, so that event ids (ULIDs) are stamped in about
  // the order the appends reach the journal, as when the session core stamps them.
  std::vector<std::vector<persistence::encoded_event>> prepared(sessions);
  std::mt19937_64 rng(1);
  for (uint64_t seq = 1; seq <= per_session; ++seq)
    for (std::size_t s = 0; s < sessions; ++s)
      prepared[s].push_back(persistence::encode(make_event(session_name(s), seq, rng)));

  // What the completions need, reached through one pointer so that each callback fits
  // std::function's small buffer: the bench should not allocate more than a client.
  struct shared_state {
    std::mutex mutex;
    std::condition_variable finished;
    std::vector<double> latencies;
    std::vector<clock_type::time_point> submitted;
    std::atomic<std::size_t> acked{0}, in_flight{0};
    std::atomic<bool> stop{false}, failed{false};
    std::vector<std::vector<persistence::encoded_event>>* prepared;
    persistence::journal* journal;
    void send(std::size_t s, uint64_t version) {
      if (stop || version >= (*prepared)[s].size()) {
        if (--in_flight == 0) finished.notify_all();
        return;
      }
      persistence::append_request r;
      r.session_id = session_name(s);
      r.expected_version = version;
      r.events.push_back(std::move((*prepared)[s][version]));
      submitted[s] = clock_type::now();
      journal->submit(std::move(r), [this, s](persistence::result<uint64_t> v) {
        if (!v) {
          failed = true;
          std::cerr << "append failed: " << v.error().message() << "\n";
          if (--in_flight == 0) finished.notify_all();
          return;
        }
        {
          std::lock_guard<std::mutex> lock(mutex);
          latencies.push_back(us_since(submitted[s]));
        }
        ++acked;
        send(s, *v);
      });
    }
  } state;
  state.latencies.reserve(sessions * per_session);
  state.submitted.resize(sessions);
  state.prepared = &prepared;
  state.journal = j->get();
  auto& mutex = state.mutex;
  auto& finished = state.finished;
  auto& latencies = state.latencies;
  auto& acked = state.acked;
  auto& in_flight = state.in_flight;
  auto& stop = state.stop;
  auto& failed = state.failed;
  auto send = [&](std::size_t s, uint64_t version) { state.send(s, version); };
  auto start = clock_type::now();
  in_flight = sessions;
  for (std::size_t s = 0; s < sessions; ++s) send(s, 0);
  {
    std::unique_lock<std::mutex> lock(mutex);
    finished.wait_for(lock, std::chrono::duration<double>(seconds));
    stop = true;
    finished.wait(lock, [&] { return in_flight == 0; });
  }
  double elapsed = us_since(start) / 1e6;
  if (failed) throw std::runtime_error("souk appends failed");
  std::size_t events = acked;
  auto st = (*j)->stats();
  char note[256];
  std::snprintf(note, sizeof note,
                "group commit, 1 append in flight per session; %.0f events/commit, "
                "%.2f ms/commit, %llu index slices",
                double(st.appended_events) / std::max<uint64_t>(1, st.commits),
                st.commit_us / 1000.0 / std::max<uint64_t>(1, st.commits),
                (unsigned long long)st.index_slices);
  auto result = summarize("append", "souk", latencies, elapsed, events, sessions, note);
  return result;
}

// --- souk at a fixed offered rate: commit latency under a given load ------------------
// Open loop: events are due at `rate` per second, spread over the sessions (each goes to
// the session whose last append was acknowledged longest ago; sessions with one in
// flight wait their turn); latency runs from when an event was due to its durable ack,
// so falling behind shows.
row bench_souk_at_rate(const fs::path& dir, double seconds, std::size_t sessions, double rate) {
  persistence::journal::options opts;
  opts.dir = (dir / "souk-rate").string();
  opts.initial_map_size = std::size_t{1} << 30;
  auto j = persistence::journal::open(opts);
  if (!j) throw std::runtime_error(j.error().message());
  // Encoded up front, as in bench_souk, so that the pacer only submits.
  const std::size_t per_session = static_cast<std::size_t>(rate * seconds / sessions) + 16;
  std::vector<std::vector<persistence::encoded_event>> prepared(sessions);
  {
    std::mt19937_64 rng(6);
    for (uint64_t seq = 1; seq <= per_session; ++seq)
      for (std::size_t s = 0; s < sessions; ++s)
        prepared[s].push_back(persistence::encode(make_event(session_name(s), seq, rng)));
  }
  std::vector<uint64_t> versions(sessions);  // each touched by the one who holds s
  // Sessions with no append in flight, in the order they became free: the pacer
  // takes the oldest; an ack gives its session back. With none free the pacer waits
  // for an ack (the event's latency still counts from when it was due): scanning for
  // one instead spun a core away from the writer on a 2-core machine, slowing the
  // commits that would free one.
  std::mutex mutex;
  std::condition_variable freed;
  std::deque<std::size_t> free_sessions;
  for (std::size_t s = 0; s < sessions; ++s) free_sessions.push_back(s);
  std::vector<double> latencies, from_submit;
  std::atomic<std::size_t> in_flight{0};
  std::atomic<bool> failed{false};
  const auto start = clock_type::now();
  const auto end = start + std::chrono::duration_cast<clock_type::duration>(
                               std::chrono::duration<double>(seconds));
  const auto period = std::chrono::duration<double>(1.0 / rate);
  std::size_t sent = 0;
  while (clock_type::now() < end) {
    auto due = start + std::chrono::duration_cast<clock_type::duration>(period * sent);
    // Sleep in ticks of a quarter millisecond and send what fell due meanwhile: a
    // spinning pacer would take a core from the writer on a 2-core machine.
    if (clock_type::now() < due) std::this_thread::sleep_until(due + std::chrono::microseconds(250));
    std::size_t s;
    {
      std::unique_lock<std::mutex> lock(mutex);
      if (!freed.wait_until(lock, end, [&] { return !free_sessions.empty(); })) break;
      s = free_sessions.front();
      free_sessions.pop_front();
    }
    if (versions[s] >= per_session) break;  // ran out of prepared events
    ++in_flight;
    persistence::append_request r;
    r.session_id = session_name(s);
    r.expected_version = versions[s];
    r.events.push_back(std::move(prepared[s][versions[s]]));
    auto submitted = clock_type::now();
    (*j)->submit(std::move(r), [&, s, due, submitted](persistence::result<uint64_t> v) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (!v) {
          failed = true;
        } else {
          latencies.push_back(us_since(due));
          from_submit.push_back(us_since(submitted));
          versions[s] = *v;
        }
        free_sessions.push_back(s);
      }
      freed.notify_one();
      --in_flight;
    });
    ++sent;
  }
  double elapsed = us_since(start) / 1e6;
  while (in_flight > 0) std::this_thread::yield();
  if (failed) throw std::runtime_error("souk appends failed");
  auto st = (*j)->stats();
  auto submit_to_ack = summarize("", "", from_submit, 1, 1, 1);
  char note[320];
  std::snprintf(note, sizeof note,
                "open loop, %.0f events/s offered over %zu sessions; submit-to-ack p99 %.1f ms; "
                "%.0f events/commit, slowest commit %.1f ms",
                rate, sessions, submit_to_ack.p99_us / 1000,
                double(st.appended_events) / std::max<uint64_t>(1, st.commits),
                st.slowest_commit_us / 1000.0);
  return summarize("append@rate", "souk", latencies, elapsed, latencies.size(), sessions, note);
}

// An LMDB environment with one DB, "events", for the baselines.
std::unique_ptr<persistence::lmdb::env> open_baseline_env(const fs::path& path,
                                                         std::size_t map_size) {
  persistence::lmdb::env::options opts;
  opts.path = path.string();
  opts.dbs = {"events"};
  opts.initial_map_size = map_size;
  auto env = persistence::lmdb::env::open(opts);
  if (!env) throw std::runtime_error(env.error().message());
  return std::move(env).value();
}

// --- lmdb-per-event: one fsync'd commit per event ------------------------------------
row bench_lmdb_per_event(const fs::path& dir, double seconds, std::size_t sessions) {
  auto env = open_baseline_env(dir / "lmdb-per-event", std::size_t{1} << 30);
  auto db = env->db("events");
  std::mt19937_64 rng(2);
  std::vector<uint64_t> versions(sessions, 0);
  std::vector<double> latencies;
  auto start = clock_type::now();
  for (std::size_t i = 0; us_since(start) < seconds * 1e6; ++i) {
    std::size_t s = i % sessions;
    auto t = clock_type::now();
    auto event = make_event(session_name(s), ++versions[s], rng);
    auto txn = env->begin_write();
    if (!txn || txn->put(db, persistence::session_key(event.session_id(), event.seq()),
                         persistence::seal(event.SerializeAsString())) != 0 ||
        txn->commit())
      throw std::runtime_error("lmdb-per-event write failed");
    latencies.push_back(us_since(t));
  }
  double elapsed = us_since(start) / 1e6;
  return summarize("append", "lmdb-per-event", latencies, elapsed, latencies.size(), sessions,
                   "(session, seq) key, 1 commit per event");
}

// --- lmdb-session-seq: (session, seq) B-tree, batched like souk ----------------------
// Rounds of one event per session in one txn; every event of a round waits for its
// commit, as with group commit.
row bench_lmdb_session_seq(const fs::path& dir, double seconds, std::size_t sessions) {
  auto env = open_baseline_env(dir / "lmdb-session-seq", std::size_t{4} << 30);
  auto db = env->db("events");
  std::mt19937_64 rng(3);
  std::vector<uint64_t> versions(sessions, 0);
  std::vector<double> latencies;
  std::size_t events = 0;
  auto start = clock_type::now();
  while (us_since(start) < seconds * 1e6) {
    std::vector<std::pair<std::string, std::string>> round;
    for (std::size_t s = 0; s < sessions; ++s) {
      auto event = make_event(session_name(s), ++versions[s], rng);
      round.emplace_back(persistence::session_key(event.session_id(), event.seq()),
                         persistence::seal(event.SerializeAsString()));
    }
    auto t = clock_type::now();
    auto txn = env->begin_write();
    if (!txn) throw std::runtime_error("lmdb-session-seq begin failed");
    for (const auto& [key, value] : round)
      if (txn->put(db, key, value) != 0) throw std::runtime_error("lmdb-session-seq put failed");
    if (txn->commit()) throw std::runtime_error("lmdb-session-seq commit failed");
    double round_us = us_since(t);
    for (std::size_t i = 0; i < round.size(); ++i) latencies.push_back(round_us);
    events += round.size();
  }
  double elapsed = us_since(start) / 1e6;
  return summarize("append", "lmdb-session-seq", latencies, elapsed, events, sessions,
                   "(session, seq) key, " + std::to_string(sessions) + " events per commit");
}

// --- load and replay ------------------------------------------------------------------
// Every session gets 100 events with a snapshot at the 100th, then 100 more: a load reads
// the snapshot and a 100-event tail (checksummed, decoded), then folds the tail.
std::vector<row> bench_reads(const fs::path& dir, std::size_t sessions) {
  persistence::journal::options opts;
  opts.dir = (dir / "souk-reads").string();
  opts.initial_map_size = std::size_t{1} << 30;
  auto j = persistence::journal::open(opts);
  if (!j) throw std::runtime_error(j.error().message());
  std::mt19937_64 rng(5);
  std::vector<std::string> loadable;
  for (std::size_t s = 0; s < sessions; ++s) {
    auto id = session_name(s);
    write_snapshot_and_tail(**j, id, rng);
    loadable.push_back(id);
  }
  if (auto error = (*j)->flush_index()) throw std::runtime_error(error->message());
  std::vector<row> rows;
  // load: what journal::load returns (snapshot + decoded tail); load+apply: the path a
  // session actor activates by (snapshot, then each tail event folded as it is read).
  std::vector<double> read_us, fold_us;
  std::size_t loads = 0, tail_events = 0;
  auto start = clock_type::now();
  for (int pass = 0; pass < 3; ++pass)
    for (const auto& id : loadable) {
      auto t = clock_type::now();
      auto stored = (*j)->load(id);
      if (!stored) throw std::runtime_error(stored.error().message());
      read_us.push_back(us_since(t));
      ++loads;
      tail_events += stored->tail.size();
    }
  double elapsed = us_since(start) / 1e6;
  rows.push_back(summarize("load", "souk", read_us, elapsed, loads, loadable.size(),
                           "snapshot + " + std::to_string(tail_events / loads) +
                               "-event tail, read+decode"));
  start = clock_type::now();
  for (int pass = 0; pass < 3; ++pass)
    for (const auto& id : loadable) {
      auto t = clock_type::now();
      auto snapshot = (*j)->snapshot_at_or_below(id, UINT64_MAX);
      if (!snapshot || !*snapshot) throw std::runtime_error("no snapshot for " + id);
      v1::SessionState state = std::move(**snapshot);
      if (auto error = (*j)->visit_events(id, state.version() + 1, UINT64_MAX,
                                          [&](const v1::Event& e) { return session::apply_to(state, e); }))
        throw std::runtime_error(error->message());
      fold_us.push_back(us_since(t));
    }
  elapsed = us_since(start) / 1e6;
  rows.push_back(summarize("load+apply", "souk", fold_us, elapsed, loads, loadable.size(),
                           "the same, each event folded into the state as it is read"));

  // Full replay: every event of every session from the first, read, decoded, folded.
  std::vector<double> per_session;
  std::size_t replayed = 0;
  start = clock_type::now();
  for (std::size_t s = 0; s < sessions; ++s) {
    auto t = clock_type::now();
    v1::SessionState state;
    if (auto error = (*j)->visit_events(session_name(s), 1, UINT64_MAX, [&](const v1::Event& e) {
          ++replayed;
          return session::apply_to(state, e);
        }))
      throw std::runtime_error(error->message());
    per_session.push_back(us_since(t));
  }
  elapsed = us_since(start) / 1e6;
  rows.push_back(summarize("replay", "souk", per_session, elapsed, replayed, sessions,
                           "events/s from seq 1, read+decode+fold; latencies per session"));

  // The same on every core: sessions replay independently (readers need no lock), as
  // `soukctl verify` replays a whole journal.
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::vector<double>> per_thread(threads);
  std::vector<std::size_t> replayed_by(threads);
  std::vector<std::string> failures(threads);
  start = clock_type::now();
  {
    std::vector<std::thread> workers;
    for (unsigned w = 0; w < threads; ++w)
      workers.emplace_back([&, w] {
        for (std::size_t s = w; s < sessions; s += threads) {
          auto t = clock_type::now();
          v1::SessionState state;
          if (auto error = (*j)->visit_events(session_name(s), 1, UINT64_MAX,
                                              [&](const v1::Event& e) {
                                                ++replayed_by[w];
                                                return session::apply_to(state, e);
                                              })) {
            failures[w] = error->message();
            return;
          }
          per_thread[w].push_back(us_since(t));
        }
      });
    for (auto& worker : workers) worker.join();
  }
  elapsed = us_since(start) / 1e6;
  for (const auto& failure : failures)
    if (!failure.empty()) throw std::runtime_error(failure);
  std::vector<double> all;
  std::size_t total = 0;
  for (unsigned w = 0; w < threads; ++w) {
    all.insert(all.end(), per_thread[w].begin(), per_thread[w].end());
    total += replayed_by[w];
  }
  rows.push_back(summarize("replay", "souk-" + std::to_string(threads) + "-threads", all,
                           elapsed, total, sessions,
                           "the same, sessions spread over " + std::to_string(threads) +
                               " threads"));
  return rows;
}

}  // namespace

std::vector<row> run_journal(const options& opts) {
  std::vector<row> rows;
  auto run = [&](row r) { record_apart(rows, std::move(r), opts); };
  const auto& dir = opts.dir;
  const auto seconds = opts.seconds;
  const auto sessions = opts.sessions;
  auto wanted = [&](const char* system) { return opts.only.empty() || opts.only == system; };
  if (wanted("fdatasync")) run(bench_fdatasync(dir, std::min(seconds, 2.0)));
  if (wanted("souk")) run(bench_souk(dir, seconds, sessions));
  if (wanted("lmdb-per-event")) run(bench_lmdb_per_event(dir, std::min(seconds, 2.0), sessions));
  if (wanted("lmdb-session-seq")) run(bench_lmdb_session_seq(dir, seconds, sessions));
  if (wanted("sqlite-json")) run(bench_sqlite_json(dir, std::min(seconds, 3.0), sessions, "append"));
  if (wanted("souk-rate")) {
    // The load the throughput targets speak of: twice the (session, seq) layout's rate
    // (or ten times SQLite's, if higher), offered steadily.
    double rate = 100000;
    for (const auto& r : rows)
      if (r.scenario == "append" && r.system == "lmdb-session-seq") rate = 2 * r.ops_per_s;
    for (const auto& r : rows)
      if (r.scenario == "append" && r.system == "sqlite-json")
        rate = std::max(rate, 10 * r.ops_per_s);
    if (const char* offered = std::getenv("SOUK_RATE")) rate = std::atof(offered);
    run(bench_souk_at_rate(dir, seconds, sessions, rate));
  }
  if (wanted("reads"))
    for (auto& r : bench_reads(dir, sessions)) run(std::move(r));
  return rows;
}

std::vector<check> journal_checks(const std::vector<row>& rows) {
  std::map<std::string, const row*> append;
  const row *load = nullptr, *replay = nullptr, *parallel_replay = nullptr, *at_rate = nullptr;
  for (const auto& r : rows) {
    if (r.scenario == "append") append[r.system] = &r;
    if (r.scenario == "append@rate") at_rate = &r;
    if (r.scenario == "load") load = &r;
    if (r.scenario == "replay" && r.system == "souk") replay = &r;
    if (r.scenario == "replay" && r.system != "souk") parallel_replay = &r;
  }
  const row* souk = append["souk"];
  if (!souk) return {};
  auto ratio = [&](const char* other) {
    auto it = append.find(other);
    return it == append.end() || it->second->ops_per_s == 0 ? 0.0
                                                            : souk->ops_per_s / it->second->ops_per_s;
  };
  std::vector<check> checks{
      {"souk/sqlite-json events/s", ratio("sqlite-json"), 10, true},
      {"souk/lmdb-session-seq events/s", ratio("lmdb-session-seq"), 2, true},
      {"souk/lmdb-per-event events/s", ratio("lmdb-per-event"), 0, true},
      {"souk/fdatasync ops/s", ratio("fdatasync"), 0, true},
  };
  if (at_rate) checks.push_back({"souk p99 ms at the target load", at_rate->p99_us / 1000, 5, false});
  checks.push_back({"souk p99 ms at saturation", souk->p99_us / 1000, 0, false});
  if (load) checks.push_back({"souk load p50 us", load->p50_us, 50, false});
  if (replay) checks.push_back({"souk replay M events/s, one thread", replay->ops_per_s / 1e6, 2, true});
  if (parallel_replay)
    checks.push_back({"souk replay M events/s, " + parallel_replay->system.substr(5),
                      parallel_replay->ops_per_s / 1e6, 2, true});
  return checks;
}

}  // namespace souk::bench
