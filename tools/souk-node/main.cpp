// souk-node: runs a node on a data directory (embedded LMDB) until SIGINT or SIGTERM,
// then passivates every live session (final snapshots) and exits.
// Options come from the command line and the config file, in CAF's style:
//   souk-node --data-dir=data --load-catalog=tools/catalog/sample-catalog.jsonl
//   souk-node --config-file=souk.ini      (default: caf-application.ini if present)
//   souk-node --help
#include <pthread.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "runtime/node.hpp"
#include "session/session_actor.hpp"

namespace {

using namespace souk;

struct node_config : caf::actor_system_config {
  std::string data_dir = "data";
  std::string node_id = "node-1";
  std::string load_catalog;
  size_t snapshot_every = 100;
  size_t idle_timeout_ms = 3600 * 1000;
  size_t max_live_sessions = 100000;

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
        .add_ms(idle_timeout_ms, "idle-timeout", "passivate a session idle this long (ms)")
        .add(max_live_sessions, "max-live-sessions",
             "live sessions beyond this passivate, least recently used first");
  }
};

}  // namespace

int main(int argc, char** argv) {
  // Blocked before any thread starts, so that every thread inherits the mask and the
  // signals reach sigwait below instead of killing the process mid-commit.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  node_config cfg;
  if (auto error = cfg.parse(argc, argv)) {
    std::cerr << "souk-node: " << to_string(error) << " (see --help)\n";
    return 2;
  }
  if (cfg.cli_helptext_printed) return 0;
  caf::actor_system system{cfg};

  runtime::node_options options;
  options.data_dir = cfg.data_dir;
  options.node_id = cfg.node_id;
  options.snapshot_every = cfg.snapshot_every;
  options.idle_timeout = std::chrono::milliseconds(cfg.idle_timeout_ms);
  options.max_live_sessions = cfg.max_live_sessions;
  auto node = runtime::node::open(system, options);
  if (!node) {
    std::cerr << "souk-node: " << node.error().message() << "\n";
    return 3;
  }
  if (!cfg.load_catalog.empty()) {
    std::ifstream in(cfg.load_catalog);
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
  std::cout << "souk-node: " << options.node_id << " serving " << options.data_dir
            << " (Ctrl-C or SIGTERM to stop)" << std::endl;

  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cout << "souk-node: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", passivating "
            << (*node)->live_sessions() << " live sessions" << std::endl;
  (*node)->shutdown();
  auto stats = (*node)->journal().stats();
  std::cout << "souk-node: stopped; " << stats.appended_events << " events appended in "
            << stats.commits << " commits this run" << std::endl;
  return 0;
}
