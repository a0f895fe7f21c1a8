// souk-demo: a scripted day at a shop, on a real node with its embedded LMDB.
// Several customers at once talk to chat and email agents; inventory sync, payments
// and a restart of the node happen while they shop. Prints a timeline and leaves the
// data directory for inspection (soukctl, persistence/read_session.py).
//
//   souk-demo [--data-dir DIR] [--catalog FILE]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "agents/conversation_agent.hpp"
#include "agents/customer_service.hpp"
#include "agents/handoff.hpp"
#include "agents/inventory_sync.hpp"
#include "agents/payment.hpp"
#include "agents/stored_catalog.hpp"
#include "runtime/node.hpp"
#include "runtime/node_client.hpp"
#include "session/divergence.hpp"
#include "session/queries.hpp"
#include "session/validate.hpp"

#include <google/protobuf/util/message_differencer.h>
#include <map>
#include <tuple>

namespace {

using namespace souk;
using clock_type = std::chrono::steady_clock;

struct demo_config : caf::actor_system_config {
  demo_config() {
    session::add_session_message_types(*this);
    set("scheduler.max-threads", 2);
  }
};

// Timeline lines from several threads, each whole.
class timeline {
 public:
  void say(const std::string& who, const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start_);
    std::cout << "[" << std::setw(6) << std::fixed << std::setprecision(3) << ms.count() / 1000.0
              << "s] " << std::left << std::setw(22) << who << std::right << text << std::endl;
  }
  void section(const std::string& title) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::cout << "\n== " << title << " ==" << std::endl;
  }

 private:
  std::mutex mutex_;
  clock_type::time_point start_ = clock_type::now();
};

std::string money(const v1::Money& m) {
  std::ostringstream out;
  out << "$" << m.minor_units() / 100 << "." << std::setw(2) << std::setfill('0')
      << m.minor_units() % 100;
  return out.str();
}

std::string cart_line(const v1::SessionState& s) {
  std::string out = "v" + std::to_string(s.version()) + " " +
                    v1::CheckoutPhase_Name(s.phase()).substr(15) + ", cart:";
  if (s.cart().lines().empty()) out += " empty";
  for (const auto& line : s.cart().lines())
    out += " " + std::to_string(line.quantity()) + "x " + line.sku() +
           (line.variant_id().empty() ? "" : "/" + line.variant_id());
  for (const auto& d : s.cart().discounts()) out += " [" + d.code() + "]";
  if (auto totals = session::price(s.cart()); totals && totals->subtotal.minor_units() > 0)
    out += ", total " + money(totals->total);
  return out;
}

// The shop: a node and its agents. Re-opened to show a restart.
struct shop {
  caf::actor_system& system;
  timeline& log;
  std::unique_ptr<runtime::node> node;
  std::unique_ptr<runtime::node_client> client;
  std::unique_ptr<agents::rule_brain> brain;
  std::unique_ptr<agents::stored_customer_service> crm;
  std::unique_ptr<agents::conversation_agent> chat, email;
  std::unique_ptr<agents::payment_agent> payments;

  shop(caf::actor_system& sys, timeline& t, const std::string& dir,
       agents::payment_provider& provider)
      : system(sys), log(t) {
    runtime::node_options options;
    options.data_dir = dir;
    options.snapshot_every = 10;
    auto opened = runtime::node::open(system, options);
    if (!opened) throw std::runtime_error(opened.error().message());
    node = std::move(*opened);
    client = std::make_unique<runtime::node_client>(system, *node);
    std::shared_ptr<const persistence::reference_tables> tables(
        std::shared_ptr<persistence::reference_tables>{}, &node->reference());
    auto catalog = agents::stored_catalog::open(tables);
    if (!catalog) throw std::runtime_error(catalog.error().message());
    brain = std::make_unique<agents::rule_brain>(*catalog);
    crm = std::make_unique<agents::stored_customer_service>(tables);
    chat = std::make_unique<agents::conversation_agent>("chat-agent", "chat", *brain, *client,
                                                        crm.get());
    email = std::make_unique<agents::conversation_agent>("email-agent", "email", *brain, *client,
                                                         crm.get());
    payments = std::make_unique<agents::payment_agent>("payment-agent", provider, *client);
  }

  void say(agents::conversation_agent& agent, const std::string& customer,
           const std::string& session, const std::string& text) {
    log.say(customer + " (" + agent.channel() + ")", text);
    auto turn = agent.hear(session, text);
    if (!turn) {
      log.say(agent.agent_id(), "FAILED: " + turn.error().message());
      return;
    }
    log.say(agent.agent_id(), turn->reply + "   [" + turn->decision.kind() + ", " +
                                  turn->decision.outcome() + "]");
  }
  // The agent holding the session exports it; `accept` takes it or says why not.
  template <class Accept>
  bool hand_over(const std::string& session, const std::string& to, const std::string& reason,
                 Accept&& accept) {
    auto exported = client->export_transfer(session, to, reason);
    if (exported.has_error()) {
      log.say("handoff", "FAILED: " + exported.error().message());
      return false;
    }
    auto result = accept(exported.transfer());
    log.say(to, result.message + (result.accepted ? "   [handoff accepted, " +
                                                        exported.transfer().checksum().substr(0, 19) + "...]"
                                                  : "   [handoff rejected]"));
    return result.accepted;
  }
  void pay(const std::string& customer, const std::string& session, const std::string& channel) {
    auto settled = payments->settle(session, channel);
    if (!settled) return log.say("payment-agent", "FAILED: " + settled.error().message());
    log.say("payment-agent", customer + ": " + settled->message);
  }
  v1::SessionState state(const std::string& session) { return client->state(session).state(); }
  void show(const std::string& customer, const std::string& session) {
    log.say("state " + customer, cart_line(state(session)));
  }
};

// A product of `category` with a colour in stock in size M, and that colour.
std::pair<std::string, std::string> pick(const agents::stored_catalog& catalog,
                                         const std::string& name_part) {
  for (const auto& p : catalog.products()) {
    if (p.name().find(name_part) == std::string::npos) continue;
    for (const auto& v : p.variants()) {
      auto left = catalog.stock(p.sku(), v.variant_id());
      if (v.size() == "M" && left && *left >= 3) return {p.name(), v.color()};
    }
  }
  return {"", ""};
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "data/demo";
  std::string catalog_file = "tools/catalog/sample-catalog.jsonl";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--data-dir") dir = argv[i + 1];
    else if (flag == "--catalog") catalog_file = argv[i + 1];
  }
  if (argc % 2 == 0 || (argc > 1 && std::string(argv[1]) == "--help")) {
    std::cerr << "usage: souk-demo [--data-dir DIR] [--catalog FILE]\n";
    return argc > 1 && std::string(argv[1]) == "--help" ? 0 : 2;
  }
  std::filesystem::remove_all(dir);
  demo_config cfg;
  caf::actor_system system{cfg};
  timeline log;
  agents::simulated_payment_provider provider({std::chrono::milliseconds(40), 0.0, 7});

  try {
    auto day = std::make_unique<shop>(system, log, dir, provider);
    std::ifstream catalog_in(catalog_file);
    auto loaded = day->node->reference().load_jsonl(catalog_in, session::check_limits);
    if (!loaded) throw std::runtime_error(catalog_file + ": " + loaded.error().message());
    day.reset();  // open again, so that the agents' catalog view holds the catalog
    day = std::make_unique<shop>(system, log, dir, provider);
    log.section("morning: the shop opens on " + dir);
    log.say("node", "loaded " + std::to_string(loaded->products) + " products, " +
                        std::to_string(loaded->stock_levels) + " stock levels");
    std::shared_ptr<const persistence::reference_tables> tables(
        std::shared_ptr<persistence::reference_tables>{}, &day->node->reference());
    auto catalog = agents::stored_catalog::open(tables).value();
    auto [tee, tee_color] = pick(*catalog, "Women's Merino");

    for (auto [session, customer, agent] :
         {std::tuple{"ana", "cust-1", day->chat.get()}, std::tuple{"ben", "cust-2", day->chat.get()},
          std::tuple{"cara", "cust-3", day->chat.get()}})
      agent->start(session, customer);

    log.section("three customers at once; Ben on chat and email together");
    std::thread ana([&] {
      day->say(*day->chat, "Ana", "ana", "show me the trail jacket");
      day->say(*day->chat, "Ana", "ana", "do you have it in blue?");
      day->say(*day->chat, "Ana", "ana", "add two");
      day->say(*day->chat, "Ana", "ana", "apply MARCH10");
    });
    std::thread cara([&, tee = tee, tee_color = tee_color] {  // (bindings are not captured)
      day->say(*day->chat, "Cara", "cara", "show me the " + tee);
      day->say(*day->chat, "Cara", "cara", "do you have it in " + tee_color + "?");
    });
    day->say(*day->chat, "Ben", "ben", "show me the gift card 50");
    std::thread ben_mail([&] { day->say(*day->email, "Ben", "ben", "add two"); });
    day->say(*day->chat, "Ben", "ben", "add one");
    ben_mail.join();
    ana.join();
    cara.join();
    day->show("Ana", "ana");
    day->show("Ben", "ben");
    log.say("note", "Ben's chat and email adds met in one cart: duplicate adds sum");

    log.section("the warehouse sells blue jackets");
    agents::inventory_sync_agent inventory("inventory-sync", *day->node);
    std::istringstream feed(R"({"sku": "SKU-123", "variantId": "blue-m", "available": "1"})");
    auto synced = inventory.sync(feed);
    log.say("inventory-sync", "SKU-123/blue-m now 1 left; sessions told: " +
                                  std::to_string(synced ? synced->sessions_told : 0));
    for (int wait = 0; wait < 200 && day->state("ana").cart().lines(0).quantity() != 1; ++wait)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    day->show("Ana", "ana");

    log.section("Ana checks out; the first payment is declined");
    day->say(*day->chat, "Ana", "ana", "ship to 1 Main St, Springfield, US");
    day->say(*day->chat, "Ana", "ana", "check out");
    provider.decline(day->state("ana").payments(0).idempotency_key());
    day->pay("Ana", "ana", "chat");
    day->show("Ana", "ana");
    day->say(*day->chat, "Ana", "ana", "check out");
    day->pay("Ana", "ana", "chat");
    day->show("Ana", "ana");

    log.section("midday: the node restarts");
    std::map<std::string, v1::SessionState> before;
    for (const char* s : {"ana", "ben", "cara"}) before[s] = day->state(s);
    day->node->shutdown();
    log.say("node", "stopped: every session passivated with a final snapshot");
    day.reset();
    day = std::make_unique<shop>(system, log, dir, provider);
    int resumed = 0;
    for (const auto& [s, state] : before)
      resumed += google::protobuf::util::MessageDifferencer::Equals(state, day->state(s));
    log.say("node", "reopened: " + std::to_string(resumed) + " of 3 sessions resumed exactly");

    log.section("Cara asks about sizing: a handoff to the specialist");
    agents::sizing_specialist sizing("sizing-agent", "chat", day->node->context(),
                                     day->node->transfer_keys(), *day->client);
    log.say("Cara (chat)", "what size should I take?");
    {
      auto tampered = day->client->export_transfer("cara", "sizing-agent", "sizing question");
      tampered.mutable_transfer()->mutable_payload()->mutable_state()->mutable_customer()
          ->set_loyalty_tier("platinum");
      log.say("sizing-agent", "(a transfer altered in transit) " +
                                  sizing.take_over(tampered.transfer()).message);
    }
    day->hand_over("cara", "sizing-agent", "sizing question",
                   [&](const v1::StateTransfer& t) { return sizing.take_over(t); });
    if (auto advice = sizing.advise("cara")) log.say("sizing-agent", *advice);

    log.section("hours later, Cara writes an email: handoff to the email agent");
    day->hand_over("cara", "email-agent", "customer moved to email", [&](const v1::StateTransfer& t) {
      return agents::accept_handoff(t, {"email-agent", "email-agent", "email"},
                                    day->node->context(), day->node->transfer_keys(),
                                    *day->client);
    });
    day->say(*day->email, "Cara", "cara", "add one");
    day->say(*day->email, "Cara", "cara", "do I get free shipping?");
    day->say(*day->email, "Cara", "cara", "ship to 9 Elm Rd, Portland, OR, US");
    day->say(*day->email, "Cara", "cara", "check out");
    day->pay("Cara", "cara", "email");
    day->show("Cara", "cara");
    day->say(*day->chat, "Ben", "ben", "what about socks?");

    log.section("evening: every session replayed from its first event");
    for (const char* s : {"ana", "ben", "cara"}) {
      auto events = day->node->journal().events(s).value();
      auto report = session::check_divergence(events, v1::SessionState{}, day->state(s)).value();
      log.say("verify " + std::string(s),
              std::to_string(report.events_replayed) + " events, " +
                  (report.diverged() ? "DIVERGED: " + *report.materialized_difference
                                     : std::string("replay equals the live state")));
    }
    log.say("payments", std::to_string(provider.charges()) + " cards charged");
    day->node->shutdown();
  } catch (const std::exception& e) {
    std::cerr << "souk-demo: " << e.what() << "\n";
    return 1;
  }
  std::cout << "\nThe day's data is in " << std::filesystem::absolute(dir).string()
            << ". Look inside with:\n"
            << "  build/tools/soukctl --data-dir " << dir << " verify\n"
            << "  build/tools/soukctl --data-dir " << dir << " why ana\n"
            << "  persistence/read_session.py " << dir << " ana\n"
            << "or serve it and open http://127.0.0.1:8080/viewer with the key support-key:\n"
            << "  build/tools/souk-node --http 127.0.0.1:8080 --data-dir " << dir
            << " --config tools/souk-node/souk-node.ini\n";
  return 0;
}
