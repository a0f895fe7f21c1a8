// souk-bench journal|sessions|http [--dir DIR] [--json] [--seconds S] [--sessions N] [--only X]
//
// Each benchmark measures souk against its baselines in one run on the same disk and
// prints a table (or JSON lines with --json) plus the targets as ratios and bounds;
// docs/BENCHMARKS.md says what each row is. Absolute numbers move with this machine
// class's fsync rate and CPU speed: compare within a run.
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "bench.hpp"

namespace {

int usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: souk-bench journal|sessions|http [--dir DIR] [--json] [--seconds S]\n"
               "                  [--sessions N] [--only X]\n"
               "  journal   the event journal vs fdatasync, LMDB per event, a (session, seq)\n"
               "            LMDB layout and SQLite-JSON; then load and replay.\n"
               "            --only fdatasync|souk|lmdb-per-event|lmdb-session-seq|\n"
               "                   sqlite-json|souk-rate|reads\n"
               "  sessions  durable mutations through session actors (1000 and 10,000 live\n"
               "            sessions) vs SQLite-JSON; activation; memory per live session\n"
               "            (new, and 100-199 events into a conversation; each at 100,000\n"
               "            sessions or --sessions N: ~6 minutes and ~9 GB of disk at 100,000).\n"
               "            --only mutations|mutations@rate|activation|memory|sqlite-json\n"
               "  http      durable mutations and state reads through the HTTP gateway,\n"
               "            driven by wrk over 64 (mutations also 256) keep-alive\n"
               "            connections to --sessions sessions (default 1000).\n"
               "            --only mutations|reads\n"
               "  DIR (default ./bench-data) is wiped before and after, and between the\n"
               "  rows of journal and sessions (no row runs beside another's data).\n"
               "  SOUK_RATE sets the offered rate of journal's souk-rate and of sessions'\n"
               "  mutations@rate; SOUK_THREADS, SOUK_HTTP_THREADS the thread counts;\n"
               "  SOUK_LATENCY_LOG=FILE gets mutations@rate's \"due_us latency_us\" lines;\n"
               "  SOUK_PREALLOCATE_MB the zeros sessions' journals keep written ahead\n"
               "  (default 1024, as souk-node's --journal-preallocate-mb).\n");
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace souk::bench;
  if (argc < 2) return usage(2);
  std::string command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") return usage(0);
  if (command != "journal" && command != "sessions" && command != "http") return usage(2);
  options opts;
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) std::exit(usage(2));
      return argv[++i];
    };
    if (arg == "--json") opts.json = true;
    else if (arg == "--dir") opts.dir = value();
    else if (arg == "--seconds") opts.seconds = std::stod(value());
    else if (arg == "--sessions") opts.sessions = std::stoul(value()), opts.sessions_given = true;
    else if (arg == "--only") opts.only = value();
    else if (arg == "--help" || arg == "-h") return usage(0);
    else return usage(2);
  }
  try {
    fs::remove_all(opts.dir);
    fs::create_directories(opts.dir);
    auto rows = command == "journal"    ? run_journal(opts)
                : command == "sessions" ? run_sessions(opts)
                                        : run_http(opts);
    print(rows, opts.json);
    print_checks(command == "journal"    ? journal_checks(rows)
                 : command == "sessions" ? sessions_checks(rows)
                                         : http_checks(rows),
                 opts.json);
    fs::remove_all(opts.dir);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "souk-bench: %s\n", e.what());
    return 1;
  }
}
