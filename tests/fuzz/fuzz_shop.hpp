#pragma once

// What the fuzz targets share: a small shop to decide in, a session journey to start
// from, scratch directories, and the check that ends a run on a broken invariant.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

#include "session/apply.hpp"
#include "session/decide.hpp"
#include "session/in_memory_context.hpp"

namespace souk::fuzz {

/// Stops the run, so libFuzzer keeps the input: an invariant did not hold.
#define SOUK_FUZZ_CHECK(condition)                                                      \
  do {                                                                                  \
    if (!(condition)) {                                                                 \
      std::fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                     \
    }                                                                                   \
  } while (0)

inline bool same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

inline v1::Money usd(int64_t cents) {
  v1::Money m;
  m.set_minor_units(cents);
  m.set_currency("USD");
  return m;
}

/// SKU-123 (USD 129.00) in blue-m and red-m, 5 of each; SKU-900 (USD 25.00), no
/// variants, untracked; SKU-EUR in EUR; codes MARCH10 (10%), FIVEOFF (USD 5), OLD5
/// (expired); customer cust-1. The clock starts at 2026-03-20.
inline void stock_shop(session::in_memory_context& ctx) {
  v1::Product jacket;
  jacket.set_sku("SKU-123");
  jacket.set_name("Trail Jacket");
  *jacket.mutable_price() = usd(12900);
  for (const char* id : {"blue-m", "red-m"}) {
    jacket.add_variants()->set_variant_id(id);
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
  auto code = [&](const char* name, int bp, int64_t off, int64_t expires_in) {
    v1::DiscountRule rule;
    rule.set_code(name);
    rule.set_percent_off_bp(bp);
    if (off) *rule.mutable_amount_off() = usd(off);
    rule.mutable_expires_at()->set_seconds(ctx.now().seconds() + expires_in);
    rule.set_active(true);
    ctx.add_discount(rule);
  };
  code("MARCH10", 1000, 0, 30 * 86400);
  code("FIVEOFF", 0, 500, 30 * 86400);
  code("OLD5", 500, 0, -60);
  v1::CustomerRecord customer;
  customer.set_customer_id("cust-1");
  customer.set_loyalty_tier("gold");
  ctx.add_customer(customer);
}

inline google::protobuf::Timestamp shop_opening() {
  google::protobuf::Timestamp t;
  t.set_seconds(1774000000);
  return t;
}

/// A command to session "s1" from `agent` with every scope.
inline v1::Command command(const std::string& agent = "chat-agent") {
  static uint64_t n = 0;
  v1::Command c;
  c.set_command_id("fuzz-" + std::to_string(++n));
  c.set_session_id("s1");
  c.set_agent_id(agent);
  c.add_scopes("admin");
  return c;
}

/// The events of a short journey of session "s1": started, a jacket viewed and two in
/// the cart, MARCH10, an address, a checkout and a declined payment. `ctx`'s clock moves
/// a second per command.
inline std::vector<v1::Event> journey(session::in_memory_context& ctx) {
  std::vector<v1::Event> events;
  v1::SessionState state;
  auto run = [&](v1::Command c) {
    ctx.advance_seconds(1);
    auto decided = session::decide(state, c, ctx);
    SOUK_FUZZ_CHECK(decided.has_value());
    for (auto& e : *decided) {
      SOUK_FUZZ_CHECK(!session::apply_to(state, e));
      events.push_back(e);
    }
  };
  auto c = command();
  c.mutable_start_session()->set_customer_id("cust-1");
  c.mutable_start_session()->set_channel("chat");
  run(c);
  c = command();
  c.mutable_view_product()->set_sku("SKU-123");
  run(c);
  c = command();
  c.mutable_add_to_cart()->set_sku("SKU-123");
  c.mutable_add_to_cart()->set_variant_id("blue-m");
  c.mutable_add_to_cart()->set_quantity(2);
  run(c);
  c = command();
  c.mutable_apply_discount()->set_code("MARCH10");
  run(c);
  c = command();
  c.mutable_set_shipping_address()->mutable_address()->add_lines("1 Main St");
  c.mutable_set_shipping_address()->mutable_address()->set_country("US");
  run(c);
  c = command();
  c.mutable_checkout();
  run(c);
  c = command("payments");
  c.mutable_record_payment_result()->set_failure_reason("declined");
  run(c);
  return events;
}

/// A directory of its own under /dev/shm (memory: fsyncs cost nothing), removed with it.
struct scratch_dir {
  std::filesystem::path path;
  explicit scratch_dir(const std::string& name) {
    std::filesystem::path base =
        std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    path = base / ("souk-fuzz-" + name + "-" + std::to_string(::getpid()));
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
    std::filesystem::create_directories(path);
  }
  ~scratch_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string str() const { return path.string(); }
};

}  // namespace souk::fuzz
