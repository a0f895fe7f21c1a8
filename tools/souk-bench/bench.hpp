#pragma once

// souk-bench's shared parts: result rows, the realistic event, the table/JSON output,
// and the SQLite-JSON baseline both benchmarks compare against.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "persistence/journal.hpp"
#include "souk/v1/events.pb.h"

namespace souk::bench {

namespace fs = std::filesystem;
using clock_type = std::chrono::steady_clock;

struct options {
  fs::path dir = "bench-data";
  bool json = false;
  double seconds = 4;
  std::size_t sessions = 1000;
  bool sessions_given = false;  // --sessions was passed
  std::string only;  // one system (journal) or scenario (sessions); empty: all
};

struct row {
  std::string scenario, system;
  double ops_per_s = 0, p50_us = 0, p99_us = 0;
  std::size_t sessions = 0, events = 0;
  std::string note;
  double bytes_per_session = 0;  // the memory scenario only
};

/// A target stated as a ratio or bound; target 0 means "report only".
struct check {
  std::string name;
  double value = 0, target = 0;
  bool at_least = true;
};

double us_since(clock_type::time_point start);
/// User plus system CPU time of this process so far, every thread's, in microseconds.
double process_cpu_us();
row summarize(std::string scenario, std::string system, std::vector<double> latencies_us,
              double seconds, std::size_t ops, std::size_t sessions, std::string note = {});
/// A realistic event: a customer message of 200-400 bytes once encoded, ULID id.
v1::Event make_event(const std::string& session, uint64_t seq, std::mt19937_64& rng);
std::string session_name(std::size_t i);
/// Writes 200 events of session `id` to `journal`, with a snapshot at the 100th: a
/// load then reads that snapshot and a 100-event tail.
void write_snapshot_and_tail(persistence::journal& journal, const std::string& id,
                             std::mt19937_64& rng);
void print(const std::vector<row>& rows, bool json);
/// Keeps a measured row, saying so on stderr unless the output is JSON.
void record(std::vector<row>& rows, row r, const options& opts);
/// The same, then removes what the row wrote under `opts.dir`, so that no row is
/// measured beside another's data: left in place, the earlier rows' files made the
/// journal's open-loop commits slower (p99 16.5/26.7 ms against 4.8/5.5 ms removed,
/// interleaved full runs). For benches whose rows do not share data.
void record_apart(std::vector<row>& rows, row r, const options& opts);
void print_checks(const std::vector<check>& checks, bool json);

/// What most teams start with: SQLite (WAL, synchronous=FULL) holding each session's
/// state as a JSON document, read-modify-written per mutation in its own transaction.
row bench_sqlite_json(const fs::path& dir, double seconds, std::size_t sessions,
                      const std::string& scenario);

std::vector<row> run_journal(const options& opts);
std::vector<check> journal_checks(const std::vector<row>& rows);
std::vector<row> run_sessions(const options& opts);
std::vector<check> sessions_checks(const std::vector<row>& rows);
std::vector<row> run_http(const options& opts);
std::vector<check> http_checks(const std::vector<row>& rows);

}  // namespace souk::bench
