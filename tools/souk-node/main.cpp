// souk-node: runs a node on a data directory (embedded LMDB) until SIGINT or SIGTERM,
// then passivates every live session (final snapshots) and exits.
// Options come from the command line and the config file, in CAF's style:
//   souk-node --data-dir=data --load-catalog=tools/catalog/sample-catalog.jsonl
//   souk-node --http 127.0.0.1:8080 --data-dir data --config souk.ini
//   souk-node --config-file=souk.ini      (default: caf-application.ini if present)
//   souk-node --help
// With --http it serves the HTTP gateway (API keys in the config's [gateway] group),
// /metrics, /viewer, and runs the background verifier.
#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <tuple>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "runtime/gateway/gateway.hpp"
#include "runtime/gateway/verifier.hpp"
#include "runtime/node.hpp"
#include "session/session_actor.hpp"
#include "session/transfer.hpp"

namespace {

using namespace souk;

struct node_config : caf::actor_system_config {
  std::string data_dir = "data";
  std::string node_id = "node-1";
  std::string load_catalog;
  size_t snapshot_every = 100;
  // Durations as CAF reads them on the command line and in the file alike ("30min",
  // "15s", "500ms"). (CAF's add_ms, a size_t in ms, crashed when given on the command
  // line.)
  caf::timespan idle_timeout = std::chrono::hours(1);
  size_t max_live_sessions = 100000;
  size_t journal_preallocate_mb = 1024;
  std::string http;  // HOST:PORT
  std::string log_file;
  std::vector<std::string> api_keys;
  std::vector<std::string> transfer_keys;
  bool demo = false;
  size_t http_threads = 2;
  size_t max_connections = 1024;
  size_t body_limit = 1 << 20;
  caf::timespan request_timeout = std::chrono::seconds(15);
  caf::timespan verify_interval = std::chrono::seconds(60);
  size_t verify_sample = 20;

  node_config() {
    session::add_session_message_types(*this);
    set("scheduler.max-threads", std::max(1u, std::thread::hardware_concurrency()));
    // Work sharing by default: on small machines work-stealing workers spin for work
    // and take CPU from the journal's writer (docs/BENCHMARKS.md, sessions).
    set("scheduler.policy", caf::atom("sharing"));
    opt_group{custom_options_, "global"}
        .add(data_dir, "data-dir", "data directory (created if missing)")
        .add(node_id, "node-id", "this node's name, stamped on migrations")
        .add(load_catalog, "load-catalog",
             "load reference data (JSON lines of souk.v1.ReferenceRecord) before serving")
        .add(snapshot_every, "snapshot-every", "events between a session's snapshots")
        .add(idle_timeout, "idle-timeout", "passivate a session idle this long (e.g. 30min)")
        .add(max_live_sessions, "max-live-sessions",
             "live sessions beyond this passivate, least recently used first")
        .add(journal_preallocate_mb, "journal-preallocate-mb",
             "MiB of zeros kept written past the journal's end, topped up while idle: "
             "bursts of commits overwrite blocks on disk instead of growing the file "
             "(0: off)")
        .add(http, "http", "serve the HTTP gateway on HOST:PORT (e.g. 127.0.0.1:8080)")
        .add(log_file, "log-file",
             "append the JSON-lines transition log here (default: stdout with --http)")
        .add(demo, "demo",
             "a demo: serve the example API keys (souk-node.ini's) on any address, not only "
             "on loopback");
    opt_group{custom_options_, "gateway"}
        .add(api_keys, "api-keys",
             "callers: \"AGENT_ID sha256:HEX SCOPE...\" each (soukctl hash-key < KEYFILE)")
        .add(transfer_keys, "transfer-keys",
             "keys sealing StateTransfers: \"ID:HEX\" each (a secret of 32+ bytes in hex; "
             "the first signs, all verify), shared by nodes that exchange transfers; the "
             "data directory's transfer.key is always one")
        .add(http_threads, "threads", "I/O threads serving HTTP")
        .add(max_connections, "max-connections", "open connections beyond this get 503")
        .add(body_limit, "body-limit", "request bodies above this many bytes get 413")
        .add(request_timeout, "request-timeout",
             "a request must arrive whole within this (e.g. 15s); idle keep-alive closes then")
        .add(verify_interval, "verify-interval",
             "the background verifier's round (e.g. 60s); 0s turns it off")
        .add(verify_sample, "verify-sample", "sessions the verifier replays per round");
  }
};

}  // namespace

// Whether HOST:PORT names a loopback address (127.0.0.0/8, ::1, localhost).
bool loopback(const std::string& http) {
  auto host = http.substr(0, http.rfind(':'));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") return true;
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

// "--http 127.0.0.1:8080" and "--config FILE" as well as CAF's "--http=..." and
// "--config-file=...".
std::vector<std::string> caf_style(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--config") a = "--config-file";
    if (a.rfind("--config=", 0) == 0) a = "--config-file=" + a.substr(9);
    bool takes_value = a == "--http" || a == "--data-dir" || a == "--config-file" ||
                       a == "--load-catalog" || a == "--log-file" || a == "--node-id";
    if (takes_value && i + 1 < argc) a += std::string("=") + argv[++i];
    args.push_back(a);
  }
  return args;
}

int main(int argc, char** argv) {
  // Blocked before any thread starts, so that every thread inherits the mask and the
  // signals reach sigwait below instead of killing the process mid-commit.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  node_config cfg;
  auto args = caf_style(argc, argv);
  std::vector<char*> argv2{argv[0]};
  for (auto& a : args) argv2.push_back(a.data());
  if (auto error = cfg.parse(static_cast<int>(argv2.size()), argv2.data())) {
    std::cerr << "souk-node: " << to_string(error) << " (see --help)\n";
    return 2;
  }
  if (cfg.cli_helptext_printed) return 0;
  caf::actor_system system{cfg};

  runtime::node_options options;
  options.data_dir = cfg.data_dir;
  options.node_id = cfg.node_id;
  options.snapshot_every = cfg.snapshot_every;
  options.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.idle_timeout);
  options.max_live_sessions = cfg.max_live_sessions;
  options.journal_written_ahead = cfg.journal_preallocate_mb << 20;
  std::unique_ptr<std::ofstream> log_file;
  std::unique_ptr<runtime::transition_log> log;
  if (!cfg.log_file.empty()) {
    std::error_code ignored;  // a missing folder shows as the open's failure below
    std::filesystem::create_directories(std::filesystem::path(cfg.log_file).parent_path(), ignored);
    log_file = std::make_unique<std::ofstream>(cfg.log_file, std::ios::app);
    if (!*log_file) {
      std::cerr << "souk-node: cannot write " << cfg.log_file << "\n";
      return 2;
    }
    log = std::make_unique<runtime::transition_log>(*log_file);
  } else if (!cfg.http.empty()) {
    log = std::make_unique<runtime::transition_log>(std::cout);
  }
  options.log = log.get();
  options.transfer_keys = cfg.transfer_keys;
  if (auto keys = session::transfer_keys::parse(cfg.transfer_keys); !keys) {
    std::cerr << "souk-node: gateway.transfer-keys: " << keys.error().message() << "\n";
    return 2;
  }
  // Durations CAF read, in the ranges that make sense (a huge one wraps around).
  using std::chrono::hours, std::chrono::milliseconds, std::chrono::seconds;
  for (auto [name, value, least, most, range] :
       {std::tuple{"idle-timeout", cfg.idle_timeout, caf::timespan{seconds(1)},
                   caf::timespan{hours(24 * 365)}, "1s and 365d"},
        std::tuple{"gateway.request-timeout", cfg.request_timeout,
                   caf::timespan{milliseconds(100)}, caf::timespan{hours(24)}, "100ms and 24h"},
        std::tuple{"gateway.verify-interval", cfg.verify_interval, caf::timespan{0},
                   caf::timespan{hours(24 * 365)}, "0s (off) and 365d"}})
    if (value < least || value > most) {
      std::cerr << "souk-node: " << name << " must be between " << range << "\n";
      return 2;
    }
  auto keys = gateway::api_keys::parse(cfg.api_keys);
  if (!keys) {
    std::cerr << "souk-node: gateway.api-keys: " << keys.error().message() << "\n";
    return 2;
  }
  if (!cfg.http.empty() && !cfg.demo && !loopback(cfg.http)) {
    if (auto guessable = keys->example_keys(); !guessable.empty()) {
      std::cerr << "souk-node: refusing to serve " << cfg.http << " with the example API keys of "
                << guessable.size() << " agents (" << guessable.front()
                << "...): anybody can guess them. Make your own (soukctl hash-key), "
                   "serve on loopback, or say --demo\n";
      return 2;
    }
  }
  auto node = runtime::node::open(system, options);
  if (!node) {
    std::cerr << "souk-node: " << node.error().message() << "\n";
    return 3;
  }
  if (!cfg.load_catalog.empty()) {
    std::ifstream in(cfg.load_catalog);
    if (!std::filesystem::is_regular_file(cfg.load_catalog)) in.setstate(std::ios::failbit);
    auto counts = in ? (*node)->reference().load_jsonl(in)
                     : persistence::result<persistence::reference_counts>(make_unexpected(
                           persistence::storage_error(v1::ERROR_CODE_NOT_FOUND,
                                                      "cannot read " + cfg.load_catalog)));
    if (!counts) {
      std::cerr << "souk-node: " << cfg.load_catalog << ": " << counts.error().message() << "\n";
      return 2;
    }
    std::cout << "souk-node: loaded " << counts->products << " products, "
              << counts->stock_levels << " stock levels, " << counts->discounts
              << " discounts, " << counts->customers << " customers\n";
  }
  std::unique_ptr<gateway::verifier> verifier;
  std::unique_ptr<gateway::gateway> api;
  std::unique_ptr<gateway::http_server> server;
  if (!cfg.http.empty()) {
    auto colon = cfg.http.rfind(':');
    unsigned long port = colon == std::string::npos ? 0 : std::strtoul(cfg.http.c_str() + colon + 1, nullptr, 10);
    if (colon == std::string::npos || port > 65535) {
      std::cerr << "souk-node: --http wants HOST:PORT, got '" << cfg.http << "'\n";
      return 2;
    }
    gateway::verifier_options vopts;
    vopts.interval = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.verify_interval);
    vopts.sample = cfg.verify_sample;
    verifier = std::make_unique<gateway::verifier>(system, **node, vopts);
    api = std::make_unique<gateway::gateway>(system, **node, std::move(*keys), verifier.get());
    gateway::http_limits limits;
    limits.max_connections = cfg.max_connections;
    limits.body_limit = cfg.body_limit;
    limits.request_timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(cfg.request_timeout);
    server = std::make_unique<gateway::http_server>(*api, limits);
    if (auto error = server->start(cfg.http.substr(0, colon), static_cast<unsigned short>(port),
                                   cfg.http_threads);
        !error.empty()) {
      std::cerr << "souk-node: " << error << "\n";
      return 3;
    }
    std::cout << "souk-node: HTTP on " << cfg.http.substr(0, colon) << ":" << server->port()
              << " (" << cfg.api_keys.size() << " API keys), viewer at /viewer" << std::endl;
  }
  std::cout << "souk-node: " << options.node_id << " serving " << options.data_dir
            << " (Ctrl-C or SIGTERM to stop)" << std::endl;

  // Wait for a stop signal, flushing the transition log every second meanwhile.
  int signal = -1;
  const timespec second{1, 0};
  while (signal < 0) {
    signal = sigtimedwait(&stop_signals, nullptr, &second);
    if (log) log->flush();
  }
  std::cout << "souk-node: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", passivating "
            << (*node)->live_sessions() << " live sessions" << std::endl;
  if (server) server->stop();  // no new requests; those in flight are answered or dropped
  verifier.reset();
  (*node)->shutdown();
  api.reset();                     // stops its relay actors
  system.await_all_actors_done();  // the streams end with their sessions
  if (log) log->flush();
  auto stats = (*node)->journal().stats();
  std::cout << "souk-node: stopped; " << stats.appended_events << " events appended in "
            << stats.commits << " commits this run" << std::endl;
  return 0;
}
