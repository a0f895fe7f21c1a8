// The OpenAI-compatible brain against a small local server that speaks the protocol.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "agents/openai_brain.hpp"

using namespace souk;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

struct one_product : agents::catalog {
  std::vector<v1::Product> items;
  one_product() {
    auto& p = items.emplace_back();
    p.set_sku("SKU-123");
    p.set_name("Trail Jacket");
  }
  const std::vector<v1::Product>& products() const override { return items; }
  std::optional<v1::Product> product(const std::string& sku) const override {
    if (sku == "SKU-123") return items[0];
    return std::nullopt;
  }
  std::optional<int64_t> stock(const std::string&, const std::string&) const override {
    return std::nullopt;
  }
};

// Serves chat completions on 127.0.0.1: checks the key and model, records the user's
// message, answers `content` (or `status` if not 200).
struct fake_llm {
  boost::asio::io_context io;
  tcp::acceptor acceptor{io, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  std::string content;
  http::status status = http::status::ok;
  std::string last_user_message, last_model;
  std::thread thread;
  std::atomic<bool> stopping{false};

  fake_llm() {
    thread = std::thread([this] {
      for (;;) {
        tcp::socket socket(io);
        beast::error_code ec;
        acceptor.accept(socket, ec);
        if (ec || stopping) return;
        beast::flat_buffer buffer;
        http::request<http::string_body> request;
        http::read(socket, buffer, request, ec);
        if (ec) continue;
        http::response<http::string_body> response;
        response.version(11);
        response.set(http::field::content_type, "application/json");
        if (request.target() != "/v1/chat/completions") {
          response.result(http::status::not_found);
        } else if (request[http::field::authorization] != "Bearer test-key") {
          response.result(http::status::unauthorized);
          response.body() = R"({"error": {"message": "bad key"}})";
        } else {
          google::protobuf::Struct body;
          (void)google::protobuf::util::JsonStringToMessage(request.body(), &body);
          last_model = body.fields().at("model").string_value();
          last_user_message = body.fields().at("messages").list_value().values(1)
                                  .struct_value().fields().at("content").string_value();
          response.result(status);
          google::protobuf::Struct answer;
          auto& message = *(*answer.mutable_fields())["choices"].mutable_list_value()->add_values()
                               ->mutable_struct_value()->mutable_fields();
          auto& fields = *message["message"].mutable_struct_value()->mutable_fields();
          fields["role"].set_string_value("assistant");
          fields["content"].set_string_value(content);
          (void)google::protobuf::util::MessageToJsonString(answer, &response.body());
        }
        response.prepare_payload();
        http::write(socket, response, ec);
      }
    });
  }
  ~fake_llm() {
    // A blocking accept is not interrupted by closing the acceptor from another
    // thread: wake it with a connection it will recognise as the last.
    stopping = true;
    boost::asio::io_context wake_io;
    tcp::socket wake(wake_io);
    beast::error_code ignored;
    wake.connect(acceptor.local_endpoint(), ignored);
    thread.join();
  }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()) + "/v1";
  }
};

agents::openai_brain brain_for(const fake_llm& server, const std::string& key = "test-key") {
  agents::openai_brain::options opts;
  opts.base_url = server.url();
  opts.model = "souk-test-model";
  opts.api_key = key;
  opts.timeout = std::chrono::seconds(5);
  return agents::openai_brain(opts, std::make_shared<one_product>());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(agents_openai_brain)

BOOST_AUTO_TEST_CASE(a_plan_comes_back_from_the_completion) {
  fake_llm server;
  server.content = "```json\n{\"reply\": \"The Trail Jacket is $129.\", \"commands\": "
                   "[{\"viewProduct\": {\"sku\": \"SKU-123\"}}], \"decision\": {\"kind\": "
                   "\"show_product\", \"reason\": \"named it\", \"confidence\": 0.9}}\n```";
  auto brain = brain_for(server);
  v1::SessionState state;
  auto plan = brain.plan(state, "show me the trail jacket");
  BOOST_REQUIRE_MESSAGE(plan, (plan ? "" : plan.error().message()));
  BOOST_TEST(plan->reply == "The Trail Jacket is $129.");
  BOOST_REQUIRE(plan->commands.size() == 1u);
  BOOST_TEST(plan->commands[0].view_product().sku() == "SKU-123");
  BOOST_TEST(plan->decision.kind() == "show_product");
  BOOST_TEST(server.last_user_message == "show me the trail jacket");
  BOOST_TEST(server.last_model == "souk-test-model");
}

BOOST_AUTO_TEST_CASE(anything_but_a_plan_is_an_error_not_a_guess) {
  fake_llm server;
  v1::SessionState state;
  server.content = "Sure! I'd love to help.";
  BOOST_TEST(!brain_for(server).plan(state, "hi"));
  server.content = R"({"reply": "ok", "commands": [{"launchRocket": {}}]})";
  BOOST_TEST(!brain_for(server).plan(state, "hi"));
  server.content = R"({"reply": "ok"})";
  server.status = http::status::internal_server_error;
  auto failed = brain_for(server).plan(state, "hi");
  BOOST_REQUIRE(!failed);
  BOOST_TEST(failed.error().message().find("HTTP 500") != std::string::npos);
  server.status = http::status::ok;
  auto unauthorized = brain_for(server, "wrong-key").plan(state, "hi");
  BOOST_REQUIRE(!unauthorized);
  BOOST_TEST(unauthorized.error().message().find("HTTP 401") != std::string::npos);
  agents::openai_brain::options nowhere;
  nowhere.base_url = "http://127.0.0.1:1/v1";
  BOOST_TEST(!agents::openai_brain(nowhere, std::make_shared<one_product>()).plan(state, "hi"));
}

BOOST_AUTO_TEST_SUITE_END()
