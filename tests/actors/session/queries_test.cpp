#include <boost/test/unit_test.hpp>

#include "session/queries.hpp"
#include "session_fixture.hpp"

using namespace souk;
using souk::testing::session_fixture;
using souk::testing::usd;

BOOST_AUTO_TEST_SUITE(session_queries)

BOOST_AUTO_TEST_CASE(a_fetched_attribute_is_missing_once_its_ttl_has_passed) {
  session_fixture s;
  BOOST_TEST(!session::attribute(s.state, "prime_member", s.ctx.now()));
  auto c = s.command("crm-agent");
  c.mutable_record_attribute()->set_name("prime_member");
  c.mutable_record_attribute()->set_value("true");
  c.mutable_record_attribute()->set_source("crm");
  c.mutable_record_attribute()->set_ttl_seconds(600);
  s.must(c);
  auto fresh = session::attribute(s.state, "prime_member", s.ctx.now());
  BOOST_REQUIRE(fresh);
  BOOST_TEST(*fresh == "true");
  s.ctx.advance_seconds(599);
  BOOST_TEST(session::attribute(s.state, "prime_member", s.ctx.now()).has_value());
  s.ctx.advance_seconds(1);
  BOOST_TEST(!session::attribute(s.state, "prime_member", s.ctx.now()));
  c.mutable_record_attribute()->set_ttl_seconds(0);
  c.set_command_id("cmd-no-ttl");
  s.refused(c, v1::ERROR_CODE_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(totals_combine_percent_and_amount_discounts_and_shipping) {
  v1::Transaction cart;
  auto& line = *cart.add_lines();
  line.set_sku("SKU-123");
  line.set_quantity(2);
  *line.mutable_unit_price() = usd(12900);
  auto& percent = *cart.add_discounts();
  percent.set_code("CODE-MARCH10");
  percent.set_percent_off_bp(1000);
  auto& amount = *cart.add_discounts();
  amount.set_code("FIVEOFF");
  *amount.mutable_amount_off() = usd(500);
  *cart.mutable_shipping()->mutable_price() = usd(899);
  auto totals = session::price(cart);
  BOOST_REQUIRE(totals);
  BOOST_TEST(totals->subtotal.minor_units() == 25800);
  BOOST_TEST(totals->discount.minor_units() == 2580 + 500);
  BOOST_TEST(totals->shipping.minor_units() == 899);
  BOOST_TEST(totals->total.minor_units() == 25800 - 3080 + 899);
  BOOST_TEST(totals->total.currency() == "USD");
}

BOOST_AUTO_TEST_CASE(a_discount_never_makes_the_goods_cost_less_than_nothing) {
  v1::Transaction cart;
  auto& line = *cart.add_lines();
  line.set_quantity(1);
  *line.mutable_unit_price() = usd(300);
  *cart.add_discounts()->mutable_amount_off() = usd(500);
  auto totals = session::price(cart);
  BOOST_REQUIRE(totals);
  BOOST_TEST(totals->discount.minor_units() == 300);
  BOOST_TEST(totals->total.minor_units() == 0);
}

BOOST_AUTO_TEST_CASE(mixed_currencies_cannot_be_priced) {
  v1::Transaction cart;
  auto& line = *cart.add_lines();
  line.set_quantity(1);
  *line.mutable_unit_price() = usd(300);
  cart.mutable_shipping()->mutable_price()->set_minor_units(100);
  cart.mutable_shipping()->mutable_price()->set_currency("EUR");
  auto totals = session::price(cart);
  BOOST_REQUIRE(!totals);
  BOOST_TEST(totals.error().code() == v1::ERROR_CODE_CURRENCY_MISMATCH);
}

BOOST_AUTO_TEST_CASE(the_pending_payment_is_the_latest_attempt_while_payment_is_pending) {
  session_fixture s;
  BOOST_TEST(session::pending_payment(s.state) == nullptr);
  s.must(s.add("SKU-123", "blue-m", 1));
  s.must(s.address());
  s.must(s.checkout());
  const auto* pending = session::pending_payment(s.state);
  BOOST_REQUIRE(pending != nullptr);
  BOOST_TEST(pending->idempotency_key() == "sess-1:" + std::to_string(s.state.version()));
  s.must(s.payment(false));
  BOOST_TEST(session::pending_payment(s.state) == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
