// Hostile input against every route of a real gateway: no request stops the node, none
// gets a 5xx but a deliberate 503, a refused one changes nothing, answers are JSON, and
// what is logged of a refusal is its code and field, never what the caller sent.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <google/protobuf/util/json_util.h>

#include "gateway_fixture.hpp"

namespace souk {
namespace {

using gateway::http_reply;
using testing::contains;
using testing::gateway_fixture;

// Sends `raw` (whole requests, as bytes) on a new connection and reads until the
// server closes it.
std::string exchange(unsigned short port, const std::string& raw) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  boost::asio::write(socket, boost::asio::buffer(raw));
  std::string out;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::dynamic_buffer(out), ec);
  return out;
}

std::size_t count(const std::string& text, const std::string& part) {
  std::size_t n = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// A refusal's body is a souk.v1.Error in JSON (protobuf's parser refuses broken JSON and
// invalid UTF-8).
bool refusal_is_json(const http_reply& r) {
  if (r.status == 200u || r.body.empty()) return true;
  v1::Error error;
  return google::protobuf::util::JsonStringToMessage(r.body, &error).ok() && error.code() != 0;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_gateway_hostile)

BOOST_AUTO_TEST_CASE(times_far_in_the_past_are_refused_and_the_node_goes_on) {
  gateway_fixture f;
  f.start("s1");
  auto support = f.as("support-key");
  for (const char* query : {"?at=-999999999d", "?at=-3650000d", "?at=-100000000h",
                            "/diff?from=-999999999d", "/diff?from=1&to=-999999999d",
                            "?at=0000-01-01T00:00:00Z", "?at=99999-01-01T00:00:00Z"}) {
    auto r = support.get(std::string("/v1/sessions/s1") + query);
    BOOST_TEST(r.status == 400u, query);
    BOOST_TEST(f.code(r) == "ERROR_CODE_INVALID_ARGUMENT");
  }
  BOOST_TEST(support.get("/healthz").status == 200u);
  BOOST_TEST(support.get("/v1/sessions/s1?at=-1d").status == 404u);  // before it began
}

BOOST_AUTO_TEST_CASE(error_bodies_are_json_whatever_the_request_held) {
  gateway_fixture f;
  f.start("s1");
  // Bytes that are not UTF-8, percent-encoded in a query the error message quotes.
  const std::string raw = "GET /v1/sessions/s1?at=%ff%fe-1d HTTP/1.1\r\nHost: x\r\n"
                          "Authorization: Bearer support-key\r\nConnection: close\r\n\r\n";
  auto answer = exchange(f.server->port(), raw);
  auto body = answer.substr(answer.find("\r\n\r\n") + 4);
  BOOST_TEST(contains(answer, "HTTP/1.1 400"));
  BOOST_TEST(body.find('\xff') == std::string::npos, body);
  BOOST_TEST(body.find('\xfe') == std::string::npos, body);
  BOOST_TEST(contains(body, "\\ufffd"));
  v1::Error error;
  BOOST_TEST(google::protobuf::util::JsonStringToMessage(body, &error).ok(), body);
  // Raw bytes in the request line: not HTTP, 400 all the same.
  answer = exchange(f.server->port(), "GET /v1/\xff\x01 HTTP/1.1\r\nHost: x\r\n\r\n");
  BOOST_TEST(contains(answer, "HTTP/1.1 400"), answer);
  BOOST_TEST(google::protobuf::util::JsonStringToMessage(
                 answer.substr(answer.find("\r\n\r\n") + 4), &error).ok(), answer);
  auto bad = f.command("chat-key", "s1", "{\"viewProduct\":{\"sku\":\"\xff\"}}");
  BOOST_TEST(bad.status == 400u);
  BOOST_TEST(google::protobuf::util::JsonStringToMessage(bad.body, &error).ok(), bad.body);
  BOOST_TEST(error.field() == "viewProduct.sku");
}

BOOST_AUTO_TEST_CASE(head_answers_the_headers_of_get_and_keeps_the_connection_framed) {
  gateway_fixture f;
  f.start("s1");
  const std::string head = "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  auto answer = exchange(f.server->port(), head + get);
  BOOST_TEST(count(answer, "HTTP/1.1 200 OK") == 2u, answer);
  BOOST_TEST(count(answer, R"("status":"ok")") == 1u, answer);  // the GET's body only
  auto length = answer.substr(answer.find("Content-Length: ") + 16);
  BOOST_TEST(std::stoul(length) > 0u);  // HEAD says how long the GET's body is
  const std::string state = "HEAD /v1/sessions/s1 HTTP/1.1\r\nHost: x\r\n"
                            "Authorization: Bearer support-key\r\nConnection: close\r\n\r\n";
  answer = exchange(f.server->port(), state);
  BOOST_TEST(contains(answer, "HTTP/1.1 200 OK"));
  BOOST_TEST(contains(answer, "ETag: \"1\""));
  BOOST_TEST(answer.substr(answer.find("\r\n\r\n") + 4).empty());
}

BOOST_AUTO_TEST_CASE(a_session_that_never_started_is_not_found) {
  gateway_fixture f;
  auto refused = f.command("chat-key", "ghost", R"({"viewProduct":{"sku":"SKU-123"}})");
  BOOST_TEST(refused.status == 422u);
  BOOST_TEST(f.code(refused) == "ERROR_CODE_SESSION_NOT_STARTED");
  auto support = f.as("support-key");
  BOOST_TEST(support.get("/v1/sessions/ghost").status == 404u);
  BOOST_TEST(support.get("/v1/sessions/ghost/events").status == 404u);
  BOOST_TEST(support.get("/v1/sessions/ghost/transfer").status == 404u);
}

BOOST_AUTO_TEST_CASE(identifiers_too_long_or_malformed_get_400_not_503) {
  gateway_fixture f;
  f.start("s1");
  const std::string long_id(600, 'S');
  const std::vector<std::string> bodies = {
      R"({"addToCart":{"sku":")" + long_id + R"(","quantity":"1"}})",
      R"({"addToCart":{"sku":"SKU-123","variantId":")" + long_id + R"(","quantity":"1"}})",
      R"({"applyDiscount":{"code":")" + long_id + R"("}})",
      R"({"applyDiscount":{"code":"MARCH\u000010"}})",
      R"({"viewProduct":{"sku":"SKU\u0000123"}})",
      R"({"startSession":{"customerId":")" + long_id + R"("}})",
  };
  for (const auto& body : bodies) {
    auto r = f.command("chat-key", "s1", body);
    BOOST_TEST(r.status == 400u, body.substr(0, 60));
  }
  auto inv = f.as("inventory-key");
  BOOST_TEST(inv.post("/v1/inventory", R"({"sku":")" + long_id + R"(","available":"1"})").status == 400u);
  BOOST_TEST(inv.post("/v1/discounts", R"({"code":")" + long_id + R"(","percentOffBp":100,"active":true})").status == 400u);
  auto crm = f.as("crm-key");
  BOOST_TEST(crm.post("/v1/customers/" + long_id, "{}").status == 400u);
  for (const char* id : {"..", ".", "%00", "a%0Ab", "%ff"})
    BOOST_TEST(crm.post(std::string("/v1/customers/") + id, "{}").status == 400u, id);
  BOOST_TEST(f.node->journal().version("s1") == 1u);
}

// The chat agent may hand a session to another agent; what it does is recorded as its
// own, not as the receiver's.
BOOST_AUTO_TEST_CASE(a_handoff_is_recorded_as_the_caller_not_the_target) {
  gateway_fixture f;
  f.start("s1");
  auto r = f.as("chat-key").post("/v1/sessions/s1/handoff", R"({"toAgentId":"payments"})");
  BOOST_TEST(r.status == 200u, r.body);
  auto events = *f.node->journal().events("s1");
  for (const auto& e : events) BOOST_TEST(e.agent_id() == "chat-agent", e.ShortDebugString());
  BOOST_TEST(events.back().session_handed_off().to_agent_id() == "payments");
  BOOST_TEST(f.state("s1").owner_agent_id() == "payments");
  // The receiver acting under its own key is recorded as itself.
  BOOST_REQUIRE(f.command("payment-key", "s1", R"({"viewProduct":{"sku":"SKU-123"}})").status == 200u);
  BOOST_TEST(f.node->journal().events("s1")->back().agent_id() == "payments");
}

BOOST_AUTO_TEST_CASE(refused_handoffs_and_transfers_answer_4xx_with_a_code) {
  gateway_fixture f;
  f.start("s1");
  auto chat = f.as("chat-key");
  auto exported = f.as("support-key").get("/v1/sessions/s1/transfer?to=email-agent");
  BOOST_REQUIRE(exported.status == 200u);
  BOOST_TEST(contains(exported.body, R"("mac":"hmac-sha256:local:)"));
  // Forged: the loyalty tier raised and the SHA-256 checksum made anew, as anybody can.
  v1::StateTransfer forged;
  BOOST_REQUIRE(google::protobuf::util::JsonStringToMessage(exported.body, &forged).ok());
  forged.mutable_payload()->mutable_state()->mutable_customer()->set_loyalty_tier("platinum");
  forged.set_checksum(session::transfer_checksum(forged.payload()));
  std::string forged_json;
  BOOST_REQUIRE(google::protobuf::util::MessageToJsonString(forged, &forged_json).ok());
  auto refused = chat.post("/v1/transfers", forged_json);
  BOOST_TEST(refused.status == 422u, refused.body);
  BOOST_TEST(f.code(refused) == "ERROR_CODE_INVALID_TRANSFER");
  BOOST_TEST(f.node->journal().version("s1") == 1u);
  // The session moved on: the honest transfer is stale now, and says so with 409.
  BOOST_REQUIRE(f.command("chat-key", "s1", R"({"viewProduct":{"sku":"SKU-123"}})").status == 200u);
  auto stale = chat.post("/v1/transfers", exported.body);
  BOOST_TEST(stale.status == 409u, stale.body);
  BOOST_TEST(f.code(stale) == "ERROR_CODE_VERSION_CONFLICT");
  // A handoff to the agent that has the session already is a rule broken: 4xx too.
  auto fresh = f.as("support-key").get("/v1/sessions/s1/transfer?to=email-agent");
  auto taken = chat.post("/v1/transfers", fresh.body);
  BOOST_TEST(taken.status == 200u, taken.body);
  BOOST_TEST(f.node->journal().events("s1")->back().agent_id() == "chat-agent");
  auto again = chat.post("/v1/sessions/s1/handoff", R"({"toAgentId":"email-agent"})");
  BOOST_TEST(again.status / 100 == 4u, again.body);
  BOOST_TEST(!contains(again.body, "\"accepted\""));
}

// Refusals are logged by code and field: an address in a broken body, a card number
// typed as a discount code, a customer id in a path never reach the log.
BOOST_AUTO_TEST_CASE(logged_refusals_carry_no_values) {
  gateway_fixture f;
  f.start("s1");
  f.command("chat-key", "s1", R"({"setShippingAddress":{"address":{"lines":["12 Marylebone Road"],"city":7}}})");
  f.command("chat-key", "s1", R"({"applyDiscount":{"code":"4111111111111111"}})");
  f.command("chat-key", "s1", "{\"learnPreference\":{\"key\":\"Ada Lovelace\\u0001\",\"value\":\"x\"}}");
  f.as("crm-key").post("/v1/customers/ada.lovelace@example.com", R"({"customerId":"someone-else"})");
  f.log.flush();
  auto text = f.log_text.str();
  BOOST_TEST(contains(text, R"("code":"ERROR_CODE_UNKNOWN_DISCOUNT")"));
  BOOST_TEST(contains(text, R"("field":"setShippingAddress.address.city")"));
  BOOST_TEST(contains(text, R"("field":"learnPreference.key")"));
  BOOST_TEST(contains(text, R"("route":"/v1/customers/{id}")"));
  for (const char* personal : {"Marylebone", "4111111111111111", "Ada Lovelace", "ada.lovelace",
                               "someone-else"})
    BOOST_TEST(!contains(text, personal), personal);
}

// A sweep over every route with bodies, paths, queries and headers a hostile caller
// might send: no 5xx but 503, the node answers after each, and nothing changes.
BOOST_AUTO_TEST_CASE(a_sweep_of_hostile_requests_changes_nothing_and_crashes_nothing) {
  gateway_fixture f;
  f.start("s1");
  BOOST_REQUIRE(f.command("chat-key", "s1", testing::add_one).status == 200u);
  auto before = f.as("support-key").get("/v1/sessions/s1").body;
  const std::string big = "9223372036854775807", small = "-9223372036854775808";
  const std::vector<std::string> bodies = {
      "", "{", "}", "[]", "null", "\"x\"", "{\"a\":", "{\"startSession\":{}}x", "\xff\xfe",
      std::string(40, '{') + std::string(40, '}'), std::string(2000, '['),
      R"({"addToCart":{"sku":"SKU-123","variantId":"blue-m","quantity":")" + big + "\"}}",
      R"({"addToCart":{"sku":"SKU-123","variantId":"blue-m","quantity":")" + small + "\"}}",
      R"({"setQuantity":{"sku":"SKU-123","variantId":"blue-m","quantity":")" + big + "\"}}",
      R"({"recordAttribute":{"name":"n","ttlSeconds":")" + big + "\"}}",
      R"({"recordAttribute":{"name":"n","ttlSeconds":")" + small + "\"}}",
      R"({"selectShippingMethod":{"method":"m","price":{"minorUnits":")" + big + R"(","currency":"USD"}}})",
      R"({"recordDecision":{"kind":"k","confidence":1e308}})",
      R"({"recordDecision":{"kind":"k","fallbacksTried":"x"}})",
      R"({"recordMigration":{"toNode":"","ownershipEpoch":")" + big + "\"}}",
      R"({"expectedVersion":"18446744073709551615","viewProduct":{"sku":"SKU-123"}})",
      R"({"summarizeTranscript":{"summary":")" + std::string(5000, 'x') + "\"}}",
      R"({"raiseQuestion":{"questionId":"q","text":")" + std::string(20000, 'x') + "\"}}",
      R"({"handOff":{"toAgentId":"..","reason":"r"}})",
      R"({"startSession":{"customerId":"\u0000"}})",
      R"({"checkout":{},"checkout":{}})",
      R"({"toAgentId":"x","toAgentId":"y"})",
      R"({"sku":"SKU-123","available":")" + small + "\"}",
      R"({"code":"Z","percentOffBp":2147483647,"active":true})",
      R"({"code":"Z","expiresAt":"9999-12-31T23:59:60Z","active":true})",
      R"({"attributes":{"\u0000":"x"}})",
      R"({"contractVersion":2,"payload":{"sessionId":"s1"}})",
  };
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"POST", "/v1/sessions/s1/commands"}, {"POST", "/v1/sessions/s1/handoff"},
      {"POST", "/v1/transfers"},            {"POST", "/v1/inventory"},
      {"POST", "/v1/discounts"},            {"POST", "/v1/customers/cust-1"},
  };
  const std::vector<std::string> targets = {
      "/v1/sessions/s1?version=" + big + "0", "/v1/sessions/s1?at=" + std::string(300, '9'),
      "/v1/sessions/s1?version=1&at=-1d", "/v1/sessions/s1/events?after=" + big + "9",
      "/v1/sessions/s1/events?limit=0", "/v1/sessions/s1/diff?from=x&to=y",
      "/v1/sessions/s1/diff?from=-999999999d", "/v1/sessions/s1/transfer?to=%00",
      "/v1/sessions/s1/transfer?reason=%ff", "/v1/sessions?limit=" + big + "9",
      "/v1/sessions?customer=%00", "/v1/sessions?q=" + std::string(200, 'q'),
      "/v1/sessions/" + std::string(300, 's'), "/v1/sessions/%2e%2e", "/v1/sessions/s1/%00",
      "/v1/%", "/%%%", "/v1/sessions/s1/verify?x=%",
  };
  auto check = [&](const http_reply& r, const std::string& what) {
    BOOST_TEST((r.status < 500u || r.status == 503u), what << " -> " << r.status << " " << r.body);
    BOOST_TEST(r.status != 0u, what);
    BOOST_TEST(refusal_is_json(r), what << " -> " << r.body);
  };
  auto ops = f.as("admin-key");  // may do everything: only the input is wrong
  for (const auto& [method, route] : routes)
    for (const auto& body : bodies) check(ops.request(method, route, body), method + " " + route);
  for (const auto& target : targets) {
    check(ops.get(target), "GET " + target.substr(0, 60));
    check(ops.request("HEAD", target), "HEAD " + target.substr(0, 60));
  }
  check(ops.request("POST", "/v1/sessions/s1/commands", testing::add_one,
                    {{"If-Match", "\"" + big + "9\""}}),
        "If-Match");
  check(ops.request("GET", "/v1/sessions/s1/events", "",
                    {{"Accept", "text/event-stream"}, {"Last-Event-ID", "-1"}}),
        "Last-Event-ID");
  // Still alive, still the same.
  BOOST_TEST(f.as("support-key").get("/healthz").status == 200u);
  BOOST_TEST(f.node->journal().version("s1") == 2u);
  BOOST_TEST(f.as("support-key").get("/v1/sessions/s1").body == before);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace souk
