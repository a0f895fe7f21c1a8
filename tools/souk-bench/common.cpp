#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "bench.hpp"
#include "session/apply.hpp"
#include "session/ulid.hpp"
#include "souk/clock.hpp"
#include "souk/v1/state.pb.h"

namespace souk::bench {

double us_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::micro>(clock_type::now() - start).count();
}

double process_cpu_us() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto us = [](const timeval& t) { return double(t.tv_sec) * 1e6 + double(t.tv_usec); };
  return us(usage.ru_utime) + us(usage.ru_stime);
}

row summarize(std::string scenario, std::string system, std::vector<double> latencies_us,
              double seconds, std::size_t ops, std::size_t sessions, std::string note) {
  std::sort(latencies_us.begin(), latencies_us.end());
  auto pct = [&](double p) {
    return latencies_us.empty() ? 0.0
                                : latencies_us[std::min(latencies_us.size() - 1,
                                                        std::size_t(p * latencies_us.size()))];
  };
  row r;
  r.scenario = std::move(scenario);
  r.system = std::move(system);
  r.ops_per_s = ops / seconds;
  r.p50_us = pct(0.50);
  r.p99_us = pct(0.99);
  r.sessions = sessions;
  r.events = ops;
  r.note = std::move(note);
  return r;
}

v1::Event make_event(const std::string& session, uint64_t seq, std::mt19937_64& rng) {
  v1::Event e;
  // ULIDs, as session::decide stamps them: time-ordered, so the event-id index grows
  // at its right edge.
  static uint64_t counter = 0;
  auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  e.set_event_id(session::make_ulid(now_ms, static_cast<uint16_t>(rng()), ++counter));
  e.set_session_id(session);
  e.set_seq(seq);
  *e.mutable_at() = souk::now_timestamp();
  e.set_agent_id("chat-agent");
  e.set_causation_id("cmd-" + std::to_string(seq));
  e.set_schema_version(session::current_schema_version);
  if (seq == 1) {
    e.mutable_session_started()->set_customer_id("cust-" + session);
    e.mutable_session_started()->set_channel("chat");
    return e;
  }
  auto& m = *e.mutable_customer_message_received();
  m.set_channel("chat");
  m.set_text("do you have the trail jacket in blue, size medium? " +
             std::string(110 + rng() % 200, 'x'));
  return e;
}

void write_snapshot_and_tail(persistence::journal& journal, const std::string& id,
                             std::mt19937_64& rng) {
  v1::SessionState state;
  for (uint64_t base : {0, 100}) {
    persistence::append_request r;
    r.session_id = id;
    r.expected_version = base;
    for (uint64_t seq = base + 1; seq <= base + 100; ++seq) {
      auto event = make_event(id, seq, rng);
      if (base == 0 && session::apply_to(state, event))
        throw std::runtime_error("cannot fold a bench event");
      r.events.push_back(persistence::encode(event));
    }
    if (base == 0) state.SerializeToString(&r.snapshot);
    if (auto v = journal.append(std::move(r)); !v) throw std::runtime_error(v.error().message());
  }
}

std::string session_name(std::size_t i) { return "bench-session-" + std::to_string(i); }

row bench_sqlite_json(const fs::path& dir, double seconds, std::size_t sessions,
                      const std::string& scenario) {
  auto path = dir / "sqlite-json.db";
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("sqlite open");
  auto exec = [&](const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
      std::string message = error ? error : "?";
      sqlite3_free(error);
      throw std::runtime_error(std::string("sqlite: ") + message);
    }
  };
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, state TEXT NOT NULL)");
  sqlite3_stmt *select = nullptr, *upsert = nullptr;
  sqlite3_prepare_v2(db, "SELECT state FROM sessions WHERE id = ?", -1, &select, nullptr);
  sqlite3_prepare_v2(db, "INSERT INTO sessions (id, state) VALUES (?, ?) "
                         "ON CONFLICT(id) DO UPDATE SET state = excluded.state",
                     -1, &upsert, nullptr);
  std::mt19937_64 rng(4);
  std::vector<uint64_t> versions(sessions, 0);
  std::vector<double> latencies;
  auto start = clock_type::now();
  for (std::size_t i = 0; us_since(start) < seconds * 1e6; ++i) {
    std::size_t s = i % sessions;
    std::string id = session_name(s);
    auto t = clock_type::now();
    auto event = make_event(id, ++versions[s], rng);
    exec("BEGIN IMMEDIATE");
    sqlite3_bind_text(select, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    v1::SessionState state;
    if (sqlite3_step(select) == SQLITE_ROW) {
      auto json = reinterpret_cast<const char*>(sqlite3_column_text(select, 0));
      if (!google::protobuf::util::JsonStringToMessage(json, &state).ok())
        throw std::runtime_error("sqlite-json: bad document");
    }
    sqlite3_reset(select);
    if (auto error = session::apply_to(state, event))
      throw std::runtime_error("sqlite-json apply: " + error->message());
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(state, &json);
    sqlite3_bind_text(upsert, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(upsert, 2, json.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(upsert) != SQLITE_DONE) throw std::runtime_error("sqlite-json: upsert");
    sqlite3_reset(upsert);
    exec("COMMIT");
    latencies.push_back(us_since(t));
  }
  double elapsed = us_since(start) / 1e6;
  sqlite3_finalize(select);
  sqlite3_finalize(upsert);
  sqlite3_close(db);
  return summarize(scenario, "sqlite-json", latencies, elapsed, latencies.size(), sessions,
                   "WAL, synchronous=FULL, JSON state doc per session");
}

void print(const std::vector<row>& rows, bool json) {
  if (json) {
    for (const auto& r : rows)
      std::printf("{\"scenario\":\"%s\",\"system\":\"%s\",\"ops_per_s\":%.0f,\"p50_us\":%.1f,"
                  "\"p99_us\":%.1f,\"sessions\":%zu,\"events\":%zu,%s\"note\":\"%s\"}\n",
                  r.scenario.c_str(), r.system.c_str(), r.ops_per_s, r.p50_us, r.p99_us,
                  r.sessions, r.events,
                  r.bytes_per_session > 0
                      ? ("\"bytes_per_session\":" + std::to_string(int64_t(r.bytes_per_session)) + ",").c_str()
                      : "",
                  r.note.c_str());
    return;
  }
  std::printf("%-11s %-17s %12s %10s %10s %9s %9s  %s\n", "scenario", "system", "ops/s",
              "p50 us", "p99 us", "sessions", "ops", "note");
  for (const auto& r : rows)
    std::printf("%-11s %-17s %12.0f %10.1f %10.1f %9zu %9zu  %s\n", r.scenario.c_str(),
                r.system.c_str(), r.ops_per_s, r.p50_us, r.p99_us, r.sessions, r.events,
                r.note.c_str());
}

void record(std::vector<row>& rows, row r, const options& opts) {
  rows.push_back(std::move(r));
  if (!opts.json)
    std::fprintf(stderr, "  measured %s/%s\n", rows.back().scenario.c_str(),
                 rows.back().system.c_str());
}

void record_apart(std::vector<row>& rows, row r, const options& opts) {
  record(rows, std::move(r), opts);
  for (const auto& entry : fs::directory_iterator(opts.dir)) fs::remove_all(entry.path());
}

void print_checks(const std::vector<check>& checks, bool json) {
  if (!json) std::printf("\n%-34s %10s %10s\n", "target", "measured", "goal");
  for (const auto& c : checks) {
    bool has_goal = c.target > 0;
    bool met = !has_goal || (c.at_least ? c.value >= c.target : c.value <= c.target);
    if (json && has_goal)
      std::printf("{\"ratio\":\"%s\",\"value\":%.3f,\"goal\":\"%s%.3g\",\"met\":%s}\n", c.name.c_str(),
                  c.value, c.at_least ? ">=" : "<=", c.target, met ? "true" : "false");
    else if (json)
      std::printf("{\"ratio\":\"%s\",\"value\":%.3f}\n", c.name.c_str(), c.value);
    else if (has_goal)
      std::printf("%-34s %10.2f %4s %5.3g  %s\n", c.name.c_str(), c.value, c.at_least ? ">=" : "<=",
                  c.target, met ? "met" : "MISSED");
    else
      std::printf("%-34s %10.2f %10s\n", c.name.c_str(), c.value, "-");
  }
}

}  // namespace souk::bench
