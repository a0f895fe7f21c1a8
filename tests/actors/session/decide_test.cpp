// Each business rule, broken, gives a clear Error and no events; state and journal are
// untouched (session_fixture::refused checks both).
#include <boost/test/unit_test.hpp>

#include "session_fixture.hpp"

using namespace souk;
using souk::testing::session_fixture;

BOOST_AUTO_TEST_SUITE(session_decide)

BOOST_AUTO_TEST_CASE(unknown_sku_and_variant_are_refused) {
  session_fixture s;
  s.refused(s.view("SKU-404"), v1::ERROR_CODE_UNKNOWN_SKU);
  s.refused(s.add("SKU-404", "", 1), v1::ERROR_CODE_UNKNOWN_SKU);
  auto error = s.refused(s.add("SKU-123", "green-xl", 1), v1::ERROR_CODE_UNKNOWN_VARIANT);
  BOOST_TEST(error.message().find("blue-m") != std::string::npos);  // offers the choices
  s.refused(s.add("SKU-900", "blue-m", 1), v1::ERROR_CODE_UNKNOWN_VARIANT);
  auto select = s.command();
  select.mutable_select_variant()->set_sku("SKU-123");
  select.mutable_select_variant()->set_variant_id("green-xl");
  s.refused(select, v1::ERROR_CODE_UNKNOWN_VARIANT);
}

BOOST_AUTO_TEST_CASE(a_product_with_variants_needs_one_named_or_selected) {
  session_fixture s;
  s.refused(s.add("SKU-123", "", 1), v1::ERROR_CODE_VARIANT_REQUIRED);
  s.refused(s.add("", "", 1), v1::ERROR_CODE_INVALID_ARGUMENT);  // nothing in focus
  s.must(s.view("SKU-123"));
  auto select = s.command();
  select.mutable_select_variant()->set_variant_id("red-m");  // sku from the focus
  s.must(select);
  s.must(s.add("", "", 1));
  BOOST_TEST(s.quantity("SKU-123", "red-m") == 1);
}

BOOST_AUTO_TEST_CASE(quantities_must_be_positive_and_in_stock) {
  session_fixture s;
  s.refused(s.add("SKU-123", "blue-m", 0), v1::ERROR_CODE_INVALID_QUANTITY);
  s.refused(s.add("SKU-123", "blue-m", -2), v1::ERROR_CODE_INVALID_QUANTITY);
  auto error = s.refused(s.add("SKU-123", "blue-m", 6), v1::ERROR_CODE_INSUFFICIENT_STOCK);
  BOOST_TEST(error.message().find("only 5") != std::string::npos);
  s.must(s.add("SKU-123", "blue-m", 4));
  // The cart's own quantity counts against stock.
  s.refused(s.add("SKU-123", "blue-m", 2), v1::ERROR_CODE_INSUFFICIENT_STOCK);
  auto set = s.command();
  set.mutable_set_quantity()->set_sku("SKU-123");
  set.mutable_set_quantity()->set_quantity(9);
  s.refused(set, v1::ERROR_CODE_INSUFFICIENT_STOCK);
  set.mutable_set_quantity()->set_quantity(-1);
  s.refused(set, v1::ERROR_CODE_INVALID_QUANTITY);
  // Untracked items have no stock limit.
  s.must(s.add("SKU-900", "", 100));
}

BOOST_AUTO_TEST_CASE(lines_not_in_the_cart_cannot_be_changed) {
  session_fixture s;
  auto remove = s.command();
  remove.mutable_remove_from_cart()->set_sku("SKU-123");
  s.refused(remove, v1::ERROR_CODE_NOT_IN_CART);
  s.must(s.add("SKU-123", "blue-m", 1));
  s.must(remove);  // the only line for the sku needs no variant
  BOOST_TEST(s.state.cart().lines_size() == 0);
}

BOOST_AUTO_TEST_CASE(discounts_must_exist_be_active_and_unexpired) {
  session_fixture s;
  s.refused(s.discount("NOPE"), v1::ERROR_CODE_UNKNOWN_DISCOUNT);
  auto expired = s.refused(s.discount("OLD5"), v1::ERROR_CODE_DISCOUNT_EXPIRED);
  BOOST_TEST(expired.message().find("expired") != std::string::npos);
  auto withdrawn = s.refused(s.discount("GONE"), v1::ERROR_CODE_DISCOUNT_EXPIRED);
  BOOST_TEST(withdrawn.message().find("withdrawn") != std::string::npos);
  s.refused(s.discount(""), v1::ERROR_CODE_INVALID_ARGUMENT);
  s.must(s.discount("CODE-MARCH10"));
  BOOST_TEST(s.must(s.discount("CODE-MARCH10")).empty());  // applying twice changes nothing
  auto revoke = s.command();
  revoke.mutable_revoke_discount()->set_code("FIVEOFF");
  s.refused(revoke, v1::ERROR_CODE_UNKNOWN_DISCOUNT);
}

BOOST_AUTO_TEST_CASE(checkout_needs_a_cart_and_an_address) {
  session_fixture s;
  s.refused(s.checkout(), v1::ERROR_CODE_EMPTY_CART);
  s.must(s.add("SKU-123", "blue-m", 1));
  s.refused(s.checkout(), v1::ERROR_CODE_MISSING_ADDRESS);
  auto bad_address = s.command();
  bad_address.mutable_set_shipping_address()->mutable_address()->set_city("Nowhere");
  s.refused(bad_address, v1::ERROR_CODE_INVALID_ARGUMENT);
  s.must(s.address());
  s.must(s.checkout());
}

BOOST_AUTO_TEST_CASE(checkout_rechecks_discounts_and_stock) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 3));
  s.must(s.discount("CODE-MARCH10"));
  s.must(s.address());
  s.ctx.set_stock("SKU-123", "blue-m", 2);
  s.refused(s.checkout(), v1::ERROR_CODE_INSUFFICIENT_STOCK);
  s.ctx.set_stock("SKU-123", "blue-m", 5);
  s.ctx.advance_seconds(31 * 86400);
  s.refused(s.checkout(), v1::ERROR_CODE_DISCOUNT_EXPIRED);
}

BOOST_AUTO_TEST_CASE(a_pending_payment_locks_the_cart_and_a_paid_cart_stays_paid) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 1));
  s.must(s.address());
  s.refused(s.payment(true), v1::ERROR_CODE_NO_PENDING_PAYMENT);
  s.must(s.checkout());
  s.refused(s.add("SKU-123", "blue-m", 1), v1::ERROR_CODE_PAYMENT_IN_PROGRESS);
  s.refused(s.checkout(), v1::ERROR_CODE_PAYMENT_IN_PROGRESS);
  s.refused(s.discount("FIVEOFF"), v1::ERROR_CODE_PAYMENT_IN_PROGRESS);
  auto wrong_attempt = s.payment(true);
  wrong_attempt.mutable_record_payment_result()->set_attempt_id("someone-else");
  s.refused(wrong_attempt, v1::ERROR_CODE_NO_PENDING_PAYMENT);
  auto events = s.must(s.payment(true));
  BOOST_REQUIRE(events.size() == 2u);
  BOOST_TEST(events[1].has_checkout_completed());
  s.refused(s.add("SKU-123", "blue-m", 1), v1::ERROR_CODE_ALREADY_PAID);
  s.refused(s.checkout(), v1::ERROR_CODE_ALREADY_PAID);
  s.refused(s.payment(true), v1::ERROR_CODE_ALREADY_PAID);
}

BOOST_AUTO_TEST_CASE(a_stale_expected_version_is_a_conflict_that_reports_the_current_one) {
  session_fixture s;
  s.must(s.view("SKU-123"));
  auto c = s.add("SKU-123", "blue-m", 1);
  c.set_expected_version(1);
  auto error = s.refused(c, v1::ERROR_CODE_VERSION_CONFLICT);
  BOOST_TEST(error.current_version() == 2u);
  c.set_expected_version(2);
  s.must(c);
  BOOST_TEST(s.state.version() == 3u);
}

BOOST_AUTO_TEST_CASE(one_cart_holds_one_currency) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 1));
  s.refused(s.add("SKU-EUR", "", 1), v1::ERROR_CODE_CURRENCY_MISMATCH);
  auto shipping = s.command();
  shipping.mutable_select_shipping_method()->set_method("express");
  shipping.mutable_select_shipping_method()->mutable_price()->set_minor_units(900);
  shipping.mutable_select_shipping_method()->mutable_price()->set_currency("EUR");
  s.refused(shipping, v1::ERROR_CODE_CURRENCY_MISMATCH);
  auto eur_off = s.ctx.find_discount("FIVEOFF");
  eur_off->mutable_amount_off()->set_currency("EUR");
  eur_off->set_code("EURO5");
  s.ctx.add_discount(*eur_off);
  s.refused(s.discount("EURO5"), v1::ERROR_CODE_CURRENCY_MISMATCH);
  // Shipping chosen first sets the currency for the goods that follow.
  session_fixture t;
  shipping.set_command_id("cmd-shipping-first");
  t.must(shipping);
  t.refused(t.add("SKU-123", "blue-m", 1), v1::ERROR_CODE_CURRENCY_MISMATCH);
  t.must(t.add("SKU-EUR", "", 1));
}

BOOST_AUTO_TEST_CASE(a_malformed_envelope_is_refused_before_any_rule) {
  session_fixture s;
  auto c = s.view("SKU-123");
  c.clear_command_id();
  s.refused(c, v1::ERROR_CODE_INVALID_ARGUMENT);
  c = s.view("SKU-123");
  c.clear_agent_id();
  s.refused(c, v1::ERROR_CODE_INVALID_ARGUMENT);
  c = s.view("SKU-123");
  c.set_session_id("sess-2");
  s.refused(c, v1::ERROR_CODE_INVALID_ARGUMENT);
  c = s.command();  // no body
  s.refused(c, v1::ERROR_CODE_INVALID_ARGUMENT);
  c = s.command();
  c.mutable_start_session()->set_customer_id("cust-42");
  s.refused(c, v1::ERROR_CODE_SESSION_ALREADY_STARTED);
  c = s.command();
  c.mutable_record_decision()->set_kind("upsell");
  c.mutable_record_decision()->set_confidence(1.5);
  s.refused(c, v1::ERROR_CODE_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(nothing_but_a_start_reaches_an_unstarted_session) {
  session_fixture s(/*start=*/false);
  s.refused(s.view("SKU-123"), v1::ERROR_CODE_SESSION_NOT_STARTED);
  auto c = s.command();
  c.mutable_start_session()->set_customer_id("cust-42");
  s.must(c);
  BOOST_TEST(s.state.version() == 1u);
}

BOOST_AUTO_TEST_CASE(migration_epochs_only_move_forward) {
  session_fixture s;
  auto c = s.command("node-a");
  c.mutable_record_migration()->set_from_node("node-a");
  c.mutable_record_migration()->set_to_node("node-b");
  c.mutable_record_migration()->set_ownership_epoch(1);
  s.must(c);
  BOOST_TEST(s.state.node_id() == "node-b");
  c.set_command_id("cmd-again");
  s.refused(c, v1::ERROR_CODE_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_SUITE_END()
