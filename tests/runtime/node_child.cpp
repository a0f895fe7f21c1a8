// souk_node_child DIR SEED: a node under load — 4 threads of agents sending commands to
// 60 sessions through their actors — until killed. Prints "session version" for every
// accepted reply. Driven by node_crash_test.cpp.
#include <unistd.h>

#include <fstream>
#include <random>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "runtime/node.hpp"
#include "runtime/node_client.hpp"

using namespace souk;

namespace {

struct config : caf::actor_system_config {
  config() {
    session::add_session_message_types(*this);
    set("scheduler.max-threads", 2);
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  config cfg;
  caf::actor_system system{cfg};
  runtime::node_options options;
  options.data_dir = argv[1];
  options.snapshot_every = 7;
  options.journal_written_ahead = std::size_t{1} << 20;  // killed mid-top-up too
  auto node = runtime::node::open(system, options);
  if (!node) return 3;
  if ((*node)->reference().counts()->products == 0) {
    std::ifstream in(SOUK_SAMPLE_CATALOG);
    if (!(*node)->reference().load_jsonl(in)) return 4;
  }
  runtime::node_client client(system, **node);
  const uint64_t seed = std::stoull(argv[2]);
  std::vector<std::thread> agents;
  for (int a = 0; a < 4; ++a)
    agents.emplace_back([&, a] {
      std::mt19937_64 rng(seed * 100 + a);
      for (uint64_t n = 0;; ++n) {
        std::string id = "load-" + std::to_string(rng() % 60);
        v1::Command c;
        c.set_command_id("seed" + std::to_string(seed) + "-a" + std::to_string(a) + "-" +
                         std::to_string(n));
        c.set_session_id(id);
        c.set_agent_id("agent-" + std::to_string(a));
        c.add_scopes("session:write");
        switch (rng() % 3) {
          case 0:
            c.mutable_add_to_cart()->set_sku("GIFT-25");
            c.mutable_add_to_cart()->set_quantity(1);
            break;
          case 1:
            c.mutable_record_customer_message()->set_channel("chat");
            c.mutable_record_customer_message()->set_text("message " + std::to_string(n));
            break;
          default:
            c.mutable_view_product()->set_sku("SKU-123");
        }
        auto reply = client.run(c);
        if (reply.has_error() && reply.error().code() == v1::ERROR_CODE_SESSION_NOT_STARTED) {
          c.mutable_start_session()->set_customer_id("cust-1");
          c.mutable_start_session()->set_channel("chat");
          reply = client.run(c);
        }
        if (reply.has_accepted()) {
          std::string ack = id + " " + std::to_string(reply.accepted().version()) + "\n";
          if (write(STDOUT_FILENO, ack.data(), ack.size()) < 0) _exit(5);
        }
      }
    });
  for (auto& t : agents) t.join();
}
