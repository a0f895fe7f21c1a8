// soukctl: the support and admin CLI over a node's data directory.
//   soukctl [--data-dir DIR] load-catalog FILE
//   soukctl [--data-dir DIR] retention [--archive-after-days N] [--snapshot-days N]
//   soukctl [--data-dir DIR] verify [SESSION...]
// Exit codes: 0 fine, 1 a problem was found (divergence, corruption), 2 usage,
// 3 the data directory could not be used.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "persistence/journal.hpp"
#include "persistence/reference_tables.hpp"
#include "session/apply.hpp"
#include "session/divergence.hpp"

namespace {

using namespace souk;

int usage(int code) {
  (code == 0 ? std::cout : std::cerr) <<
      R"(usage: soukctl [--data-dir DIR] <command> [args]

  load-catalog FILE     load reference data (JSON lines of souk.v1.ReferenceRecord:
                        products, stock, discounts, customers) in one transaction
  retention [--archive-after-days N] [--snapshot-days N]
                        move events older than N days (default 90) to the archive,
                        thin snapshots and drop those older than --snapshot-days
                        (default 30; each session's newest always stays).
                        Needs the journal for writing: stop the node first.
  verify [SESSION...]   rebuild sessions from their first event and compare with
                        their newest snapshot and their materialized state
                        (snapshot + tail); all sessions when none are named.
                        Read-only: safe while a node runs.

  --data-dir DIR        the node's data directory (default ./data)

exit codes: 0 fine, 1 problems found, 2 usage, 3 data directory unusable
)";
  return code;
}

int storage_failure(const v1::Error& error) {
  std::cerr << "soukctl: " << error.message() << "\n";
  return 3;
}

int load_catalog(const std::string& dir, const std::vector<std::string>& args) {
  if (args.size() != 1) return usage(2);
  std::ifstream in(args[0]);
  if (!in) {
    std::cerr << "soukctl: cannot read " << args[0] << "\n";
    return 2;
  }
  auto tables = persistence::reference_tables::open(dir);
  if (!tables) return storage_failure(tables.error());
  auto counts = (*tables)->load_jsonl(in);
  if (!counts) {
    std::cerr << "soukctl: " << args[0] << ": " << counts.error().message()
              << " (nothing was loaded)\n";
    return 1;
  }
  std::cout << "loaded " << counts->products << " products, " << counts->stock_levels
            << " stock levels, " << counts->discounts << " discounts, " << counts->customers
            << " customers into " << dir << "/reference\n";
  return 0;
}

int retention(const std::string& dir, const std::vector<std::string>& args) {
  persistence::retention_options opts;
  opts.now = google::protobuf::util::TimeUtil::GetCurrentTime();
  for (std::size_t i = 0; i < args.size(); ++i) {
    auto days = [&]() -> long {
      if (i + 1 >= args.size()) std::exit(usage(2));
      char* end = nullptr;
      long n = std::strtol(args[++i].c_str(), &end, 10);
      if (*end != '\0' || n < 0) std::exit(usage(2));
      return n;
    };
    if (args[i] == "--archive-after-days") opts.archive_events_older_than = std::chrono::hours(24 * days());
    else if (args[i] == "--snapshot-days") opts.drop_snapshots_older_than = std::chrono::hours(24 * days());
    else return usage(2);
  }
  persistence::journal::options jopts;
  jopts.dir = dir;
  auto j = persistence::journal::open(jopts);
  if (!j) return storage_failure(j.error());
  auto report = (*j)->run_retention(opts);
  if (!report) return storage_failure(report.error());
  std::cout << "archived " << report->events_archived << " events; snapshots: "
            << report->snapshots_dropped << " dropped, " << report->snapshots_kept
            << " kept; " << report->sessions_touched << " sessions touched\n";
  return 0;
}

int verify(const std::string& dir, std::vector<std::string> sessions) {
  auto j = persistence::journal::open_read_only(dir);
  if (!j) return storage_failure(j.error());
  if (sessions.empty()) {
    auto all = (*j)->sessions_by_activity(SIZE_MAX);
    if (!all) return storage_failure(all.error());
    for (const auto& record : *all) sessions.push_back(record.session_id());
  }
  int problems = 0;
  std::size_t done = 0;
  for (const auto& id : sessions) {
    ++done;
    auto fail = [&](const std::string& what) {
      ++problems;
      std::cout << id << ": " << what << "\n";
    };
    auto events = (*j)->events(id);
    auto stored = (*j)->load(id);
    if (!events || !stored) {
      fail((events ? stored.error() : events.error()).message());
      continue;
    }
    if (events->empty()) {
      fail("no such session");
      continue;
    }
    auto materialized = session::replay(stored->tail, stored->snapshot);
    if (!materialized) {
      fail("snapshot + tail does not replay: " + materialized.error().message());
      continue;
    }
    auto report = session::check_divergence(*events, stored->snapshot, *materialized);
    if (!report) {
      fail("history does not replay: " + report.error().message());
      continue;
    }
    if (report->snapshot_difference)
      fail("snapshot v" + std::to_string(report->snapshot_version) +
           " differs from replay: " + *report->snapshot_difference);
    if (report->materialized_difference)
      fail("materialized state differs from replay: " + *report->materialized_difference);
    if (sessions.size() > 20 && done % 100 == 0)
      std::cerr << "\rverified " << done << "/" << sessions.size() << std::flush;
  }
  if (sessions.size() > 20) std::cerr << "\n";
  std::cout << "verified " << sessions.size() << " sessions: "
            << (problems ? std::to_string(problems) + " problems" : std::string("no divergence"))
            << "\n";
  return problems ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "data";
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 2 && args[0] == "--data-dir") {
    dir = args[1];
    args.erase(args.begin(), args.begin() + 2);
  }
  if (args.empty()) return usage(2);
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "--help" || command == "-h" || command == "help") return usage(0);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return usage(0);
  if (command == "load-catalog") return load_catalog(dir, args);
  if (command == "retention") return retention(dir, args);
  if (command == "verify") return verify(dir, args);
  std::cerr << "soukctl: unknown command " << command << "\n";
  return usage(2);
}
