// HTTP requests, parsed as the server parses them and routed by the gateway of a real
// node (its journal in memory, the sample catalog, the example callers' keys). Every
// request is answered; none with a 5xx but a deliberate 503; every refusal is a
// souk.v1.Error in JSON; the node answers /healthz after each.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <google/protobuf/util/json_util.h>

#include "fuzz_shop.hpp"
#include "runtime/gateway/gateway.hpp"
#include "runtime/node.hpp"
#include "session/session_actor.hpp"

using namespace souk;
namespace http = boost::beast::http;

namespace {

// The way back to the request, kept by the test: the answer (or the opened stream,
// closed at once), waited for.
struct captured final : gateway::responder {
  std::mutex mutex;
  std::condition_variable done;
  bool answered = false;
  unsigned status = 0;
  std::string body;
  void reply(gateway::http_response response) override {
    std::lock_guard<std::mutex> lock(mutex);
    status = response.result_int();
    body = std::move(response.body());
    answered = true;
    done.notify_all();
  }
  void open_stream(const std::string&) override {
    std::lock_guard<std::mutex> lock(mutex);
    status = 200;
    answered = true;
    done.notify_all();
  }
  void send(std::string) override {}
  void end() override {}
  bool closed() const override { return true; }  // the client left at once
  bool wait() {
    std::unique_lock<std::mutex> lock(mutex);
    return done.wait_for(lock, std::chrono::seconds(30), [&] { return answered; });
  }
};

struct shop_node {
  struct config : caf::actor_system_config {
    config() {
      session::add_session_message_types(*this);
      set("scheduler.max-threads", 2);
    }
  } cfg;
  caf::actor_system system{cfg};
  fuzz::scratch_dir dir{"http"};
  std::ofstream log_sink{"/dev/null"};
  runtime::transition_log log{log_sink};
  std::unique_ptr<runtime::node> node;
  std::unique_ptr<gateway::gateway> api;

  shop_node() {
    runtime::node_options options;
    options.data_dir = dir.str();
    options.log = &log;
    options.idle_timeout = std::chrono::seconds(5);
    auto opened = runtime::node::open(system, options);
    SOUK_FUZZ_CHECK(opened.has_value());
    node = std::move(*opened);
    std::ifstream catalog(SOUK_SAMPLE_CATALOG);
    SOUK_FUZZ_CHECK(node->reference().load_jsonl(catalog).has_value());
    std::vector<std::string> entries;
    for (auto [agent, key, scopes] :
         {std::tuple{"chat-agent", "chat-agent-key", "session:read session:write"},
          std::tuple{"support", "support-key", "session:read"},
          std::tuple{"inventory-sync", "inventory-key", "inventory:publish"},
          std::tuple{"payments", "payment-key", "session:read session:write payment:authorize"},
          std::tuple{"crm", "crm-key", "customer:publish"},
          std::tuple{"ops", "ops-key", "admin"}})
      entries.push_back(std::string(agent) + " " + gateway::hash_key(key) + " " + scopes);
    auto keys = gateway::api_keys::parse(entries);
    SOUK_FUZZ_CHECK(keys.has_value());
    api = std::make_unique<gateway::gateway>(system, *node, std::move(*keys), nullptr);
  }
};

shop_node& shop() {
  static shop_node* instance = new shop_node;  // lives as long as the process
  return *instance;
}

captured& ask(gateway::http_request request, const std::shared_ptr<captured>& out) {
  shop().api->handle(std::move(request), out);
  SOUK_FUZZ_CHECK(out->wait());  // every request is answered
  return *out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  shop();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(1 << 20);
  parser.header_limit(16 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the server answers 400 and closes
  auto out = std::make_shared<captured>();
  auto& answer = ask(parser.release(), out);
  SOUK_FUZZ_CHECK(answer.status < 500 || answer.status == 503);
  if (answer.status >= 400) {
    v1::Error error;
    SOUK_FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(answer.body, &error).ok());
    SOUK_FUZZ_CHECK(error.code() != v1::ERROR_CODE_UNSPECIFIED);
  }
  gateway::http_request health{http::verb::get, "/healthz", 11};
  auto alive = std::make_shared<captured>();
  SOUK_FUZZ_CHECK(ask(std::move(health), alive).status == 200);
  return 0;
}
