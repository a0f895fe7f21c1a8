#include <boost/test/unit_test.hpp>

#include "session/divergence.hpp"
#include "session_fixture.hpp"

using namespace souk;
using souk::testing::session_fixture;

BOOST_AUTO_TEST_SUITE(session_divergence)

BOOST_AUTO_TEST_CASE(an_honest_history_does_not_diverge) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 2));
  auto snapshot = s.state;
  s.must(s.discount("CODE-MARCH10"));
  auto report = session::check_divergence(s.journal, snapshot, s.state);
  BOOST_REQUIRE(report);
  BOOST_TEST(!report->diverged());
  BOOST_TEST(report->events_replayed == s.journal.size());
  BOOST_TEST(report->snapshot_version == 2u);
}

BOOST_AUTO_TEST_CASE(the_first_differing_field_is_named) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 2));
  auto snapshot = s.state;
  snapshot.mutable_cart()->mutable_lines(0)->set_quantity(3);
  auto materialized = s.state;
  materialized.mutable_conversation()->set_focus_sku("SKU-900");
  auto report = session::check_divergence(s.journal, snapshot, materialized);
  BOOST_REQUIRE(report);
  BOOST_REQUIRE(report->snapshot_difference);
  BOOST_TEST(report->snapshot_difference->find("cart.lines[0].quantity") != std::string::npos,
             *report->snapshot_difference);
  BOOST_REQUIRE(report->materialized_difference);
  BOOST_TEST(report->materialized_difference->find("focus_sku") != std::string::npos,
             *report->materialized_difference);
}

BOOST_AUTO_TEST_SUITE_END()
