// Property: for any sequence of commands, replaying the journal from scratch, or from
// any snapshot plus its tail, gives exactly the live state; refused commands change
// nothing; and tracked cart lines never exceed stock while the cart is open.
// Sequences come from a fixed-seed generator so failures reproduce.
#include <boost/test/unit_test.hpp>

#include <random>

#include "session_fixture.hpp"

using namespace souk;
using souk::testing::same;
using souk::testing::session_fixture;

namespace {

const char* const skus[] = {"SKU-123", "SKU-900", "SKU-EUR", "SKU-404", ""};
const char* const variants[] = {"blue-m", "red-m", "", "green-xl"};
const char* const codes[] = {"CODE-MARCH10", "FIVEOFF", "OLD5", "GONE", "NOPE"};

struct generator {
  std::mt19937_64 rng;
  template <class T, std::size_t N>
  const T& pick(const T (&options)[N]) {
    return options[std::uniform_int_distribution<std::size_t>(0, N - 1)(rng)];
  }
  int64_t between(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  }
};

v1::Command random_command(session_fixture& s, generator& g) {
  switch (g.between(0, 13)) {
    case 0: return s.view(g.pick(skus));
    case 1: {
      auto c = s.command();
      c.mutable_select_variant()->set_sku(g.pick(skus));
      c.mutable_select_variant()->set_variant_id(g.pick(variants));
      return c;
    }
    case 2:
    case 3: return s.add(g.pick(skus), g.pick(variants), g.between(-1, 4));
    case 4: {
      auto c = s.command();
      c.mutable_set_quantity()->set_sku(g.pick(skus));
      c.mutable_set_quantity()->set_variant_id(g.pick(variants));
      c.mutable_set_quantity()->set_quantity(g.between(0, 6));
      return c;
    }
    case 5: {
      auto c = s.command();
      c.mutable_remove_from_cart()->set_sku(g.pick(skus));
      return c;
    }
    case 6: return s.discount(g.pick(codes));
    case 7: return s.address();
    case 8: return s.checkout();
    case 9: return s.payment(g.between(0, 1) == 1);
    case 10: {
      auto c = s.command();
      c.mutable_roll_back()->set_reason("retry");
      return c;
    }
    case 11: {
      // Stock moves in the world and the inventory agent reports it.
      std::string variant = g.between(0, 1) ? "blue-m" : "red-m";
      int64_t available = g.between(0, 5);
      s.ctx.set_stock("SKU-123", variant, available);
      return s.stock("SKU-123", variant, available);
    }
    case 12: {
      auto c = s.command(g.between(0, 1) ? "chat-agent" : "email-agent");
      c.mutable_record_customer_message()->set_channel("chat");
      c.mutable_record_customer_message()->set_text("turn " + std::to_string(g.between(0, 99)));
      return c;
    }
    default: {
      auto c = s.command();
      c.mutable_record_decision()->set_kind("recommend");
      c.mutable_record_decision()->set_confidence(g.between(0, 10) / 10.0);
      return c;
    }
  }
}

void check_stock_invariant(const session_fixture& s) {
  if (s.state.phase() == v1::CHECKOUT_PHASE_COMPLETED) return;
  for (const auto& line : s.state.cart().lines()) {
    auto available = s.ctx.available(line.sku(), line.variant_id());
    if (available) BOOST_TEST_REQUIRE(line.quantity() <= *available);
    BOOST_TEST_REQUIRE(line.quantity() > 0);
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_replay_property)

BOOST_AUTO_TEST_CASE(replay_equals_live_state_for_random_command_sequences) {
  int accepted = 0, refused = 0, completed = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    BOOST_TEST_CONTEXT("seed " << seed) {
      session_fixture s;
      generator g{std::mt19937_64(seed)};
      std::vector<v1::SessionState> snapshots{s.state};
      for (int step = 0; step < 150; ++step) {
        auto before = s.state;
        auto events = s.run(random_command(s, g));
        if (!events) {
          ++refused;
          BOOST_TEST_REQUIRE(same(before, s.state));
          continue;
        }
        ++accepted;
        check_stock_invariant(s);
        if (step % 17 == 0) snapshots.push_back(s.state);
      }
      if (s.state.phase() == v1::CHECKOUT_PHASE_COMPLETED) ++completed;
      BOOST_TEST_REQUIRE(s.state.version() == s.journal.size());

      auto from_scratch = session::replay(s.journal);
      BOOST_REQUIRE(from_scratch);
      BOOST_TEST_REQUIRE(same(*from_scratch, s.state));

      for (const auto& snapshot : snapshots) {
        std::vector<v1::Event> tail(s.journal.begin() + snapshot.version(), s.journal.end());
        auto resumed = session::replay(tail, snapshot);
        BOOST_REQUIRE(resumed);
        BOOST_TEST_REQUIRE(same(*resumed, s.state));
      }
    }
  }
  // The generator reaches both sides of the rules and whole checkouts.
  BOOST_TEST(accepted > 1000);
  BOOST_TEST(refused > 1000);
  BOOST_TEST(completed > 0);
}

BOOST_AUTO_TEST_SUITE_END()
