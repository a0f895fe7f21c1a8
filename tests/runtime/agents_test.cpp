// Agents against a real node: the seed's conversation through the rule brain, chat and
// email on one session at once, and payments that fail, roll back and never charge twice.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "agents/conversation_agent.hpp"
#include "agents/customer_service.hpp"
#include "agents/handoff.hpp"
#include "agents/inventory_sync.hpp"
#include "agents/payment.hpp"
#include "agents/stored_catalog.hpp"
#include "caf_fixture.hpp"
#include "runtime/node.hpp"
#include "runtime/node_client.hpp"
#include "store_fixture.hpp"

using namespace souk;

namespace {

struct shop_fixture : testing::caf_system {
  testing::temp_dir dir;
  std::unique_ptr<runtime::node> node;
  std::unique_ptr<runtime::node_client> client;
  std::shared_ptr<agents::stored_catalog> catalog;
  std::unique_ptr<agents::rule_brain> brain;
  std::unique_ptr<agents::conversation_agent> chat, email;
  agents::simulated_payment_provider provider{{}};
  std::unique_ptr<agents::payment_agent> payments;

  shop_fixture() {
    runtime::node_options options;
    options.data_dir = dir.str();
    node = std::move(runtime::node::open(system, options).value());
    std::ifstream in(SOUK_SAMPLE_CATALOG);
    BOOST_REQUIRE(node->reference().load_jsonl(in));
    client = std::make_unique<runtime::node_client>(system, *node);
    auto tables = std::shared_ptr<const persistence::reference_tables>(
        std::shared_ptr<persistence::reference_tables>{}, &node->reference());
    catalog = agents::stored_catalog::open(tables).value();
    brain = std::make_unique<agents::rule_brain>(catalog);
    chat = std::make_unique<agents::conversation_agent>("chat-agent", "chat", *brain, *client);
    email = std::make_unique<agents::conversation_agent>("email-agent", "email", *brain, *client);
    payments = std::make_unique<agents::payment_agent>("payment-agent", provider, *client);
  }
  ~shop_fixture() { node->shutdown(); }

  std::string say(agents::conversation_agent& agent, const std::string& session,
                  const std::string& text) {
    auto turn = agent.hear(session, text);
    if (!turn) BOOST_FAIL("turn failed: " << turn.error().message());
    return turn->reply;
  }
  v1::SessionState state(const std::string& session) { return client->state(session).state(); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_agents)

BOOST_AUTO_TEST_CASE(the_seed_conversation_through_the_rule_brain) {
  shop_fixture f;
  BOOST_REQUIRE(f.chat->start("s1", "cust-1").has_accepted());
  BOOST_TEST(f.say(*f.chat, "s1", "show me the trail jacket").find("Trail Jacket") !=
             std::string::npos);
  BOOST_TEST(f.say(*f.chat, "s1", "do you have it in blue?").find("blue") != std::string::npos);
  f.say(*f.chat, "s1", "add two");
  f.say(*f.chat, "s1", "apply MARCH10");
  auto s = f.state("s1");
  BOOST_REQUIRE(s.cart().lines_size() == 1);
  BOOST_TEST(s.cart().lines(0).sku() == "SKU-123");
  BOOST_TEST(s.cart().lines(0).variant_id() == "blue-m");
  BOOST_TEST(s.cart().lines(0).quantity() == 2);
  BOOST_TEST(s.cart().discounts(0).code() == "MARCH10");
  BOOST_TEST(s.customer().preferences().at("color") == "blue");
  // Every turn left its decision and both sides of the conversation.
  BOOST_TEST(s.decisions_size() == 4);
  BOOST_TEST(s.decisions(1).kind() == "select_variant");
  BOOST_TEST(s.decisions(1).outcome() == "done");
  BOOST_TEST(s.conversation().transcript_size() == 8);
  // A broken rule becomes the answer, and the decision says so.
  auto reply = f.say(*f.chat, "s1", "check out");
  BOOST_TEST(reply.find("no shipping address") != std::string::npos, reply);
  BOOST_TEST(f.state("s1").decisions(4).outcome() == "refused: ERROR_CODE_MISSING_ADDRESS");
}

BOOST_AUTO_TEST_CASE(chat_and_email_change_one_cart_at_once) {
  shop_fixture f;
  BOOST_REQUIRE(f.chat->start("s1", "cust-2").has_accepted());
  f.say(*f.chat, "s1", "show me the gift card 25");
  std::thread by_email([&] {
    for (int i = 0; i < 10; ++i) f.say(*f.email, "s1", "add one");
  });
  for (int i = 0; i < 10; ++i) f.say(*f.chat, "s1", "add one");
  by_email.join();
  auto s = f.state("s1");
  BOOST_REQUIRE(s.cart().lines_size() == 1);
  BOOST_TEST(s.cart().lines(0).quantity() == 20);  // duplicate adds sum
  int by_chat = 0, by_mail = 0;
  for (const auto& turn : s.conversation().transcript()) {
    by_chat += turn.channel() == "chat";
    by_mail += turn.channel() == "email";
  }
  BOOST_TEST(by_chat > 0);
  BOOST_TEST(by_mail > 0);
}

BOOST_AUTO_TEST_CASE(a_declined_payment_rolls_back_and_a_retry_charges_once) {
  shop_fixture f;
  BOOST_REQUIRE(f.chat->start("s1", "cust-3").has_accepted());
  f.say(*f.chat, "s1", "show me the trail jacket");
  f.say(*f.chat, "s1", "in red");
  f.say(*f.chat, "s1", "add one");
  f.say(*f.chat, "s1", "ship to 1 Main St, Springfield, US");
  f.say(*f.chat, "s1", "check out");
  const auto attempt = f.state("s1").payments(0);
  f.provider.decline(attempt.idempotency_key());
  const auto initiated_at = f.state("s1").version();
  auto first = f.payments->settle("s1", "chat");
  BOOST_REQUIRE(first);
  // The state that initiated the payment was made durable as a snapshot before the
  // provider was called (the session is far from its 100-event snapshot interval).
  auto snapshots = f.node->journal().snapshot_versions("s1").value();
  BOOST_TEST((std::find(snapshots.begin(), snapshots.end(), initiated_at) != snapshots.end()));
  BOOST_TEST(first->had_pending);
  BOOST_TEST(!first->authorized);
  auto s = f.state("s1");
  BOOST_TEST(s.phase() == v1::CHECKOUT_PHASE_SHOPPING);  // rolled back, cart kept
  BOOST_TEST(s.cart().lines(0).quantity() == 1);
  BOOST_TEST(s.conversation().transcript().rbegin()->text().find("did not go through") !=
             std::string::npos);

  f.say(*f.chat, "s1", "check out");
  auto second = f.payments->settle("s1", "chat");
  BOOST_REQUIRE(second);
  BOOST_TEST(second->authorized);
  BOOST_TEST(f.state("s1").phase() == v1::CHECKOUT_PHASE_COMPLETED);
  // Settling again (as after a crash) finds nothing pending and charges nothing.
  auto again = f.payments->settle("s1", "chat");
  BOOST_TEST(!again->had_pending);
  BOOST_TEST(f.provider.charges() == 1u);
}

BOOST_AUTO_TEST_CASE(the_inventory_feed_clamps_carts_while_customers_shop) {
  shop_fixture f;
  BOOST_REQUIRE(f.chat->start("s1", "cust-4").has_accepted());
  f.say(*f.chat, "s1", "show me the trail jacket");
  f.say(*f.chat, "s1", "in blue");
  f.say(*f.chat, "s1", "add three");
  agents::inventory_sync_agent inventory("inventory-sync", *f.node);
  std::istringstream feed(R"({"sku": "SKU-123", "variantId": "blue-m", "available": "1"}
{"sku": "SKU-123", "variantId": "red-m", "available": "9"}
{"sku": "SKU-123", "available": "-3"}
{"sku": "SKU-123", "variantId": "red-m", "available": "0"}
)");
  auto report = inventory.sync(feed);
  BOOST_REQUIRE(!report);
  BOOST_TEST(report.error().message().rfind("stock feed line 3: ", 0) == 0, report.error().message());
  BOOST_TEST(**f.node->reference().stock("SKU-123", "red-m") == 9);  // line 4 not reached
  for (int wait = 0; wait < 400 && f.state("s1").cart().lines(0).quantity() != 1; ++wait)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  BOOST_TEST(f.state("s1").cart().lines(0).quantity() == 1);
}

BOOST_AUTO_TEST_CASE(a_handoff_to_the_sizing_specialist_is_validated_then_taken) {
  shop_fixture f;
  BOOST_REQUIRE(f.chat->start("s1", "cust-5").has_accepted());
  f.say(*f.chat, "s1", "show me the trail jacket");
  f.say(*f.chat, "s1", "in blue");
  f.say(*f.chat, "s1", "add one");
  agents::sizing_specialist sizing("sizing-agent", "chat", f.node->context(),
                                   f.node->transfer_keys(), *f.client);

  auto exported = f.client->export_transfer("s1", "sizing-agent", "asked about fit");
  BOOST_REQUIRE(exported.has_transfer());
  auto tampered = exported.transfer();
  tampered.mutable_payload()->mutable_state()->mutable_cart()->mutable_lines(0)->set_quantity(9);
  auto version = f.state("s1").version();
  auto refused = sizing.take_over(tampered);
  BOOST_TEST(!refused.accepted);
  BOOST_TEST(refused.message.find("altered") != std::string::npos, refused.message);
  BOOST_TEST(f.state("s1").version() == version);  // a refused handoff changes nothing

  auto taken = sizing.take_over(exported.transfer());
  BOOST_TEST(taken.accepted, taken.message);
  auto s = f.state("s1");
  BOOST_TEST(s.owner_agent_id() == "sizing-agent");
  auto events = *f.node->journal().events("s1");
  bool recorded = false;
  for (const auto& e : events)
    recorded |= e.has_session_handed_off() &&
                e.session_handed_off().transfer_checksum() == exported.transfer().checksum();
  BOOST_TEST(recorded);
  auto advice = sizing.advise("s1");
  BOOST_REQUIRE(advice);
  BOOST_TEST(advice->find("size M") != std::string::npos, *advice);
  BOOST_TEST(f.state("s1").decisions().rbegin()->kind() == "sizing");

  // A transfer made stale by a later change is refused too.
  auto stale = f.client->export_transfer("s1", "email-agent", "customer left chat");
  f.say(*f.chat, "s1", "add one");
  auto late = agents::accept_handoff(stale.transfer(), {"email-agent", "email-agent", "email"},
                                     f.node->context(), f.node->transfer_keys(), *f.client);
  BOOST_TEST(!late.accepted);
}

BOOST_AUTO_TEST_CASE(customer_facts_are_fetched_once_recorded_and_never_guessed) {
  shop_fixture f;
  auto tables = std::shared_ptr<const persistence::reference_tables>(
      std::shared_ptr<persistence::reference_tables>{}, &f.node->reference());
  agents::stored_customer_service crm(tables);
  agents::conversation_agent chat("chat-agent", "chat", *f.brain, *f.client, &crm);
  BOOST_REQUIRE(chat.start("prime", "cust-3").has_accepted());  // a Prime member
  BOOST_TEST(f.say(chat, "prime", "do I get free shipping?").find("Prime member you ship free") !=
             std::string::npos);
  f.say(chat, "prime", "and free shipping on returns?");
  BOOST_TEST(crm.fetches() == 1u);  // the second answer came from the session's cache
  auto s = f.state("prime");
  BOOST_TEST(s.customer().attributes().at("prime_member").value() == "true");
  BOOST_TEST(s.customer().attributes().at("prime_member").source() == "crm");
  int fetched = 0;
  auto events = f.node->journal().events("prime").value();
  for (const auto& e : events) fetched += e.has_attribute_fetched();
  BOOST_TEST(fetched == 1);

  BOOST_REQUIRE(chat.start("stranger", "cust-999").has_accepted());
  BOOST_TEST(f.say(chat, "stranger", "free shipping?").find("cannot see") != std::string::npos);
  BOOST_TEST(f.state("stranger").customer().attributes().empty());
}

BOOST_AUTO_TEST_CASE(the_provider_answers_a_repeated_key_the_same) {
  agents::simulated_payment_provider provider({{}, 0.5, 42});
  v1::Money amount;
  amount.set_minor_units(1000);
  amount.set_currency("USD");
  int authorized = 0;
  for (int i = 0; i < 50; ++i) {
    auto key = "sess:" + std::to_string(i);
    auto once = provider.authorize(key, amount);
    auto twice = provider.authorize(key, amount);
    BOOST_REQUIRE(once && twice);
    BOOST_TEST(once->authorized == twice->authorized);
    BOOST_TEST(once->provider_reference == twice->provider_reference);
    authorized += once->authorized;
  }
  BOOST_TEST(provider.charges() == std::size_t(authorized));
  BOOST_TEST(authorized > 10);  // the failure rate is 0.5, not 0 or 1
  BOOST_TEST(authorized < 40);
}

BOOST_AUTO_TEST_SUITE_END()
