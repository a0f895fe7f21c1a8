// A failed payment leaves the cart as the customer confirmed it; edits made after the
// failure can be undone by rolling back to that confirmed point.
#include <boost/test/unit_test.hpp>

#include "session_fixture.hpp"

using namespace souk;
using souk::testing::same;
using souk::testing::session_fixture;

BOOST_AUTO_TEST_SUITE(session_rollback)

BOOST_AUTO_TEST_CASE(rollback_restores_the_cart_confirmed_at_checkout) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 2));
  s.must(s.discount("CODE-MARCH10"));
  s.must(s.address());
  s.must(s.checkout());
  const auto confirmed = s.state.committed();
  const auto confirmed_at = s.state.last_committed_version();
  BOOST_TEST(confirmed_at == s.state.version());
  for (const auto& line : confirmed.lines())
    BOOST_TEST(line.status() == v1::MUTATION_STATUS_CONFIRMED);

  s.must(s.payment(false));
  BOOST_TEST(s.state.phase() == v1::CHECKOUT_PHASE_PAYMENT_FAILED);
  BOOST_TEST(same(s.state.cart(), confirmed));  // failing changes nothing in the cart
  s.must(s.add("SKU-123", "red-m", 1));
  s.must(s.add("SKU-900", "", 3));

  auto c = s.command("payment-agent");
  c.mutable_roll_back()->set_reason("payment declined");
  auto events = s.must(c);
  BOOST_REQUIRE(events.size() == 1u);
  BOOST_TEST(events[0].rolled_back_to_committed().to_version() == confirmed_at);
  BOOST_TEST(same(s.state.cart(), confirmed));
  BOOST_TEST(s.state.phase() == v1::CHECKOUT_PHASE_SHOPPING);
  // The session may try again from there.
  s.must(s.checkout());
  s.must(s.payment(true));
  BOOST_TEST(s.state.phase() == v1::CHECKOUT_PHASE_COMPLETED);
  BOOST_TEST(s.state.cart().lines(0).status() == v1::MUTATION_STATUS_COMMITTED);
  BOOST_TEST(s.state.payments_size() == 2);
}

BOOST_AUTO_TEST_CASE(nothing_to_roll_back_before_anything_was_confirmed) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 1));
  auto c = s.command();
  c.mutable_roll_back();
  s.refused(c, v1::ERROR_CODE_NOTHING_TO_ROLL_BACK);
}

BOOST_AUTO_TEST_CASE(no_rollback_while_a_payment_is_pending) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 1));
  s.must(s.address());
  s.must(s.checkout());
  auto c = s.command();
  c.mutable_roll_back();
  s.refused(c, v1::ERROR_CODE_PAYMENT_IN_PROGRESS);
}

BOOST_AUTO_TEST_CASE(restored_lines_are_clamped_to_todays_stock) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 4));
  s.must(s.address());
  s.must(s.checkout());
  s.must(s.payment(false));
  s.ctx.set_stock("SKU-123", "blue-m", 1);
  auto c = s.command();
  c.mutable_roll_back();
  auto events = s.must(c);
  BOOST_REQUIRE(events.size() == 2u);
  BOOST_TEST(events[1].cart_line_adjusted().to_quantity() == 1);
  BOOST_TEST(s.quantity("SKU-123", "blue-m") == 1);
}

BOOST_AUTO_TEST_SUITE_END()
