// The seed's journey: SessionStarted -> ProductViewed(SKU-123) -> CartItemAdded(SKU-123,
// qty 2) -> DiscountApplied(CODE-MARCH10) -> ShippingAddressSet -> PaymentInitiated.
#include <boost/test/unit_test.hpp>

#include "session/queries.hpp"
#include "session_fixture.hpp"

using namespace souk;
using souk::testing::session_fixture;
using souk::testing::usd;

namespace {

v1::Event envelope(uint64_t seq) {
  v1::Event e;
  e.set_event_id("evt-" + std::to_string(seq));
  e.set_session_id("sess-1");
  e.set_seq(seq);
  e.mutable_at()->set_seconds(1774000000 + seq);
  e.set_agent_id("chat-agent");
  e.set_causation_id("cmd-" + std::to_string(seq));
  e.set_schema_version(session::current_schema_version);
  return e;
}

std::vector<v1::Event> seed_journey() {
  std::vector<v1::Event> events;
  auto e = envelope(1);
  e.mutable_session_started()->set_customer_id("cust-42");
  e.mutable_session_started()->set_channel("chat");
  events.push_back(e);
  e = envelope(2);
  e.mutable_product_viewed()->set_sku("SKU-123");
  events.push_back(e);
  e = envelope(3);
  auto& added = *e.mutable_cart_item_added();
  added.set_sku("SKU-123");
  added.set_variant_id("blue-m");
  added.set_quantity(2);
  *added.mutable_unit_price() = usd(12900);
  events.push_back(e);
  e = envelope(4);
  e.mutable_discount_applied()->set_code("CODE-MARCH10");
  e.mutable_discount_applied()->set_percent_off_bp(1000);
  events.push_back(e);
  e = envelope(5);
  e.mutable_shipping_address_set()->mutable_address()->add_lines("1 Main St");
  e.mutable_shipping_address_set()->mutable_address()->set_country("US");
  events.push_back(e);
  e = envelope(6);
  e.mutable_payment_initiated()->set_attempt_id("pay-6");
  *e.mutable_payment_initiated()->mutable_amount() = usd(23220);
  e.mutable_payment_initiated()->set_idempotency_key("sess-1:6");
  events.push_back(e);
  return events;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_journey)

BOOST_AUTO_TEST_CASE(seed_journey_replays_to_the_expected_state) {
  auto state = session::replay(seed_journey());
  BOOST_REQUIRE(state);
  BOOST_TEST(state->session_id() == "sess-1");
  BOOST_TEST(state->version() == 6u);
  BOOST_TEST(state->customer().customer_id() == "cust-42");
  BOOST_TEST(state->conversation().focus_sku() == "SKU-123");
  BOOST_REQUIRE(state->cart().lines_size() == 1);
  const auto& line = state->cart().lines(0);
  BOOST_TEST(line.sku() == "SKU-123");
  BOOST_TEST(line.quantity() == 2);
  BOOST_TEST(line.unit_price().minor_units() == 12900);
  BOOST_TEST(line.status() == v1::MUTATION_STATUS_CONFIRMED);
  BOOST_REQUIRE(state->cart().discounts_size() == 1);
  BOOST_TEST(state->cart().discounts(0).code() == "CODE-MARCH10");
  BOOST_TEST(state->customer().shipping_address().lines(0) == "1 Main St");
  BOOST_TEST(state->phase() == v1::CHECKOUT_PHASE_PAYMENT_PENDING);
  BOOST_REQUIRE(state->payments_size() == 1);
  BOOST_TEST(state->payments(0).status() == v1::PAYMENT_STATUS_PENDING);
  BOOST_TEST(state->payments(0).idempotency_key() == "sess-1:6");
  BOOST_TEST(state->last_committed_version() == 6u);
  auto totals = session::price(state->cart());
  BOOST_REQUIRE(totals);
  BOOST_TEST(totals->subtotal.minor_units() == 25800);
  BOOST_TEST(totals->discount.minor_units() == 2580);
  BOOST_TEST(totals->total.minor_units() == 23220);
}

BOOST_AUTO_TEST_CASE(commands_for_the_journey_decide_the_same_story) {
  session_fixture s;
  s.must(s.view("SKU-123"));
  s.must(s.add("SKU-123", "blue-m", 2));
  s.must(s.discount("CODE-MARCH10"));
  s.must(s.address());
  auto events = s.must(s.checkout());
  BOOST_REQUIRE(events.size() == 1u);
  BOOST_TEST(events[0].has_payment_initiated());
  BOOST_TEST(events[0].payment_initiated().amount().minor_units() == 23220);
  BOOST_TEST(events[0].payment_initiated().idempotency_key() == "sess-1:6");
  std::vector<std::string> kinds;
  for (const auto& e : s.journal) {
    const auto* field = e.GetReflection()->GetOneofFieldDescriptor(
        e, e.GetDescriptor()->FindOneofByName("body"));
    kinds.push_back(field->message_type()->name());
  }
  std::vector<std::string> expected{"SessionStarted",  "ProductViewed",
                                    "CartItemAdded",   "DiscountApplied",
                                    "ShippingAddressSet", "PaymentInitiated"};
  BOOST_TEST(kinds == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(events_carry_a_complete_envelope) {
  session_fixture s;
  auto c = s.view("SKU-123");
  auto events = s.must(c);
  const auto& e = events.at(0);
  BOOST_TEST(e.event_id().size() == 26u);  // a ULID
  BOOST_TEST(e.session_id() == "sess-1");
  BOOST_TEST(e.seq() == 2u);
  BOOST_TEST(e.agent_id() == "chat-agent");
  BOOST_TEST(e.causation_id() == c.command_id());
  BOOST_TEST(e.schema_version() == session::current_schema_version);
  BOOST_TEST(e.at().seconds() == s.ctx.now().seconds());
  BOOST_TEST(s.journal.at(0).event_id() != e.event_id());
}

BOOST_AUTO_TEST_SUITE_END()
