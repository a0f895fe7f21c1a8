// How concurrent intents merge (DESIGN.md): duplicate adds sum, the latest view holds
// the focus, stock drops clamp lines, invalid discounts are revoked.
#include <boost/test/unit_test.hpp>

#include "session_fixture.hpp"

using namespace souk;
using souk::testing::session_fixture;

BOOST_AUTO_TEST_SUITE(session_merge_rules)

BOOST_AUTO_TEST_CASE(duplicate_adds_from_two_channels_sum) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 1));
  auto from_email = s.add("SKU-123", "blue-m", 2);
  from_email.set_agent_id("email-agent");
  s.must(from_email);
  BOOST_TEST(s.state.cart().lines_size() == 1);
  BOOST_TEST(s.quantity("SKU-123", "blue-m") == 3);
  BOOST_TEST(s.state.cart().lines(0).status() == v1::MUTATION_STATUS_TENTATIVE);
}

BOOST_AUTO_TEST_CASE(the_latest_view_holds_the_focus_and_discussed_skus_are_remembered) {
  session_fixture s;
  s.must(s.view("SKU-123"));
  s.must(s.view("SKU-900"));
  s.must(s.view("SKU-123"));
  const auto& conversation = s.state.conversation();
  BOOST_TEST(conversation.focus_sku() == "SKU-123");
  BOOST_REQUIRE(conversation.discussed_skus_size() == 2);
  BOOST_TEST(conversation.discussed_skus(0) == "SKU-900");  // most recent last
  BOOST_TEST(conversation.discussed_skus(1) == "SKU-123");
}

BOOST_AUTO_TEST_CASE(a_stock_drop_clamps_the_line_and_says_why) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 4));
  auto events = s.must(s.stock("SKU-123", "blue-m", 2));
  BOOST_REQUIRE(events.size() == 1u);
  const auto& adjusted = events[0].cart_line_adjusted();
  BOOST_TEST(adjusted.from_quantity() == 4);
  BOOST_TEST(adjusted.to_quantity() == 2);
  BOOST_TEST(!adjusted.reason().empty());
  BOOST_TEST(s.quantity("SKU-123", "blue-m") == 2);
  // Enough stock, another variant, or an item not in the cart: nothing to do.
  BOOST_TEST(s.must(s.stock("SKU-123", "blue-m", 10)).empty());
  BOOST_TEST(s.must(s.stock("SKU-123", "red-m", 0)).empty());
  s.refused(s.stock("SKU-123", "blue-m", -1), v1::ERROR_CODE_INVALID_QUANTITY);
}

BOOST_AUTO_TEST_CASE(stock_reaching_zero_removes_the_line) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 2));
  s.must(s.add("SKU-123", "red-m", 1));
  s.must(s.stock("SKU-123", "blue-m", 0));
  BOOST_TEST(s.state.cart().lines_size() == 1);
  BOOST_TEST(s.quantity("SKU-123", "red-m") == 1);
}

BOOST_AUTO_TEST_CASE(revalidation_revokes_discounts_that_no_longer_hold) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 1));
  s.must(s.discount("CODE-MARCH10"));
  s.must(s.discount("FIVEOFF"));
  auto revalidate = s.command("discount-sync");
  revalidate.mutable_revalidate_discounts();
  BOOST_TEST(s.must(revalidate).empty());
  auto rule = *s.ctx.find_discount("FIVEOFF");
  rule.set_active(false);
  s.ctx.add_discount(rule);
  revalidate.set_command_id("cmd-revalidate-2");
  auto events = s.must(revalidate);
  BOOST_REQUIRE(events.size() == 1u);
  BOOST_TEST(events[0].discount_revoked().code() == "FIVEOFF");
  BOOST_REQUIRE(s.state.cart().discounts_size() == 1);
  BOOST_TEST(s.state.cart().discounts(0).code() == "CODE-MARCH10");
}

BOOST_AUTO_TEST_CASE(a_completed_order_ignores_later_stock_changes) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 2));
  s.must(s.address());
  s.must(s.checkout());
  s.must(s.payment(true));
  BOOST_TEST(s.must(s.stock("SKU-123", "blue-m", 0)).empty());
  BOOST_TEST(s.quantity("SKU-123", "blue-m") == 2);
}

BOOST_AUTO_TEST_SUITE_END()
