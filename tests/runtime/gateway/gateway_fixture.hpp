#pragma once

// A node with its gateway on a free loopback port, six callers (one per scope), and
// helpers to speak to it over real sockets.
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>
#include <google/protobuf/util/json_util.h>

#include "caf_fixture.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/gateway/http_client.hpp"
#include "runtime/gateway/verifier.hpp"
#include "store_fixture.hpp"

namespace souk::testing {


using gateway::http_client;
using gateway::http_reply;

inline std::string entry(const std::string& agent, const std::string& key, const std::string& scopes) {
  return agent + " " + gateway::hash_key(key) + " " + scopes;
}

struct gateway_fixture : caf_system {
  temp_dir dir;
  std::ostringstream log_text;
  runtime::transition_log log{log_text};
  std::unique_ptr<runtime::node> node;
  std::unique_ptr<gateway::verifier> verifier;
  std::unique_ptr<gateway::gateway> api;
  std::unique_ptr<gateway::http_server> server;
  std::string base;

  explicit gateway_fixture(gateway::http_limits limits = {}) {
    runtime::node_options options;
    options.data_dir = dir.path.string();
    options.journal_written_ahead = 1u << 20;
    options.log = &log;
    auto n = runtime::node::open(system, options);
    BOOST_REQUIRE(n);
    node = std::move(*n);
    std::ifstream catalog(SOUK_SAMPLE_CATALOG);
    BOOST_REQUIRE(node->reference().load_jsonl(catalog));
    auto keys = gateway::api_keys::parse({
        entry("chat-agent", "chat-key", "session:read session:write"),
        entry("support", "support-key", "session:read"),
        entry("inventory-sync", "inventory-key", "inventory:publish"),
        entry("payments", "payment-key", "session:read session:write payment:authorize"),
        entry("crm", "crm-key", "customer:publish"),
        entry("ops", "admin-key", "admin"),
    });
    BOOST_REQUIRE(keys);
    gateway::verifier_options vopts;
    vopts.interval = std::chrono::milliseconds(0);  // on demand in tests
    verifier = std::make_unique<gateway::verifier>(system, *node, vopts);
    api = std::make_unique<gateway::gateway>(system, *node, std::move(*keys), verifier.get());
    server = std::make_unique<gateway::http_server>(*api, limits);
    BOOST_REQUIRE(server->start("127.0.0.1", 0).empty());
    base = "http://127.0.0.1:" + std::to_string(server->port());
  }
  ~gateway_fixture() {
    server->stop();
    verifier.reset();
    node->shutdown();
    api.reset();
    system.await_all_actors_done();
  }
  http_client as(const std::string& key) { return http_client(base, key); }
  http_reply command(const std::string& key, const std::string& session, const std::string& body,
                     std::map<std::string, std::string> headers = {}) {
    return as(key).request("POST", "/v1/sessions/" + session + "/commands", body, headers);
  }
  void start(const std::string& session) {
    auto r = command("chat-key", session, R"({"startSession":{"customerId":"cust-1","channel":"chat"}})");
    BOOST_REQUIRE_EQUAL(r.status, 200u);
  }
  std::string code(const http_reply& r) {
    v1::Error e;
    BOOST_REQUIRE(google::protobuf::util::JsonStringToMessage(r.body, &e).ok());
    return v1::ErrorCode_Name(e.code());
  }
  v1::SessionState state(const std::string& session, const std::string& query = "") {
    auto r = as("support-key").get("/v1/sessions/" + session + query);
    BOOST_REQUIRE_EQUAL(r.status, 200u);
    v1::SessionState s;
    BOOST_REQUIRE(google::protobuf::util::JsonStringToMessage(r.body, &s).ok());
    return s;
  }
  std::string metrics() { return http_client(base).get("/metrics").body; }
};

inline const char* add_one = R"({"addToCart":{"sku":"SKU-123","variantId":"blue-m","quantity":"1"}})";

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace souk::testing
