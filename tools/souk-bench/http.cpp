// souk-bench http: durable mutations and state reads through the HTTP gateway over
// keep-alive connections, driven by wrk (Debian's) on loopback against a node in this
// process. wrk shares the 2 cores with the node: the numbers include that cost.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <caf/actor_system.hpp>

#include "actor_config.hpp"
#include "bench.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/node.hpp"
#include "runtime/node_client.hpp"
#include "session/scopes.hpp"

namespace souk::bench {
namespace {

const char* bench_key = "bench-key";

struct wrk_result {
  double requests_per_s = 0, p50_us = 0, p99_us = 0;
  std::size_t requests = 0, non_2xx = 0, socket_errors = 0;
};

double to_us(double value, const std::string& unit) {
  if (unit == "us") return value;
  if (unit == "ms") return value * 1000;
  if (unit == "s") return value * 1e6;
  return value;
}

wrk_result run_wrk(const fs::path& script, unsigned short port, double seconds,
                   std::size_t connections) {
  std::ostringstream command;
  command << "wrk -t1 -c" << connections << " -d" << static_cast<int>(seconds)
          << "s --latency -s " << script << " http://127.0.0.1:" << port << "/ 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.str().c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run wrk (apt-get install wrk)");
  std::string out;
  char buf[4096];
  while (auto n = fread(buf, 1, sizeof buf, pipe.get())) out.append(buf, n);
  wrk_result r;
  std::smatch m;
  if (!std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))")))
    throw std::runtime_error("wrk said:\n" + out);
  r.requests_per_s = std::stod(m[1]);
  if (std::regex_search(out, m, std::regex(R"((\d+) requests in)"))) r.requests = std::stoul(m[1]);
  if (std::regex_search(out, m, std::regex(R"(50%\s+([0-9.]+)(us|ms|s))")))
    r.p50_us = to_us(std::stod(m[1]), m[2]);
  if (std::regex_search(out, m, std::regex(R"(99%\s+([0-9.]+)(us|ms|s))")))
    r.p99_us = to_us(std::stod(m[1]), m[2]);
  if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+(\d+))")))
    r.non_2xx = std::stoul(m[1]);
  if (std::regex_search(out, m, std::regex(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))")))
    r.socket_errors = std::stoul(m[1]) + std::stoul(m[2]) + std::stoul(m[3]) + std::stoul(m[4]);
  if (r.socket_errors) std::cerr << "souk-bench http: wrk reported socket errors:\n" << out;
  return r;
}

// A wrk script: each request goes to a random one of `sessions` sessions. The requests
// are formatted once, in init, so that wrk (which shares the cores with the node) spends
// its time sending them rather than in Lua building the same strings again.
fs::path write_script(const fs::path& dir, const std::string& name, const std::string& method,
                      const std::string& suffix, const std::string& body, std::size_t sessions) {
  auto path = dir / (name + ".lua");
  std::ofstream lua(path);
  lua << "local requests = {}\n"
      << "init = function(args)\n"
      << "  local headers = {[\"Authorization\"] = \"Bearer " << bench_key
      << "\", [\"Content-Type\"] = \"application/json\"}\n"
      << "  local body = " << (body.empty() ? "nil" : "[[" + body + "]]") << "\n"
      << "  for s = 0, " << sessions - 1 << " do\n"
      << "    requests[s + 1] = wrk.format(\"" << method << "\", \"/v1/sessions/http-\" .. s .. \""
      << suffix << "\", headers, body)\n"
      << "  end\n"
      << "end\n"
      << "request = function()\n"
      << "  return requests[math.random(" << sessions << ")]\n"
      << "end\n";
  return path;
}

}  // namespace

std::vector<row> run_http(const options& opts) {
  if (std::system("command -v wrk > /dev/null") != 0)
    throw std::runtime_error("souk-bench http needs wrk: apt-get install wrk");
  std::vector<row> rows;
  actor_config cfg;
  caf::actor_system system{cfg};
  runtime::node_options node_options;
  node_options.data_dir = (opts.dir / "http").string();
  auto node = runtime::node::open(system, node_options);
  if (!node) throw std::runtime_error(node.error().message());
  const std::size_t sessions = opts.sessions;
  {
    runtime::node_client client(system, **node);
    for (std::size_t i = 0; i < sessions; ++i) {
      v1::Command c;
      c.set_command_id("start-" + std::to_string(i));
      c.set_session_id("http-" + std::to_string(i));
      c.set_agent_id("bench");
      c.add_scopes(std::string(session::scope::session_write));
      c.mutable_start_session()->set_customer_id("cust-" + std::to_string(i));
      auto reply = client.run(c);
      if (reply.has_error()) throw std::runtime_error(reply.error().message());
    }
  }
  auto keys = gateway::api_keys::parse(
      {"bench " + gateway::hash_key(bench_key) + " session:read session:write"});
  if (!keys) throw std::runtime_error(keys.error().message());
  gateway::gateway_options gateway_options;
  if (const char* relays = std::getenv("SOUK_HTTP_RELAYS")) gateway_options.relays = std::strtoul(relays, nullptr, 10);
  gateway::gateway api(system, **node, std::move(*keys), nullptr, gateway_options);
  gateway::http_limits limits;
  gateway::http_server server(api, limits);
  const char* threads = std::getenv("SOUK_HTTP_THREADS");
  if (auto error = server.start("127.0.0.1", 0, threads ? std::atoi(threads) : 2); !error.empty())
    throw std::runtime_error(error);
  auto measure = [&](const std::string& scenario, const fs::path& script,
                     std::size_t connections) {
    // The previous run's connections close and its last commands finish first.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto before = (*node)->journal().stats().appended_events;
    auto r = run_wrk(script, server.port(), std::max(2.0, opts.seconds), connections);
    auto appended = (*node)->journal().stats().appended_events - before;
    row out;
    out.scenario = scenario;
    out.system = "souk-http";
    out.ops_per_s = r.requests_per_s;
    out.p50_us = r.p50_us;
    out.p99_us = r.p99_us;
    out.sessions = sessions;
    out.events = appended;
    out.note = std::to_string(connections) + " keep-alive connections, wrk -t1; " +
               std::to_string(r.non_2xx) + " non-2xx, " + std::to_string(r.socket_errors) +
               " socket errors";
    if (r.non_2xx || r.socket_errors) out.note += " (FAILED REQUESTS)";
    // Every acknowledged mutation appended an event: fewer events than answers means
    // wrk counted something that was not a durable mutation.
    if (scenario == "http-mutations" && appended < r.requests) {
      out.note += " (" + std::to_string(r.requests - appended) + " ANSWERS WITHOUT EVENTS)";
      out.ops_per_s = 0;  // not a measurement of durable mutations
    }
    record(rows, std::move(out), opts);
  };
  auto wanted = [&](const char* what) { return opts.only.empty() || opts.only == what; };
  // Mutations at two concurrencies: more connections in flight put more events in each
  // commit (throughput) and wait longer for it (latency).
  if (wanted("mutations")) {
    auto script = write_script(opts.dir, "mutations", "POST", "/commands",
                               R"({"recordCustomerMessage":{"channel":"chat","text":"is the trail jacket waterproof?"}})",
                               sessions);
    measure("http-mutations", script, 64);
    measure("http-mutations", script, 256);
  }
  if (wanted("reads"))
    measure("http-reads", write_script(opts.dir, "reads", "GET", "", "", sessions), 64);
  server.stop();
  (*node)->shutdown();
  return rows;
}

std::vector<check> http_checks(const std::vector<row>& rows) {
  std::vector<check> checks;
  double mutations = 0;
  for (const auto& r : rows)
    if (r.scenario == "http-mutations") mutations = std::max(mutations, r.ops_per_s);
  if (mutations > 0)
    checks.push_back({"durable mutations/s over HTTP (best concurrency)", mutations, 20000, true});
  for (const auto& r : rows) {
    if (r.scenario == "http-reads")
      checks.push_back({"state reads/s over HTTP", r.ops_per_s, 50000, true});
  }
  return checks;
}

}  // namespace souk::bench
