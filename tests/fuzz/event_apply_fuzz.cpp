// Events as the journal stores them: decoded from a sealed value's payload, upgraded and
// applied to a session in the middle of a journey. Valid but extreme events included
// (the seeds hold some): apply takes an event whole or refuses it leaving the state as
// it was, and a state it took holds times in range, prints and prices.
#include <cstdint>
#include <string>

#include "fuzz_shop.hpp"
#include "persistence/codec.hpp"
#include "runtime/gateway/json_printer.hpp"
#include "session/queries.hpp"
#include "session/validate.hpp"

using namespace souk;

namespace {

const v1::SessionState& journey_state() {
  static const v1::SessionState state = [] {
    session::in_memory_context ctx(fuzz::shop_opening(), 7);
    fuzz::stock_shop(ctx);
    auto events = fuzz::journey(ctx);
    events.pop_back();  // in the middle of a checkout: a payment pending
    auto replayed = session::replay(events);
    SOUK_FUZZ_CHECK(replayed.has_value());
    return *replayed;
  }();
  return state;
}

// What apply must never let a state become: times out of range (its own, or an
// attribute's expiry). Limits it leaves to decide (an older build's events may exceed
// them; tests/fuzz/decide checks decide keeps them).
void check_state(const v1::SessionState& s) {
  SOUK_FUZZ_CHECK(session::valid_timestamp(s.updated_at()));
  for (const auto& [name, attribute] : s.customer().attributes())
    SOUK_FUZZ_CHECK(session::valid_timestamp(attribute.expires_at()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The payload of a `log` value, sealed as the writer seals it, then read back as the
  // readers read it.
  const std::string sealed =
      persistence::seal(std::string_view(reinterpret_cast<const char*>(data), size));
  auto payload = persistence::unseal(sealed);
  SOUK_FUZZ_CHECK(payload.has_value());
  v1::Event event;
  if (!event.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) return 0;
  // Aimed at the journey's next seq, as a stored event would be.
  if (event.seq() % 4 != 0) event.set_seq(journey_state().version() + 1);
  for (const v1::SessionState* base : {&journey_state(), &v1::SessionState::default_instance()}) {
    v1::SessionState state = *base;
    auto error = session::apply_to(state, event);
    if (error) {
      SOUK_FUZZ_CHECK(fuzz::same(state, *base));
      continue;
    }
    SOUK_FUZZ_CHECK(state.version() == event.seq());
    check_state(state);
    std::string json;
    SOUK_FUZZ_CHECK(gateway::print_json(state, json));
    (void)session::price(state.cart());
    // Applying is deterministic.
    v1::SessionState again = *base;
    SOUK_FUZZ_CHECK(!session::apply_to(again, event));
    SOUK_FUZZ_CHECK(fuzz::same(state, again));
  }
  return 0;
}
