#pragma once

#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include "session/apply.hpp"
#include "session/decide.hpp"
#include "session/in_memory_context.hpp"

namespace souk::testing {

inline v1::Money usd(int64_t cents) {
  v1::Money m;
  m.set_minor_units(cents);
  m.set_currency("USD");
  return m;
}

/// A started session over a small catalog: SKU-123 Trail Jacket (USD 129.00) in blue-m
/// and red-m, 5 of each; SKU-900 gift card (USD 25.00), no variants, not stock-tracked;
/// SKU-EUR scarf priced in EUR. Codes: CODE-MARCH10 (10%, 30 days), FIVEOFF (USD 5),
/// OLD5 (expired), GONE (withdrawn).
/// `run` decides a command and, when accepted, applies its events to `state` and keeps
/// them in `journal`, as the actor shell does.
struct session_fixture {
  session::in_memory_context ctx{google::protobuf::util::TimeUtil::SecondsToTimestamp(1774000000),
                                 /*id_seed=*/7};
  v1::SessionState state;
  std::vector<v1::Event> journal;
  int commands = 0;

  explicit session_fixture(bool start = true) {
    stock_catalog();
    if (start) {
      auto c = command();
      c.mutable_start_session()->set_customer_id("cust-42");
      c.mutable_start_session()->set_channel("chat");
      must(c);
    }
  }

  void stock_catalog() {
    v1::Product jacket;
    jacket.set_sku("SKU-123");
    jacket.set_name("Trail Jacket");
    *jacket.mutable_price() = usd(12900);
    for (const char* id : {"blue-m", "red-m"}) {
      auto& v = *jacket.add_variants();
      v.set_variant_id(id);
      ctx.set_stock("SKU-123", id, 5);
    }
    ctx.add_product(jacket);
    v1::Product card;
    card.set_sku("SKU-900");
    card.set_name("Gift Card");
    *card.mutable_price() = usd(2500);
    ctx.add_product(card);
    v1::Product scarf;
    scarf.set_sku("SKU-EUR");
    scarf.set_name("Scarf");
    scarf.mutable_price()->set_minor_units(3000);
    scarf.mutable_price()->set_currency("EUR");
    ctx.add_product(scarf);

    auto code = [&](const char* name, int bp, int64_t off, int64_t expires_in, bool active) {
      v1::DiscountRule rule;
      rule.set_code(name);
      rule.set_percent_off_bp(bp);
      if (off) *rule.mutable_amount_off() = usd(off);
      *rule.mutable_expires_at() =
          ctx.now() + google::protobuf::util::TimeUtil::SecondsToDuration(expires_in);
      rule.set_active(active);
      ctx.add_discount(rule);
    };
    v1::CustomerRecord customer;
    customer.set_customer_id("cust-42");
    customer.set_loyalty_tier("gold");
    ctx.add_customer(customer);
    code("CODE-MARCH10", 1000, 0, 30 * 86400, true);
    code("FIVEOFF", 0, 500, 30 * 86400, true);
    code("OLD5", 500, 0, -60, true);
    code("GONE", 500, 0, 86400, false);
  }

  v1::Command command(const std::string& agent = "chat-agent") {
    v1::Command c;
    c.set_command_id("cmd-" + std::to_string(++commands));
    c.set_session_id("sess-1");
    c.set_agent_id(agent);
    return c;
  }

  session::result<std::vector<v1::Event>> run(const v1::Command& c) {
    ctx.advance_seconds(1);
    auto events = session::decide(state, c, ctx);
    if (events)
      for (const auto& event : *events) {
        if (auto error = session::apply_to(state, event))
          BOOST_FAIL("decided event does not apply: " << error->message());
        journal.push_back(event);
      }
    return events;
  }

  /// Runs a command that must be accepted; returns its events.
  std::vector<v1::Event> must(const v1::Command& c) {
    auto events = run(c);
    if (!events) BOOST_FAIL("refused: " << events.error().message());
    return *events;
  }

  /// Runs a command that must be refused with `code`; checks nothing changed.
  v1::Error refused(const v1::Command& c, v1::ErrorCode code) {
    auto before = state;
    auto journal_size = journal.size();
    auto events = run(c);
    BOOST_REQUIRE_MESSAGE(!events, "accepted a command that breaks a rule");
    BOOST_TEST(v1::ErrorCode_Name(events.error().code()) == v1::ErrorCode_Name(code));
    BOOST_TEST(!events.error().message().empty());
    BOOST_TEST(google::protobuf::util::MessageDifferencer::Equals(before, state));
    BOOST_TEST(journal.size() == journal_size);
    return events.error();
  }

  // Command builders for the common cases.
  v1::Command view(const std::string& sku) {
    auto c = command();
    c.mutable_view_product()->set_sku(sku);
    return c;
  }
  v1::Command add(const std::string& sku, const std::string& variant, int64_t qty) {
    auto c = command();
    c.mutable_add_to_cart()->set_sku(sku);
    c.mutable_add_to_cart()->set_variant_id(variant);
    c.mutable_add_to_cart()->set_quantity(qty);
    return c;
  }
  v1::Command discount(const std::string& code) {
    auto c = command();
    c.mutable_apply_discount()->set_code(code);
    return c;
  }
  v1::Command address() {
    auto c = command();
    auto& a = *c.mutable_set_shipping_address()->mutable_address();
    a.add_lines("1 Main St");
    a.set_city("Springfield");
    a.set_country("US");
    return c;
  }
  v1::Command checkout() {
    auto c = command("email-agent");
    c.mutable_checkout();
    return c;
  }
  v1::Command payment(bool authorized) {
    auto c = command("payment-agent");
    c.mutable_record_payment_result()->set_authorized(authorized);
    if (!authorized) c.mutable_record_payment_result()->set_failure_reason("declined");
    return c;
  }
  v1::Command stock(const std::string& sku, const std::string& variant, int64_t available) {
    auto c = command("inventory-sync");
    c.mutable_reconcile_stock()->set_sku(sku);
    c.mutable_reconcile_stock()->set_variant_id(variant);
    c.mutable_reconcile_stock()->set_available(available);
    return c;
  }

  int64_t quantity(const std::string& sku, const std::string& variant) const {
    for (const auto& line : state.cart().lines())
      if (line.sku() == sku && line.variant_id() == variant) return line.quantity();
    return 0;
  }
};

inline bool same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace souk::testing
