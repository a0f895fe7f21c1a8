// souk_crash_child DIR SEED: appends events for 100 sessions from 8 threads through the
// group-committing journal until killed, writing "session seq\n" to stdout for each
// acknowledged append. Resumes the sessions found in DIR. Driven by crash_test.cpp.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/util/time_util.h>

#include "persistence/journal.hpp"
#include "session/apply.hpp"
#include "session/decide.hpp"
#include "session/in_memory_context.hpp"
#include "souk/clock.hpp"

using namespace souk;

namespace {

constexpr int sessions = 100;
constexpr int threads = 8;

void stock(session::in_memory_context& ctx) {
  v1::Product jacket;
  jacket.set_sku("SKU-1");
  jacket.set_name("Jacket");
  jacket.mutable_price()->set_minor_units(12900);
  jacket.mutable_price()->set_currency("USD");
  for (const char* id : {"blue-m", "red-m"}) {
    jacket.add_variants()->set_variant_id(id);
    ctx.set_stock("SKU-1", id, 1000000);
  }
  ctx.add_product(jacket);
}

v1::Command next_command(const v1::SessionState& state, const std::string& id,
                         std::mt19937_64& rng, uint64_t n) {
  v1::Command c;
  c.set_command_id(id + "-cmd-" + std::to_string(n));
  c.set_session_id(id);
  c.set_agent_id(rng() % 2 ? "chat-agent" : "email-agent");
  if (state.version() == 0) {
    c.mutable_start_session()->set_customer_id("cust-" + id);
    c.mutable_start_session()->set_channel("chat");
    return c;
  }
  switch (rng() % 4) {
    case 0: c.mutable_view_product()->set_sku("SKU-1"); break;
    case 1:
      c.mutable_add_to_cart()->set_sku("SKU-1");
      c.mutable_add_to_cart()->set_variant_id(rng() % 2 ? "blue-m" : "red-m");
      c.mutable_add_to_cart()->set_quantity(1);
      break;
    case 2:
      c.mutable_record_customer_message()->set_channel("chat");
      c.mutable_record_customer_message()->set_text("do you have it in blue? " +
                                                    std::string(rng() % 200, 'x'));
      break;
    default:
      c.mutable_record_decision()->set_kind("recommend");
      c.mutable_record_decision()->set_reason("customer asked");
      c.mutable_record_decision()->set_confidence(0.8);
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: souk_crash_child DIR SEED\n");
    return 2;
  }
  persistence::journal::options opts;
  opts.dir = argv[1];
  opts.index_interval = std::chrono::milliseconds(50);  // index writes happen mid-crash too
  opts.written_ahead = std::size_t{1} << 20;  // and top-ups of the zeros past the end
  auto j = persistence::journal::open(opts);
  if (!j) {
    std::fprintf(stderr, "open: %s\n", j.error().message().c_str());
    return 2;
  }
  const uint64_t seed = std::strtoull(argv[2], nullptr, 10);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      session::in_memory_context ctx(souk::now_timestamp(),
                                     seed * 1000 + t);
      stock(ctx);
      std::mt19937_64 rng(seed * 1000 + t);
      std::vector<std::string> ids;
      std::vector<v1::SessionState> states;
      for (int i = t; i < sessions; i += threads) {
        ids.push_back("crash-" + std::to_string(i));
        auto stored = (*j)->load(ids.back());
        auto state = stored ? session::replay(stored->tail, stored->snapshot)
                            : make_unexpected(stored.error());
        if (!state) {
          std::fprintf(stderr, "load %s: %s\n", ids.back().c_str(), state.error().message().c_str());
          std::exit(2);
        }
        states.push_back(*state);
      }
      for (uint64_t n = 0;; ++n) {
        std::size_t k = rng() % ids.size();
        ctx.advance_seconds(1);
        auto command = next_command(states[k], ids[k], rng, seed * 1000000 + n);
        auto events = session::decide(states[k], command, ctx);
        if (!events) continue;  // a refused command: nothing to append
        persistence::append_request request;
        request.session_id = ids[k];
        request.expected_version = states[k].version();
        auto next = states[k];
        for (const auto& e : *events) {
          if (session::apply_to(next, e)) std::exit(3);
          request.events.push_back(persistence::encode(e));
        }
        if (next.version() / 10 != states[k].version() / 10) next.SerializeToString(&request.snapshot);
        auto version = (*j)->append(std::move(request));
        if (!version) {
          std::fprintf(stderr, "append %s: %s\n", ids[k].c_str(), version.error().message().c_str());
          std::exit(4);
        }
        states[k] = std::move(next);
        std::string ack = ids[k] + " " + std::to_string(*version) + "\n";
        if (write(STDOUT_FILENO, ack.data(), ack.size()) < 0) std::exit(5);
      }
    });
  for (auto& w : workers) w.join();
}
