#include "tools/souk-node/config.hpp"

#include <algorithm>
#include <thread>
#include <tuple>

#include <boost/asio/ip/address.hpp>
#include <caf/config_value.hpp>

#include "session/session_actor.hpp"
#include "session/transfer.hpp"
#include "session/validate.hpp"

namespace souk::node_tool {
namespace {

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

// HOST:PORT, HOST an IP address (IPv6 in brackets) or localhost, PORT 0-65535.
bool split_http(const std::string& http, std::string& host, unsigned short& port) {
  const auto colon = http.rfind(':');
  if (colon == std::string::npos || colon + 1 == http.size() || http.size() - colon > 6)
    return false;
  unsigned long number = 0;
  for (char c : http.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    number = number * 10 + static_cast<unsigned long>(c - '0');
  }
  if (number > 65535) return false;
  host = http.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  port = static_cast<unsigned short>(number);
  return !ec;
}

}  // namespace

node_config::node_config() {
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

int configure(node_config& cfg, int argc, char** argv, std::ostream& err) {
  auto args = caf_style(argc, argv);
  std::vector<char*> argv2{argc > 0 ? argv[0] : nullptr};
  for (auto& a : args) argv2.push_back(a.data());
  if (auto error = cfg.parse(static_cast<int>(argv2.size()), argv2.data())) {
    err << "souk-node: " << to_string(error) << " (see --help)\n";
    return 2;
  }
  if (cfg.cli_helptext_printed) return 0;
  if (auto keys = session::transfer_keys::parse(cfg.transfer_keys); !keys) {
    err << "souk-node: gateway.transfer-keys: " << keys.error().message() << "\n";
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
      err << "souk-node: " << name << " must be between " << range << "\n";
      return 2;
    }
  // Counts and sizes: beyond these a thread or a buffer cannot be had, or a product
  // overflows (zeros ahead are MiB << 20).
  for (auto [name, value, least, most] :
       {std::tuple{"gateway.threads", cfg.http_threads, std::size_t{1}, std::size_t{64}},
        std::tuple{"gateway.max-connections", cfg.max_connections, std::size_t{1},
                   std::size_t{1} << 20},
        std::tuple{"gateway.body-limit", cfg.body_limit, std::size_t{1024}, std::size_t{1} << 30},
        std::tuple{"gateway.verify-sample", cfg.verify_sample, std::size_t{1}, std::size_t{1} << 20},
        std::tuple{"snapshot-every", cfg.snapshot_every, std::size_t{1}, std::size_t{1} << 20},
        std::tuple{"max-live-sessions", cfg.max_live_sessions, std::size_t{1}, std::size_t{1} << 30},
        std::tuple{"journal-preallocate-mb", cfg.journal_preallocate_mb, std::size_t{0},
                   std::size_t{1} << 20},
        std::tuple{"scheduler.max-threads",
                   caf::get_or(cfg, "scheduler.max-threads", std::size_t{1}), std::size_t{1},
                   std::size_t{256}}})
    if (value < least || value > most) {
      err << "souk-node: " << name << " must be between " << least << " and " << most << "\n";
      return 2;
    }
  if (cfg.node_id.empty() || !session::valid_identifier(cfg.node_id)) {
    err << "souk-node: node-id must be 1-128 bytes of UTF-8 without control characters\n";
    return 2;
  }
  auto keys = gateway::api_keys::parse(cfg.api_keys);
  if (!keys) {
    err << "souk-node: gateway.api-keys: " << keys.error().message() << "\n";
    return 2;
  }
  cfg.keys = std::move(*keys);
  if (cfg.http.empty()) return -1;
  if (!split_http(cfg.http, cfg.http_host, cfg.http_port)) {
    err << "souk-node: --http wants HOST:PORT (an IP address or localhost, a port up to "
           "65535)\n";
    return 2;
  }
  boost::system::error_code ec;
  const bool loopback = boost::asio::ip::make_address(cfg.http_host, ec).is_loopback();
  if (!cfg.demo && !loopback) {
    if (auto guessable = cfg.keys.example_keys(); !guessable.empty()) {
      err << "souk-node: refusing to serve " << cfg.http_host << " with the example API keys of "
          << guessable.size() << " agents (" << guessable.front()
          << "...): anybody can guess them. Make your own (soukctl hash-key), serve on "
             "loopback, or say --demo\n";
      return 2;
    }
  }
  return -1;
}

}  // namespace souk::node_tool
