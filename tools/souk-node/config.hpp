#pragma once

// souk-node's configuration: its options, read from the command line and the config
// file (CAF's INI style), and every value checked before the node opens anything.
#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <caf/actor_system_config.hpp>

#include "runtime/gateway/api_keys.hpp"

namespace souk::node_tool {

/// Every option of souk-node, with its default; an actor system is made from it.
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

  // Filled by configure(): the parsed --http and gateway.api-keys.
  std::string http_host;
  unsigned short http_port = 0;
  gateway::api_keys keys;

  node_config();
};

/// Reads `argv` into `cfg` ("--http 127.0.0.1:8080" and "--config FILE" as well as CAF's
/// "--http=..." and "--config-file=...") and checks every value: durations in range,
/// keys well-formed, HOST:PORT, no example API key beyond loopback unless --demo.
/// Returns -1 to go on, else the exit code (0 after --help, 2 for a bad option), having
/// said why on `err`.
int configure(node_config& cfg, int argc, char** argv, std::ostream& err);

}  // namespace souk::node_tool
