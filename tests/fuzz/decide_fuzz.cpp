// decide and apply over random states and commands. A run starts from a journey's state,
// an empty one or a state made of the input's bytes (anything a snapshot or a transfer
// could hold), then decides commands built from the input. After every command: a
// refusal has a code (decide takes the state as const: it changes nothing); an accepted
// command's events apply, one after the other; and at the end the state equals the
// replay of every event since the start.
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "fuzz_shop.hpp"
#include "runtime/gateway/json_printer.hpp"
#include "session/queries.hpp"
#include "session/validate.hpp"

using namespace souk;
using souk::fuzz::same;

namespace {

std::string pick_id(FuzzedDataProvider& in) {
  static const char* const known[] = {"SKU-123", "SKU-900", "SKU-EUR", "blue-m",  "red-m",
                                      "MARCH10", "FIVEOFF", "OLD5",    "cust-1",  "",
                                      "q1",      "chat",    "s1",      "payments"};
  if (in.ConsumeBool()) return known[in.ConsumeIntegralInRange<size_t>(0, std::size(known) - 1)];
  return in.ConsumeRandomLengthString(200);
}

int64_t pick_number(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: return in.ConsumeIntegralInRange<int64_t>(-3, 10);
    case 1: return in.ConsumeBool() ? INT64_MAX : INT64_MIN;
    case 2: return in.ConsumeIntegralInRange<int64_t>(99'990, 100'010);
    case 3: return in.ConsumeIntegralInRange<int64_t>(999'999'999'990, 1'000'000'000'010);
    default: return in.ConsumeIntegral<int64_t>();
  }
}

v1::Money pick_money(FuzzedDataProvider& in) {
  v1::Money m;
  m.set_minor_units(pick_number(in));
  m.set_currency(in.ConsumeBool() ? "USD" : pick_id(in));
  return m;
}

// A command of one of the 26 kinds, its fields from the input.
v1::Command make_command(FuzzedDataProvider& in, const v1::SessionState& state) {
  v1::Command c = fuzz::command(in.ConsumeBool() ? "chat-agent" : pick_id(in));
  if (in.ConsumeIntegralInRange<int>(0, 9) == 0) c.set_session_id(pick_id(in));
  if (in.ConsumeIntegralInRange<int>(0, 5) == 0)
    c.set_expected_version(in.ConsumeBool() ? state.version() : in.ConsumeIntegral<uint64_t>());
  switch (in.ConsumeIntegralInRange<int>(0, 25)) {
    case 0: {
      auto& b = *c.mutable_start_session();
      b.set_customer_id(pick_id(in));
      b.set_channel(pick_id(in));
      b.set_loyalty_tier(pick_id(in));
      break;
    }
    case 1: {
      auto& b = *c.mutable_record_customer_message();
      b.set_channel(pick_id(in));
      b.set_text(in.ConsumeRandomLengthString(300));
      b.set_message_id(pick_id(in));
      break;
    }
    case 2: {
      auto& b = *c.mutable_send_agent_message();
      b.set_channel(pick_id(in));
      b.set_text(in.ConsumeRandomLengthString(300));
      break;
    }
    case 3: c.mutable_view_product()->set_sku(pick_id(in)); break;
    case 4: {
      auto& b = *c.mutable_select_variant();
      b.set_sku(pick_id(in));
      b.set_variant_id(pick_id(in));
      break;
    }
    case 5: {
      auto& b = *c.mutable_add_to_cart();
      b.set_sku(pick_id(in));
      b.set_variant_id(pick_id(in));
      b.set_quantity(pick_number(in));
      break;
    }
    case 6: {
      auto& b = *c.mutable_remove_from_cart();
      b.set_sku(pick_id(in));
      b.set_variant_id(pick_id(in));
      break;
    }
    case 7: {
      auto& b = *c.mutable_set_quantity();
      b.set_sku(pick_id(in));
      b.set_variant_id(pick_id(in));
      b.set_quantity(pick_number(in));
      break;
    }
    case 8: c.mutable_apply_discount()->set_code(pick_id(in)); break;
    case 9: {
      auto& b = *c.mutable_revoke_discount();
      b.set_code(pick_id(in));
      b.set_reason(in.ConsumeRandomLengthString(50));
      break;
    }
    case 10: {
      auto& a = *c.mutable_set_shipping_address()->mutable_address();
      for (int i = in.ConsumeIntegralInRange<int>(0, 10); i > 0; --i)
        a.add_lines(in.ConsumeRandomLengthString(40));
      a.set_country(pick_id(in));
      break;
    }
    case 11: {
      auto& b = *c.mutable_select_shipping_method();
      b.set_method(pick_id(in));
      *b.mutable_price() = pick_money(in);
      break;
    }
    case 12: {
      auto& b = *c.mutable_learn_preference();
      b.set_key(pick_id(in));
      b.set_value(in.ConsumeRandomLengthString(40));
      break;
    }
    case 13: {
      auto& b = *c.mutable_record_attribute();
      b.set_name(pick_id(in));
      b.set_value(in.ConsumeRandomLengthString(40));
      b.set_ttl_seconds(pick_number(in));
      break;
    }
    case 14: {
      auto& b = *c.mutable_record_decision();
      b.set_kind(pick_id(in));
      b.set_confidence(in.ConsumeFloatingPoint<double>());
      for (int i = in.ConsumeIntegralInRange<int>(0, 25); i > 0; --i)
        b.add_fallbacks_tried(in.ConsumeRandomLengthString(20));
      break;
    }
    case 15: c.mutable_take_checkpoint()->set_reason(in.ConsumeRandomLengthString(20)); break;
    case 16: c.mutable_checkout(); break;
    case 17: {
      auto& b = *c.mutable_record_payment_result();
      b.set_attempt_id(in.ConsumeBool() && !state.payments().empty()
                           ? state.payments().rbegin()->attempt_id()
                           : pick_id(in));
      b.set_authorized(in.ConsumeBool());
      b.set_order_id(pick_id(in));
      break;
    }
    case 18: c.mutable_roll_back()->set_reason(in.ConsumeRandomLengthString(20)); break;
    case 19: {
      auto& b = *c.mutable_reconcile_stock();
      b.set_sku(pick_id(in));
      b.set_variant_id(pick_id(in));
      b.set_available(pick_number(in));
      break;
    }
    case 20: c.mutable_revalidate_discounts(); break;
    case 21: {
      auto& b = *c.mutable_hand_off();
      b.set_to_agent_id(pick_id(in));
      b.set_reason(in.ConsumeRandomLengthString(20));
      break;
    }
    case 22: {
      auto& b = *c.mutable_record_migration();
      b.set_to_node(pick_id(in));
      b.set_ownership_epoch(in.ConsumeIntegral<uint64_t>());
      break;
    }
    case 23: {
      auto& b = *c.mutable_raise_question();
      b.set_question_id(pick_id(in));
      b.set_text(in.ConsumeRandomLengthString(40));
      break;
    }
    case 24: c.mutable_resolve_question()->set_question_id(pick_id(in)); break;
    default: c.mutable_summarize_transcript()->set_summary(in.ConsumeRandomLengthString(2100)); break;
  }
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  session::in_memory_context ctx(fuzz::shop_opening(), 7);
  fuzz::stock_shop(ctx);
  v1::SessionState start;
  static const v1::SessionState after_journey = [] {
    session::in_memory_context journey_ctx(fuzz::shop_opening(), 7);
    fuzz::stock_shop(journey_ctx);
    auto replayed = session::replay(fuzz::journey(journey_ctx));
    SOUK_FUZZ_CHECK(replayed.has_value());
    return *replayed;
  }();
  switch (in.ConsumeIntegralInRange<int>(0, 2)) {
    case 0:
      start = after_journey;
      ctx.advance_seconds(60);
      break;
    case 1: {  // a state as a snapshot or a transfer could bring it: any bytes at all
      auto bytes = in.ConsumeRandomLengthString(4096);
      if (!start.ParseFromString(bytes)) start.Clear();
      start.set_schema_version(session::current_schema_version);
      break;
    }
    default:
      break;
  }
  v1::SessionState state = start;
  std::vector<v1::Event> applied;
  // From a state within the schema's limits, decide makes only events within them too
  // (its own ids included: a transfer of the session must pass check_limits).
  const bool start_within_limits = !session::check_limits(start);
  while (in.remaining_bytes() > 0) {
    ctx.advance_seconds(in.ConsumeIntegralInRange<int64_t>(0, 100000));
    const v1::Command c = make_command(in, state);
    auto decided = session::decide(state, c, ctx);  // pure: `state` is const to it
    if (!decided) {
      SOUK_FUZZ_CHECK(decided.error().code() != v1::ERROR_CODE_UNSPECIFIED);
      continue;
    }
    // decide's promise: its events apply, one after the other.
    for (const auto& e : *decided) {
      if (start_within_limits) {
        auto beyond = session::check_limits(e);
        if (beyond) std::fprintf(stderr, "a decided event is beyond its limits: %s\n", beyond->message().c_str());
        SOUK_FUZZ_CHECK(!beyond);
      }
      auto error = session::apply_to(state, e);
      if (error) std::fprintf(stderr, "an accepted event does not apply: %s\n", error->message().c_str());
      SOUK_FUZZ_CHECK(!error);
      applied.push_back(e);
    }
  }
  // The state is the replay of its events from the start.
  auto replayed = session::replay(applied, start);
  SOUK_FUZZ_CHECK(replayed.has_value());
  SOUK_FUZZ_CHECK(same(*replayed, state));
  // And it can be shown and priced, whatever it holds.
  std::string json;
  SOUK_FUZZ_CHECK(gateway::print_json(state, json));
  (void)session::price(state.cart());
  return 0;
}
