// Records written by older builds upgrade on read; records from unknown (newer or
// unversioned) builds are refused, never guessed at.
#include <boost/test/unit_test.hpp>

#include "session_fixture.hpp"

using namespace souk;
using souk::testing::same;
using souk::testing::session_fixture;

namespace {

// What a v1 build wrote for "add 2 x SKU-123 at 129.00": a bare cent amount.
v1::Event v1_cart_item_added(const session_fixture& s) {
  v1::Event event = s.journal.back();
  event.clear_body();
  event.set_event_id("evt-v1");
  event.set_seq(s.state.version() + 1);
  event.set_schema_version(1);
  auto& body = *event.mutable_cart_item_added();
  body.set_sku("SKU-123");
  body.set_variant_id("blue-m");
  body.set_quantity(2);
  body.set_v1_unit_price_cents(12900);
  return event;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_schema_upgrade)

BOOST_AUTO_TEST_CASE(a_v1_event_applies_with_its_price_in_money) {
  session_fixture s;
  BOOST_REQUIRE(!session::apply_to(s.state, v1_cart_item_added(s)));
  const auto& line = s.state.cart().lines(0);
  BOOST_TEST(line.unit_price().minor_units() == 12900);
  BOOST_TEST(line.unit_price().currency() == "USD");
  BOOST_TEST(line.v1_unit_price_cents() == 0);
  BOOST_TEST(s.state.schema_version() == session::current_schema_version);
}

BOOST_AUTO_TEST_CASE(a_v1_snapshot_upgrades_before_replaying_the_tail) {
  session_fixture s;
  BOOST_REQUIRE(!session::apply_to(s.state, v1_cart_item_added(s)));
  v1::SessionState old = s.state;
  old.set_schema_version(1);
  auto& line = *old.mutable_cart()->mutable_lines(0);
  line.clear_unit_price();
  line.set_v1_unit_price_cents(12900);

  std::vector<v1::Event> tail;
  auto more = s.add("SKU-123", "red-m", 1);
  auto events = s.must(more);
  tail.insert(tail.end(), events.begin(), events.end());
  auto replayed = session::replay(tail, old);
  BOOST_REQUIRE(replayed);
  BOOST_TEST(same(*replayed, s.state));
}

BOOST_AUTO_TEST_CASE(newer_and_unversioned_records_are_refused_unchanged) {
  session_fixture s;
  for (uint32_t version : {session::current_schema_version + 1, 0u}) {
    auto event = s.journal.back();
    event.set_seq(s.state.version() + 1);
    event.clear_body();
    event.mutable_product_viewed()->set_sku("SKU-123");
    event.set_schema_version(version);
    auto before = s.state;
    auto error = session::apply_to(s.state, event);
    BOOST_REQUIRE(error);
    BOOST_TEST(error->code() == v1::ERROR_CODE_UNSUPPORTED_SCHEMA_VERSION);
    BOOST_TEST(same(before, s.state));

    auto snapshot = s.state;
    snapshot.set_schema_version(version);
    auto replayed = session::replay(std::vector<v1::Event>{}, snapshot);
    BOOST_REQUIRE(!replayed);
    BOOST_TEST(replayed.error().code() == v1::ERROR_CODE_UNSUPPORTED_SCHEMA_VERSION);
  }
}

BOOST_AUTO_TEST_SUITE_END()
