// The handoff contract: what one agent exports, another accepts only if it is intact,
// addressed to it, and still true of today's shop.
#include <boost/test/unit_test.hpp>

#include "session/transfer.hpp"
#include "session_fixture.hpp"

using namespace souk;
using souk::testing::same;
using souk::testing::session_fixture;

namespace {

struct transfer_fixture : session_fixture {
  transfer_fixture() {
    must(add("SKU-123", "blue-m", 2));
    must(discount("CODE-MARCH10"));
  }
  v1::StateTransfer exported(const std::string& to = "sizing-agent") {
    session::transfer_request request;
    request.transfer_id = "tr-1";
    request.to_agent_id = to;
    request.reason = "sizing question";
    request.from_node = "node-1";
    request.agent.set_agent_id("chat-agent");
    request.agent.set_confidence(0.4);
    request.agent.add_fallbacks_tried("size chart");
    return session::export_transfer(state, request, ctx.now());
  }
  v1::Error rejected(const v1::StateTransfer& t, const std::string& to = "sizing-agent") {
    auto result = session::validate_transfer(t, to, ctx);
    BOOST_REQUIRE_MESSAGE(!result, "accepted a transfer that should fail");
    BOOST_TEST(result.error().code() == v1::ERROR_CODE_INVALID_TRANSFER);
    BOOST_TEST(!result.error().message().empty());
    return result.error();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(session_transfer)

BOOST_AUTO_TEST_CASE(an_intact_transfer_carries_the_state_and_its_context) {
  transfer_fixture f;
  auto t = f.exported();
  BOOST_TEST(t.contract_version() == session::current_contract_version);
  BOOST_TEST(t.checksum().rfind("sha256:", 0) == 0);
  BOOST_TEST(t.checksum().size() == 7u + 64u);
  BOOST_TEST(t.payload().from_agent_id() == "chat-agent");
  BOOST_TEST(t.payload().agent().fallbacks_tried(0) == "size chart");
  auto accepted = session::validate_transfer(t, "sizing-agent", f.ctx);
  BOOST_REQUIRE(accepted);
  BOOST_TEST(same(*accepted, f.state));
  // Exporting is deterministic: the same input, the same checksum.
  BOOST_TEST(f.exported().checksum() == t.checksum());
}

BOOST_AUTO_TEST_CASE(a_tampered_or_foreign_transfer_is_refused) {
  transfer_fixture f;
  auto t = f.exported();
  auto cheaper = t;
  cheaper.mutable_payload()->mutable_state()->mutable_cart()->mutable_lines(0)
      ->mutable_unit_price()->set_minor_units(100);
  BOOST_TEST(f.rejected(cheaper).message().find("checksum") != std::string::npos);
  auto future = t;
  future.set_contract_version(2);
  BOOST_TEST(f.rejected(future).message().find("contract 2") != std::string::npos);
  BOOST_TEST(f.rejected(t, "email-agent").message().find("sizing-agent") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_transfer_that_no_longer_holds_is_refused) {
  {
    transfer_fixture f;
    auto t = f.exported();
    auto jacket = *f.ctx.find_product("SKU-123");
    jacket.mutable_price()->set_minor_units(13900);
    f.ctx.add_product(jacket);
    BOOST_TEST(f.rejected(t).message().find("price of Trail Jacket changed") != std::string::npos);
  }
  {
    transfer_fixture f;
    auto t = f.exported();
    f.ctx.set_stock("SKU-123", "blue-m", 1);
    BOOST_TEST(f.rejected(t).message().find("only 1") != std::string::npos);
  }
  {
    transfer_fixture f;
    auto t = f.exported();
    f.ctx.advance_seconds(31 * 86400);
    BOOST_TEST(f.rejected(t).message().find("CODE-MARCH10") != std::string::npos);
  }
  {
    transfer_fixture f;
    f.state.mutable_customer()->set_customer_id("cust-unknown");
    BOOST_TEST(f.rejected(f.exported()).message().find("cust-unknown") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
