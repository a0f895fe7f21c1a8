#include <boost/test/unit_test.hpp>

#include <set>

#include "session/ulid.hpp"
#include "session_fixture.hpp"

using souk::session::make_ulid;

BOOST_AUTO_TEST_SUITE(session_ulid)

BOOST_AUTO_TEST_CASE(known_values_encode_as_the_spec_says) {
  BOOST_TEST(make_ulid(0, 0, 0) == "00000000000000000000000000");
  BOOST_TEST(make_ulid(0xFFFFFFFFFFFFull, 0xFFFF, ~0ull) == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
  // The spec's example timestamp 1469918176385 ms encodes as 01ARYZ6S41.
  BOOST_TEST(make_ulid(1469918176385ull, 0, 0).substr(0, 10) == "01ARYZ6S41");
}

BOOST_AUTO_TEST_CASE(ulids_sort_by_time_and_use_crockfords_alphabet) {
  auto earlier = make_ulid(1774000000000ull, 0xFFFF, ~0ull);
  auto later = make_ulid(1774000000001ull, 0, 0);
  BOOST_TEST(earlier < later);
  for (char c : earlier + later)
    BOOST_TEST(std::string("ILOU").find(c) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_context_hands_out_distinct_ids) {
  souk::testing::session_fixture s;
  std::set<std::string> ids;
  for (int i = 0; i < 10000; ++i) ids.insert(s.ctx.new_event_id());
  BOOST_TEST(ids.size() == 10000u);
  for (const auto& id : ids) BOOST_TEST_REQUIRE(id.size() == 26u);
}

BOOST_AUTO_TEST_SUITE_END()
