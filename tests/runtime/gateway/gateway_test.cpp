// The HTTP gateway over real sockets: every endpoint, status code and scope; bad input
// that changes nothing; SSE resume; the connection limits.
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/test/unit_test.hpp>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "gateway_fixture.hpp"
#include "souk/clock.hpp"

namespace souk {
namespace {

using namespace std::chrono_literals;
using gateway::http_client;
using gateway::http_reply;
using testing::add_one;
using testing::contains;
using testing::gateway_fixture;

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_gateway)

BOOST_AUTO_TEST_CASE(commands_answer_200_409_422_and_400_with_stable_codes) {
  gateway_fixture f;
  f.start("s1");
  auto ok = f.command("chat-key", "s1", add_one, {{"If-Match", "\"1\""}});
  BOOST_TEST(ok.status == 200u);
  BOOST_TEST(contains(ok.body, R"("version":"2")"));
  BOOST_TEST(ok.headers["etag"] == "\"2\"");
  auto stale = f.command("chat-key", "s1", add_one, {{"If-Match", "\"1\""}});
  BOOST_TEST(stale.status == 409u);
  BOOST_TEST(f.code(stale) == "ERROR_CODE_VERSION_CONFLICT");
  BOOST_TEST(contains(stale.body, R"("currentVersion":"2")"));
  auto stale_body = f.command("chat-key", "s1",
                              R"({"expectedVersion":"1","viewProduct":{"sku":"SKU-123"}})");
  BOOST_TEST(stale_body.status == 409u);
  auto rule = f.command("chat-key", "s1",
                        R"({"addToCart":{"sku":"SKU-123","variantId":"blue-m","quantity":"99"}})");
  BOOST_TEST(rule.status == 422u);
  BOOST_TEST(f.code(rule) == "ERROR_CODE_INSUFFICIENT_STOCK");
  // Malformed, unknown field, no body, someone else's agent id, scopes in the body.
  for (const char* bad : {"{not json", R"({"addToCart":{"sku":"SKU-123"},"bogus":1})", "{}",
                          R"({"agentId":"payments","viewProduct":{"sku":"SKU-123"}})",
                          R"({"scopes":["admin"],"viewProduct":{"sku":"SKU-123"}})"}) {
    auto r = f.command("chat-key", "s1", bad);
    BOOST_TEST(r.status == 400u, bad);
    BOOST_TEST(f.code(r) == "ERROR_CODE_INVALID_ARGUMENT");
    BOOST_TEST(contains(r.body, "\"message\""));
  }
  BOOST_TEST(f.command("chat-key", "s1", add_one, {{"If-Match", "two"}}).status == 400u);
  BOOST_TEST(f.command("chat-key", "bad%20id", add_one).status == 400u);
  // Nothing of it reached the session or the journal.
  BOOST_TEST(f.node->journal().version("s1") == 2u);
  BOOST_TEST(f.state("s1").cart().lines(0).quantity() == 1);
  // A second read at the same version comes from the gateway's cache, byte for byte.
  auto first = f.as("support-key").get("/v1/sessions/s1");
  auto again = f.as("support-key").get("/v1/sessions/s1");
  BOOST_TEST(again.status == 200u);
  BOOST_TEST(again.body == first.body);
  BOOST_TEST(again.headers["etag"] == "\"2\"");
  BOOST_TEST(again.headers["content-length"] == std::to_string(first.body.size()));
  auto m = f.metrics();
  BOOST_TEST(contains(m, "souk_conflicts_total 2"));
  BOOST_TEST(contains(m, "souk_refusals_total{reason=\"business_rule\"} 1"));
  BOOST_TEST(contains(m, "souk_events_appended_total{type=\"cart_item_added\"} 1"));
}

BOOST_AUTO_TEST_CASE(oversized_bodies_get_413_and_change_nothing) {
  gateway::http_limits limits;
  limits.body_limit = 4096;
  gateway_fixture f(limits);
  f.start("s1");
  std::string big = R"({"recordCustomerMessage":{"channel":"chat","text":")" +
                    std::string(8000, 'x') + "\"}}";
  auto r = f.command("chat-key", "s1", big);
  BOOST_TEST(r.status == 413u);
  BOOST_TEST(f.code(r) == "ERROR_CODE_PAYLOAD_TOO_LARGE");
  BOOST_TEST(f.node->journal().version("s1") == 1u);
  BOOST_TEST(f.command("chat-key", "s1", add_one).status == 200u);  // the node goes on
  BOOST_TEST(contains(f.metrics(), "souk_refusals_total{reason=\"bad_request\"} 1"));
  f.log.flush();
  BOOST_TEST(contains(f.log_text.str(), R"("kind":"refusal","status":413)"));
}

BOOST_AUTO_TEST_CASE(keys_and_scopes_decide_who_may_do_what) {
  gateway_fixture f;
  f.start("s1");
  BOOST_TEST(f.command("", "s1", add_one).status == 401u);
  auto unknown = f.command("not-a-key", "s1", add_one);
  BOOST_TEST(unknown.status == 401u);
  BOOST_TEST(f.code(unknown) == "ERROR_CODE_UNAUTHENTICATED");
  // Read-only support cannot change anything; inventory-sync cannot write a cart.
  auto support = f.command("support-key", "s1", add_one);
  BOOST_TEST(support.status == 403u);
  BOOST_TEST(contains(support.body, "session:write"));
  BOOST_TEST(f.command("inventory-key", "s1", add_one).status == 403u);
  BOOST_TEST(f.as("inventory-key").get("/v1/sessions/s1").status == 403u);
  // Payment results need payment:authorize: the chat agent has it not, payments has.
  const char* paid = R"({"recordPaymentResult":{"attemptId":"a1","authorized":true}})";
  BOOST_TEST(f.command("chat-key", "s1", paid).status == 403u);
  BOOST_TEST(f.command("payments-key", "s1", paid).status != 403u);  // no such key: 401
  BOOST_TEST(f.command("payment-key", "s1", paid).status == 422u);   // allowed; no payment pending
  BOOST_TEST(f.as("support-key").post("/v1/inventory", R"({"sku":"SKU-123","variantId":"blue-m","available":"3"})").status == 403u);
  BOOST_TEST(f.as("crm-key").post("/v1/inventory", R"({"sku":"SKU-123","variantId":"blue-m","available":"3"})").status == 403u);
  BOOST_TEST(f.command("admin-key", "s1", add_one).status == 200u);
  BOOST_TEST(f.node->journal().version("s1") == 2u);
  auto m = f.metrics();
  BOOST_TEST(contains(m, "souk_refusals_total{reason=\"unauthenticated\"} 3"));
  BOOST_TEST(contains(m, "souk_refusals_total{reason=\"forbidden\"} 6"));
  // Refusals are logged by identity; keys never appear.
  f.log.flush();
  auto text = f.log_text.str();
  BOOST_TEST(contains(text, R"("kind":"refusal","status":403,"agent":"support")"));
  for (const char* key : {"chat-key", "support-key", "inventory-key", "not-a-key", "admin-key"})
    BOOST_TEST(!contains(text, key));
}

BOOST_AUTO_TEST_CASE(state_now_at_a_version_and_at_a_time) {
  gateway_fixture f;
  f.start("s1");
  BOOST_REQUIRE(f.command("chat-key", "s1", add_one).status == 200u);
  auto before = souk::now_timestamp();
  std::this_thread::sleep_for(2ms);  // event times are kept to the microsecond
  BOOST_REQUIRE(f.command("chat-key", "s1", add_one).status == 200u);
  BOOST_TEST(f.state("s1").cart().lines(0).quantity() == 2);
  BOOST_TEST(f.state("s1", "?version=2").cart().lines(0).quantity() == 1);
  BOOST_TEST(f.state("s1", "?version=1").cart().lines_size() == 0);
  auto at = google::protobuf::util::TimeUtil::ToString(before);
  BOOST_TEST(f.state("s1", "?at=" + at).cart().lines(0).quantity() == 1);
  auto support = f.as("support-key");
  BOOST_TEST(support.get("/v1/sessions/s1?version=9").status == 404u);
  BOOST_TEST(support.get("/v1/sessions/s1?at=yesterday").status == 400u);
  BOOST_TEST(support.get("/v1/sessions/nobody").status == 404u);
  auto d = support.get("/v1/sessions/s1/diff?from=2&to=3");
  BOOST_TEST(d.status == 200u);
  BOOST_TEST(contains(d.body, "cart.lines[0].quantity: 1 -\\u003e 2"));
  auto list = support.get("/v1/sessions?customer=cust-1");
  BOOST_TEST(list.status == 200u);
  BOOST_TEST(contains(list.body, R"("sessionId":"s1")"));
  auto verify = support.get("/v1/sessions/s1/verify");
  BOOST_TEST(verify.status == 200u);
  BOOST_TEST(!contains(verify.body, "\"diverged\":true"));
  BOOST_TEST(contains(f.metrics(), "souk_sessions_verified_total 1"));
}

BOOST_AUTO_TEST_CASE(history_pages_and_upstream_changes) {
  gateway_fixture f;
  f.start("s1");
  BOOST_REQUIRE(f.command("chat-key", "s1", add_one).status == 200u);
  BOOST_REQUIRE(f.command("chat-key", "s1",
                          R"({"setShippingAddress":{"address":{"name":"Ada Lovelace",)"
                          R"("lines":["12 Marylebone Road"],"city":"London","postalCode":"NW1 5LR","country":"GB"}}})")
                    .status == 200u);
  // Refused input is logged by what was wrong, never by what it said.
  BOOST_TEST(f.command("chat-key", "s1",
                       R"({"setShippingAddress":{"address":{"lines":["12 Marylebone Road"],"city":{"x":"NW1 5LR"}}}})")
                 .status == 400u);
  BOOST_TEST(f.command("chat-key", "s1", R"({"setShippingAddress":{"address":{"lines":["12 Marylebone Road",)")
                 .status == 400u);
  auto page = f.as("support-key").get("/v1/sessions/s1/events?after=1");
  BOOST_TEST(page.status == 200u);
  BOOST_TEST(contains(page.body, R"("seq":"2")"));
  BOOST_TEST(!contains(page.body, R"("seq":"1")"));
  BOOST_TEST(f.as("support-key").get("/v1/sessions/s1/events?after=x").status == 400u);
  // A stock drop reaches the cart; a bad stock level is refused.
  auto inv = f.as("inventory-key");
  BOOST_TEST(inv.post("/v1/inventory", R"({"sku":"SKU-123","variantId":"blue-m","available":"-1"})").status == 400u);
  auto told = inv.post("/v1/inventory", R"({"sku":"SKU-123","variantId":"blue-m","available":"0"})");
  BOOST_TEST(told.status == 200u);
  BOOST_TEST(contains(told.body, R"("sessionsTold":"1")"));
  for (int i = 0; i < 200 && f.node->journal().version("s1") < 4; ++i) std::this_thread::sleep_for(10ms);
  BOOST_TEST(f.state("s1").cart().lines_size() == 0);
  BOOST_TEST(inv.post("/v1/discounts", R"({"code":"SPRING5","percentOffBp":500,"active":true})").status == 200u);
  auto crm = f.as("crm-key");
  BOOST_TEST(crm.post("/v1/customers/cust-1", R"({"customerId":"cust-2"})").status == 400u);
  BOOST_TEST(crm.post("/v1/customers/cust-1", R"({"attributes":{"prime":"true"}})").status == 200u);
  for (int i = 0; i < 200 && f.state("s1").customer().attributes().empty(); ++i) std::this_thread::sleep_for(10ms);
  BOOST_TEST(f.state("s1").customer().attributes().count("prime") == 1u);
  // Handoff through the validated transfer path.
  auto handoff = f.as("chat-key").post("/v1/sessions/s1/handoff", R"({"toAgentId":"email-agent","reason":"customer left"})");
  BOOST_TEST(handoff.status == 200u);
  BOOST_TEST(contains(handoff.body, R"("accepted":true)"));
  BOOST_TEST(f.state("s1").owner_agent_id() == "email-agent");
  BOOST_TEST(f.as("support-key").post("/v1/sessions/s1/handoff", R"({"toAgentId":"x"})").status == 403u);
  BOOST_TEST(f.as("chat-key").post("/v1/sessions/s1/handoff", R"({})").status == 400u);
  // Health, metrics and the viewer need no key.
  http_client open(f.base);
  BOOST_TEST(contains(open.get("/healthz").body, R"("status":"ok")"));
  BOOST_TEST(contains(open.get("/viewer").body, "<html"));
  BOOST_TEST(open.get("/nowhere").status == 404u);
  auto m = f.metrics();
  for (const char* name : {"souk_commit_seconds_bucket", "souk_commit_batch_events_count",
                           "souk_activation_seconds_count", "souk_state_bytes_count",
                           "souk_live_sessions 1", "souk_mutations_total", "souk_command_seconds_bucket",
                           "souk_replay_seconds_count", "souk_divergences_total 0",
                           "souk_passivations_total", "souk_activations_total 1"})
    BOOST_TEST(contains(m, name), name);
  BOOST_TEST(contains(m, "\nsouk_journal_zeros_ahead_bytes "));
  BOOST_TEST(!contains(m, "\nsouk_journal_zeros_ahead_bytes 0\n"));  // the node keeps some
  // Every transition is logged, nothing personal in it.
  f.log.flush();
  auto text = f.log_text.str();
  BOOST_TEST(contains(text, R"("kind":"transition")"));
  BOOST_TEST(contains(text, R"("type":"cart_line_adjusted","agent":"inventory-sync")"));
  BOOST_TEST(!contains(text, "prime"));
  BOOST_TEST(contains(text, R"("type":"shipping_address_set")"));
  // (whole phrases: a ULID in the log may well hold "NW1")
  for (const char* personal : {"Ada Lovelace", "12 Marylebone Road", "NW1 5LR"})
    BOOST_TEST(!contains(text, personal), personal);
}

BOOST_AUTO_TEST_CASE(a_divergence_is_counted_logged_and_shown) {
  gateway_fixture f;
  f.start("s1");
  BOOST_REQUIRE(f.command("chat-key", "s1", add_one).status == 200u);
  // A snapshot that says something the history does not (a bug, or bit rot that kept
  // its checksum): the cart holds 7, the events say 1.
  auto wrong = f.state("s1");
  wrong.mutable_cart()->mutable_lines(0)->set_quantity(7);
  BOOST_REQUIRE(f.node->journal().save_snapshot(wrong));
  auto r = f.as("support-key").get("/v1/sessions/s1/verify");
  BOOST_TEST(r.status == 200u);
  BOOST_TEST(contains(r.body, R"("diverged":true)"));
  BOOST_TEST(contains(r.body, "cart.lines[0].quantity: 1 -\\u003e 7"));
  BOOST_TEST(f.verifier->last("s1").has_value());
  BOOST_TEST(contains(f.metrics(), "souk_divergences_total 1"));
  f.log.flush();
  auto text = f.log_text.str();
  BOOST_TEST(contains(text, R"("kind":"divergence","level":"error","session":"s1","difference":"modified: cart.lines[0].quantity")"));
  BOOST_TEST(!contains(text, "1 -> 7"));  // values stay out of the log
  // The background round finds it too.
  BOOST_TEST(f.verifier->run_once() == 1u);
  BOOST_TEST(contains(f.metrics(), "souk_divergences_total 2"));
}

BOOST_AUTO_TEST_CASE(concurrent_callers_lose_nothing_even_while_the_session_passivates) {
  gateway_fixture f;
  f.start("s1");
  const int callers = 4, each = 40;
  std::atomic<int> ok{0}, other{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int c = 0; c < callers; ++c)
    threads.emplace_back([&] {
      auto client = f.as("chat-key");
      for (int i = 0; i < each; ++i) {
        auto r = client.post("/v1/sessions/s1/commands",
                             R"({"recordCustomerMessage":{"channel":"chat","text":"hi"}})");
        (r.status == 200 ? ok : other)++;
        if (r.status != 200) BOOST_TEST_MESSAGE("refused: " << r.status << " " << r.body);
      }
    });
  // Meanwhile the session is told to passivate again and again: commands that reach a
  // stopping actor are sent again to the next one.
  std::thread passivator([&] {
    while (!done) {
      if (auto actor = f.node->live_session("s1"))
        caf::anon_send(*actor, session::passivate_atom::value);
      std::this_thread::sleep_for(2ms);
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  passivator.join();
  BOOST_TEST(ok == callers * each);
  BOOST_TEST(other == 0);
  BOOST_TEST(f.node->journal().version("s1") == uint64_t(1 + callers * each));
  auto verify = f.as("support-key").get("/v1/sessions/s1/verify");
  BOOST_TEST(!contains(verify.body, R"("diverged":true)"));
}

namespace {

// A raw SSE reader: sends the request, then collects what arrives.
struct sse_reader {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket{ioc};
  boost::asio::streambuf buffer;
  sse_reader(unsigned short port, const std::string& last_event_id) {
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    std::string req = "GET /v1/sessions/s1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                      "Authorization: Bearer support-key\r\n";
    if (!last_event_id.empty()) req += "Last-Event-ID: " + last_event_id + "\r\n";
    boost::asio::write(socket, boost::asio::buffer(req + "\r\n"));
  }
  // The seqs of the events received until `last` arrived.
  std::vector<uint64_t> until(uint64_t last) {
    std::vector<uint64_t> seqs;
    while (seqs.empty() || seqs.back() < last) {
      boost::asio::read_until(socket, buffer, "\n\n");
      std::istream in(&buffer);
      std::string line;
      while (std::getline(in, line) && !line.empty())
        if (line.rfind("id: ", 0) == 0) seqs.push_back(std::stoull(line.substr(4)));
    }
    return seqs;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(server_sent_events_resume_without_loss_or_repeats) {
  gateway_fixture f;
  f.start("s1");
  std::vector<uint64_t> seen;
  {
    sse_reader first(f.server->port(), "");
    BOOST_REQUIRE(f.command("chat-key", "s1", add_one).status == 200u);
    for (auto s : first.until(2)) seen.push_back(s);
  }  // disconnected; more happens meanwhile
  const char* hello = R"({"recordCustomerMessage":{"channel":"chat","text":"hello"}})";
  for (int i = 0; i < 5; ++i) BOOST_REQUIRE(f.command("chat-key", "s1", hello).status == 200u);
  sse_reader second(f.server->port(), std::to_string(seen.back()));
  std::thread writer([&] {
    for (int i = 0; i < 5; ++i) f.command("chat-key", "s1", hello);
  });
  for (auto s : second.until(12)) seen.push_back(s);
  writer.join();
  std::vector<uint64_t> expected(12);
  for (uint64_t i = 0; i < 12; ++i) expected[i] = i + 1;
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(connection_limits_keep_one_client_from_stalling_the_node) {
  gateway::http_limits limits;
  limits.max_connections = 2;
  limits.request_timeout = 300ms;
  gateway_fixture f(limits);
  namespace net = boost::asio;
  net::io_context ioc;
  // A slowloris: half a request line, then silence. The server closes it in time.
  net::ip::tcp::socket slow(ioc);
  slow.connect({net::ip::make_address("127.0.0.1"), f.server->port()});
  net::write(slow, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHo")));
  net::ip::tcp::socket idle(ioc);
  idle.connect({net::ip::make_address("127.0.0.1"), f.server->port()});
  std::this_thread::sleep_for(50ms);
  // Two are open: a third is told 503.
  auto third = http_client(f.base).get("/healthz");
  BOOST_TEST(third.status == 503u);
  // After the time-out both are closed and service resumes.
  char byte;
  boost::system::error_code ec;
  slow.read_some(net::buffer(&byte, 1), ec);
  BOOST_TEST(ec == net::error::eof);
  std::this_thread::sleep_for(100ms);
  BOOST_TEST(http_client(f.base).get("/healthz").status == 200u);
  BOOST_TEST(contains(f.metrics(), "souk_refusals_total{reason=\"overloaded\"} 1"));
}

BOOST_AUTO_TEST_CASE(a_handler_that_never_answers_gets_its_request_a_503) {
  struct silent : gateway::request_handler {
    std::vector<std::shared_ptr<gateway::responder>> kept;  // never answered
    void handle(gateway::http_request, std::shared_ptr<gateway::responder> r) override {
      kept.push_back(std::move(r));
    }
    void refused(unsigned status, std::string_view, std::string_view) override {
      refusals.push_back(status);
    }
    std::vector<unsigned> refusals;
  } handler;
  gateway::http_limits limits;
  limits.handler_timeout = 200ms;
  gateway::http_server server(handler, limits);
  BOOST_REQUIRE(server.start("127.0.0.1", 0).empty());
  auto started = std::chrono::steady_clock::now();
  auto r = http_client("http://127.0.0.1:" + std::to_string(server.port())).get("/anything");
  BOOST_TEST(r.status == 503u);
  BOOST_TEST(contains(r.body, "ERROR_CODE_TIMEOUT"));
  BOOST_TEST(handler.refusals == std::vector<unsigned>{503u});
  BOOST_TEST((std::chrono::steady_clock::now() - started >= 200ms));
  // A late answer goes nowhere (and does not break the connection's state).
  handler.kept.front()->reply(gateway::json_response({}, 200, "{}"));
  server.stop();
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace souk
