// souk-demo: the seed's customer journey walked through the pure session core, printing
// each command, the events it decided and the state they produce; then the same events
// replayed from scratch, which must give the same state.
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>

#include "session/apply.hpp"
#include "session/decide.hpp"
#include "session/in_memory_context.hpp"
#include "session/queries.hpp"

namespace {

using namespace souk;
using google::protobuf::util::TimeUtil;

v1::Money usd(int64_t cents) {
  v1::Money m;
  m.set_minor_units(cents);
  m.set_currency("USD");
  return m;
}

void stock_catalog(session::in_memory_context& ctx) {
  v1::Product jacket;
  jacket.set_sku("SKU-123");
  jacket.set_name("Trail Jacket");
  jacket.set_category("outerwear");
  *jacket.mutable_price() = usd(12900);
  for (const char* color : {"blue", "red", "black"}) {
    auto& variant = *jacket.add_variants();
    variant.set_variant_id(std::string(color) + "-m");
    variant.set_color(color);
    variant.set_size("M");
    ctx.set_stock("SKU-123", variant.variant_id(), 5);
  }
  ctx.add_product(jacket);
  v1::DiscountRule march;
  march.set_code("CODE-MARCH10");
  march.set_percent_off_bp(1000);
  march.set_active(true);
  *march.mutable_expires_at() = ctx.now() + TimeUtil::SecondsToDuration(30 * 86400);
  ctx.add_discount(march);
}

std::string json(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

// The event's body, named by its type, e.g. CartItemAdded {"sku":"SKU-123",...}.
std::string describe(const v1::Event& event) {
  const auto* oneof = event.GetDescriptor()->FindOneofByName("body");
  const auto* field = event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  const auto& body = event.GetReflection()->GetMessage(event, field);
  return body.GetDescriptor()->name() + " " + json(body);
}

void print_state(const v1::SessionState& state) {
  std::cout << "    state v" << state.version() << ": phase "
            << v1::CheckoutPhase_Name(state.phase()) << ", focus "
            << (state.conversation().focus_sku().empty() ? "-"
                                                         : state.conversation().focus_sku());
  for (const auto& line : state.cart().lines())
    std::cout << ", " << line.quantity() << " x " << line.sku() << "/" << line.variant_id()
              << " (" << v1::MutationStatus_Name(line.status()) << ")";
  if (auto totals = session::price(state.cart()); totals && totals->subtotal.minor_units())
    std::cout << ", total " << totals->total.currency() << " "
              << totals->total.minor_units() / 100 << "." << std::setw(2)
              << std::setfill('0') << totals->total.minor_units() % 100 << std::setfill(' ');
  std::cout << "\n";
}

}  // namespace

int main() {
  auto start = TimeUtil::SecondsToTimestamp(1774000000);  // 2026-03-20, MARCH10 season
  session::in_memory_context ctx(start, /*id_seed=*/42);
  stock_catalog(ctx);

  v1::SessionState state;
  v1::EventList journal;
  int command_number = 0;
  auto run = [&](const std::string& agent, const std::string& what, auto&& fill) {
    v1::Command command;
    command.set_command_id("cmd-" + std::to_string(++command_number));
    command.set_session_id("sess-0001");
    command.set_agent_id(agent);
    fill(command);
    ctx.advance_seconds(20);
    std::cout << "\n" << agent << ": " << what << "\n";
    auto events = session::decide(state, command, ctx);
    if (!events) {
      std::cout << "    refused: " << v1::ErrorCode_Name(events.error().code()) << ": "
                << events.error().message() << "\n";
      return;
    }
    for (const auto& event : *events) {
      std::cout << "    [" << event.seq() << "] " << describe(event) << "\n";
      if (auto error = session::apply_to(state, event)) {
        std::cerr << "apply failed: " << error->message() << "\n";
        std::exit(1);
      }
      *journal.add_events() = event;
    }
    print_state(state);
  };

  std::cout << "souk walk-through: one shopper, the seed's journey, through the pure core\n";
  run("chat-agent", "a shopper opens the chat", [](v1::Command& c) {
    c.mutable_start_session()->set_customer_id("cust-42");
    c.mutable_start_session()->set_channel("chat");
  });
  run("chat-agent", "\"show me the trail jacket\"", [](v1::Command& c) {
    c.mutable_view_product()->set_sku("SKU-123");
  });
  run("chat-agent", "\"do you have it in blue?\" (no sku: the product in focus)",
      [](v1::Command& c) { c.mutable_select_variant()->set_variant_id("blue-m"); });
  run("chat-agent", "\"add two\" (focus and selected variant fill the blanks)",
      [](v1::Command& c) { c.mutable_add_to_cart()->set_quantity(2); });
  run("chat-agent", "\"add ten more\" (only 5 in stock)",
      [](v1::Command& c) { c.mutable_add_to_cart()->set_quantity(10); });
  run("chat-agent", "\"apply MARCH10\"", [](v1::Command& c) {
    c.mutable_apply_discount()->set_code("CODE-MARCH10");
  });
  run("email-agent", "checkout without an address", [](v1::Command& c) {
    c.mutable_checkout();
  });
  run("email-agent", "\"ship to 1 Main St, Springfield\"", [](v1::Command& c) {
    auto& a = *c.mutable_set_shipping_address()->mutable_address();
    a.set_name("Sam Shopper");
    a.add_lines("1 Main St");
    a.set_city("Springfield");
    a.set_postal_code("12345");
    a.set_country("US");
  });
  run("email-agent", "check out: the shopper confirms the cart", [](v1::Command& c) {
    c.mutable_checkout();
  });
  run("payment-agent", "the card is declined", [&](v1::Command& c) {
    c.mutable_record_payment_result()->set_authorized(false);
    c.mutable_record_payment_result()->set_failure_reason("card declined");
  });
  run("chat-agent", "the agent drops a jacket while the shopper looks for a card",
      [](v1::Command& c) { c.mutable_set_quantity()->set_quantity(1); });
  run("payment-agent", "roll back to what the shopper confirmed", [](v1::Command& c) {
    c.mutable_roll_back()->set_reason("payment failed; shopper retries");
  });
  run("email-agent", "check out again", [](v1::Command& c) { c.mutable_checkout(); });
  run("payment-agent", "the second card is authorized", [](v1::Command& c) {
    c.mutable_record_payment_result()->set_authorized(true);
    c.mutable_record_payment_result()->set_provider_reference("sim-auth-7781");
  });

  auto replayed = session::replay(journal.events());
  bool same = replayed && google::protobuf::util::MessageDifferencer::Equals(*replayed, state);
  std::cout << "\nreplayed " << journal.events_size() << " events from scratch: "
            << (same ? "identical to the live state" : "DIVERGES from the live state")
            << "\n";
  return same ? 0 : 1;
}
