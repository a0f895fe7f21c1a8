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
#include <vector>

#include <caf/actor_system.hpp>

#include "runtime/gateway/gateway.hpp"
#include "runtime/gateway/verifier.hpp"
#include "runtime/node.hpp"
#include "session/validate.hpp"
#include "tools/souk-node/config.hpp"

using namespace souk;

int main(int argc, char** argv) {
  // Blocked before any thread starts, so that every thread inherits the mask and the
  // signals reach sigwait below instead of killing the process mid-commit.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  node_tool::node_config cfg;
  if (int exit_code = node_tool::configure(cfg, argc, argv, std::cerr); exit_code >= 0)
    return exit_code;
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
  auto node = runtime::node::open(system, options);
  if (!node) {
    std::cerr << "souk-node: " << node.error().message() << "\n";
    return 3;
  }
  if (!cfg.load_catalog.empty()) {
    std::ifstream in(cfg.load_catalog);
    if (!std::filesystem::is_regular_file(cfg.load_catalog)) in.setstate(std::ios::failbit);
    auto counts = in ? (*node)->reference().load_jsonl(in, session::check_limits)
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
    gateway::verifier_options vopts;
    vopts.interval = std::chrono::duration_cast<std::chrono::milliseconds>(cfg.verify_interval);
    vopts.sample = cfg.verify_sample;
    verifier = std::make_unique<gateway::verifier>(system, **node, vopts);
    api = std::make_unique<gateway::gateway>(system, **node, std::move(cfg.keys), verifier.get());
    gateway::http_limits limits;
    limits.max_connections = cfg.max_connections;
    limits.body_limit = cfg.body_limit;
    limits.request_timeout =
        std::chrono::duration_cast<std::chrono::milliseconds>(cfg.request_timeout);
    server = std::make_unique<gateway::http_server>(*api, limits);
    if (auto error = server->start(cfg.http_host, cfg.http_port, cfg.http_threads);
        !error.empty()) {
      std::cerr << "souk-node: " << error << "\n";
      return 3;
    }
    std::cout << "souk-node: HTTP on " << cfg.http_host << ":" << server->port()
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
