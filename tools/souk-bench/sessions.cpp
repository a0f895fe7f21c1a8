// souk-bench sessions: durable mutations end to end through session actors, activation
// of passivated sessions, and memory per live session; SQLite-JSON in the same run.

#include <algorithm>
#include <cstdlib>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <google/protobuf/util/time_util.h>
#include <gperftools/malloc_extension.h>

#include "actor_config.hpp"
#include "bench.hpp"
#include "persistence/journal.hpp"
#include "runtime/node.hpp"
#include "session/apply.hpp"
#include "session/decide.hpp"
#include "session/in_memory_context.hpp"

namespace souk::bench {
namespace {

using config = actor_config;

// The process's memory at one moment: resident anonymous memory (heap, stacks), the
// journal's file pages mapped in (LMDB reads through its map: page cache, clean and
// reclaimable, growing with the journal rather than with live sessions), and what the
// application holds by tcmalloc's count (the anonymous part adds the allocator's free
// lists: freed objects in spans that still hold live ones). Taken once the allocator has
// handed back what is free: without that, memory an earlier run of the same process
// freed is reused unseen (3.2-4.2 KB per session in full runs against 6.0 alone), and
// memory freed since counts as still in use.
struct memory_use {
  double anonymous = 0, file = 0, allocated = 0;
};
memory_use memory_now() {
  MallocExtension::instance()->ReleaseFreeMemory();
  memory_use m;
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    double kb = line.size() > 8 ? std::atof(line.c_str() + 8) : 0;
    if (line.rfind("RssAnon:", 0) == 0) m.anonymous = kb * 1024;
    if (line.rfind("RssFile:", 0) == 0) m.file = kb * 1024;
  }
  std::size_t bytes = 0;
  MallocExtension::instance()->GetNumericProperty("generic.current_allocated_bytes", &bytes);
  m.allocated = double(bytes);
  return m;
}

// The one product the mutations add.
v1::Product gift_card() {
  v1::Product p;
  p.set_sku("GIFT-25");
  p.set_name("Gift Card $25");
  p.mutable_price()->set_minor_units(2500);
  p.mutable_price()->set_currency("USD");
  return p;
}

// A node on its own directory with the one product the mutations add.
std::unique_ptr<runtime::node> open_node(caf::actor_system& system, const fs::path& dir) {
  runtime::node_options options;
  options.data_dir = dir.string();
  options.max_live_sessions = 1000000;
  const char* preallocate = std::getenv("SOUK_PREALLOCATE_MB");
  options.journal_written_ahead = std::size_t(preallocate ? std::atol(preallocate) : 1024) << 20;
  auto node = runtime::node::open(system, options);
  if (!node) throw std::runtime_error(node.error().message());
  v1::ReferenceRecord card;
  *card.mutable_product() = gift_card();
  if (auto error = (*node)->reference().put(card)) throw std::runtime_error(error->message());
  return std::move(*node);
}

// Keeps one command per session going, from event-based driver actors (as agents
// send), for `seconds` or until each session s has had `limit(s)` commands;
// `next(s, n)` makes session s's n-th command.
// Returns each reply's latency in microseconds.
struct load_result {
  std::vector<double> latencies;
  std::size_t accepted = 0, refused = 0;
  double seconds = 0;
};

struct no_limit {
  uint64_t operator()(std::size_t) const { return UINT64_MAX; }
};
struct at_most {
  uint64_t commands;
  uint64_t operator()(std::size_t) const { return commands; }
};

template <class Next, class Limit = no_limit>
load_result drive(caf::actor_system& system, runtime::node& node, std::size_t first,
                  std::size_t sessions, double seconds, Next next, Limit limit = {}) {
  struct shared {
    std::mutex mutex;
    load_result result;
    std::vector<session::session_actor> actors;
    std::vector<uint64_t> sent;  // sent[s] only by the driver of session s
    std::atomic<bool> stop{false};
    std::atomic<std::size_t> in_flight{0};
    std::promise<void> finished;
  };
  auto sh = std::make_shared<shared>();
  for (std::size_t s = 0; s < sessions; ++s)
    sh->actors.push_back(node.session(session_name(first + s)));
  sh->sent.assign(sessions, 0);
  sh->in_flight = sessions;
  // Drivers with 64 sessions each (at least 16), as agents would share them: CAF 0.17
  // keeps an actor's outstanding requests in a flat map whose erase moves the entries
  // after it, so one driver with every session's request out spent 7% of the process
  // moving them (1000 and 10,000 sessions), a cost of the driver, not of souk.
  const std::size_t drivers = std::min(sessions, std::max<std::size_t>(16, sessions / 64));
  auto start = clock_type::now();
  for (std::size_t d = 0; d < drivers; ++d)
    system.spawn([sh, next, limit, first, d, drivers](caf::event_based_actor* self) {
      // Sends session s's next command, and on its reply the one after it.
      using sender = std::function<void(std::size_t)>;
      auto send = std::make_shared<sender>();
      *send = [self, sh, next, limit, first, weak = std::weak_ptr<sender>(send)](std::size_t s) {
        if (sh->stop || sh->sent[s] >= limit(first + s)) {
          if (--sh->in_flight == 0) sh->finished.set_value();
          return;
        }
        auto command = next(first + s, sh->sent[s]++);
        auto t = clock_type::now();
        self->request(sh->actors[s], caf::infinite, session::run_atom::value, std::move(command))
            .then(
                [sh, s, t, weak](v1::Reply& reply) {
                  {
                    std::lock_guard<std::mutex> lock(sh->mutex);
                    sh->result.latencies.push_back(us_since(t));
                    (reply.has_accepted() ? sh->result.accepted : sh->result.refused)++;
                  }
                  if (auto again = weak.lock()) (*again)(s);
                },
                [sh](caf::error&) {
                  if (--sh->in_flight == 0) sh->finished.set_value();
                });
      };
      for (std::size_t s = d; s < sh->actors.size(); s += drivers) (*send)(s);
      return caf::behavior{[send](caf::exit_msg&) {}};  // holds `send` while the actor lives
    });
  auto finished = sh->finished.get_future();
  if (finished.wait_for(std::chrono::duration<double>(seconds)) != std::future_status::ready)
    sh->stop = true;
  finished.wait();
  sh->result.seconds = us_since(start) / 1e6;
  return std::move(sh->result);
}

v1::Command command_for(std::size_t s, uint64_t n) {
  v1::Command c;
  c.set_command_id("c-" + std::to_string(n));
  c.set_session_id(session_name(s));
  c.set_agent_id(n % 2 ? "chat-agent" : "email-agent");
  c.add_scopes("session:write");
  if (n == 0) {
    c.mutable_start_session()->set_customer_id("cust-" + std::to_string(s));
    c.mutable_start_session()->set_channel("chat");
  } else if (n % 2) {
    c.mutable_add_to_cart()->set_sku("GIFT-25");
    c.mutable_add_to_cart()->set_quantity(1);
  } else {
    c.mutable_record_customer_message()->set_channel("chat");
    c.mutable_record_customer_message()->set_text("is it a good gift for my sister? " +
                                                  std::string(100 + n % 100, 'x'));
  }
  return c;
}

// Commands session s has had before the clock starts: its start, then 0-99 more. Live
// sessions are at different points in their lives; started all at once and driven in
// turn, they would stay in step and all take their snapshot (every 100 events) within
// the same few milliseconds, once a second at 100k/s: the open loop's p99 in those
// 100 ms windows was 10-16 ms against 3-6 ms between them.
uint64_t commands_before(std::size_t s) { return 1 + s * 37 % 100; }

// Starts sessions [0, sessions), brings each to its commands_before and indexes what
// that wrote (not timed): the clock starts in the steady state, not with the index
// catching up on the set-up.
void populate(caf::actor_system& system, runtime::node& node, std::size_t sessions) {
  drive(system, node, 0, sessions, 600, command_for, commands_before);
  if (auto error = node.journal().flush_index()) throw std::runtime_error(error->message());
}

row bench_mutations(const fs::path& dir, double seconds, std::size_t sessions) {
  config cfg;
  caf::actor_system system{cfg};
  auto node = open_node(system, dir / ("mutations-" + std::to_string(sessions)));
  populate(system, *node, sessions);
  auto r = drive(system, *node, 0, sessions, seconds, [](std::size_t s, uint64_t n) {
    return command_for(s, commands_before(s) + n);
  });
  node->shutdown();
  if (r.refused > 0) throw std::runtime_error(std::to_string(r.refused) + " mutations refused");
  auto st = node->journal().stats();
  char note[200];
  std::snprintf(note, sizeof note,
                "adds and messages via session actors, durable before reply; %.0f events/commit",
                double(st.appended_events) / std::max<uint64_t>(1, st.commits));
  return summarize("mutations", "souk", r.latencies, r.seconds, r.accepted, sessions, note);
}

// The machine's speed in this run, the baseline the open loop's CPU per command is read
// against: the pure core's work for a command (decide, encode the events, apply them)
// over `sessions` sessions held in memory, on one thread: no actors, no journal. The
// VM's slow phases slow it as they slow the node (a session's state is the same graph of
// small heap objects), so a run whose node needed more CPU per command than usual can
// be told a slow machine (this slower too) from a slower node (this as usual).
double core_us_per_command(std::size_t sessions, std::size_t commands) {
  session::in_memory_context ctx(google::protobuf::util::TimeUtil::SecondsToTimestamp(1774000000));
  ctx.add_product(gift_card());
  ctx.set_stock("GIFT-25", "", INT64_MAX / 2);
  std::vector<v1::SessionState> states(sessions);
  auto run = [&](std::size_t s, const v1::Command& command) {
    auto events = session::decide(states[s], command, ctx);
    if (!events) throw std::runtime_error("core baseline: " + events.error().message());
    for (const auto& event : *events) {
      persistence::encode(event);  // in another translation unit: not left out
      if (auto error = session::apply_to(states[s], event))
        throw std::runtime_error("core baseline: " + error->message());
    }
  };
  std::vector<uint64_t> next(sessions);
  for (std::size_t s = 0; s < sessions; ++s)
    for (; next[s] < commands_before(s); ++next[s]) run(s, command_for(s, next[s]));
  std::vector<v1::Command> timed;
  timed.reserve(commands);
  for (std::size_t i = 0; i < commands; ++i)
    timed.push_back(command_for(i % sessions, next[i % sessions]++));
  const auto start = clock_type::now();
  for (std::size_t i = 0; i < commands; ++i) run(i % sessions, timed[i]);
  return us_since(start) / double(std::max<std::size_t>(1, commands));
}

// Open loop: commands offered at `rate` per second over `sessions` sessions (in turn,
// whether or not the session is still busy with its last one), each timed from when it
// was due rather than when it was sent, so that a sender falling behind shows up as
// latency. The p99 target is stated at this load; the closed loop above, with every
// session always busy, measures saturation (where latency is in-flight / throughput).
row bench_mutations_at_rate(const fs::path& dir, double seconds, std::size_t sessions,
                            double rate) {
  config cfg;
  caf::actor_system system{cfg};
  auto node = open_node(system, dir / "mutations-rate");
  populate(system, *node, sessions);
  // Command i goes to session i % sessions and is due at i / rate. Composing the
  // commands is the load generator's work, not the node's: done here, it does not take
  // the cores from the node while the clock runs.
  const auto total = static_cast<std::size_t>(rate * seconds);
  std::vector<session::session_actor> actors;
  std::vector<uint64_t> sent;  // by each session, the populating included
  for (std::size_t s = 0; s < sessions; ++s) {
    actors.push_back(node->session(session_name(s)));
    sent.push_back(commands_before(s));
  }
  std::vector<v1::Command> commands;
  commands.reserve(total);
  for (std::size_t i = 0; i < total; ++i)
    commands.push_back(command_for(i % sessions, sent[i % sessions]++));
  // Slot i is written once, by the reply to command i (on its session's thread); read
  // once every reply is in.
  std::vector<double> latencies(total);
  // The baseline (see core_us_per_command), in the same process just before the clock
  // and again once the node has shut down: the VM's phases can change within seconds.
  const double core_before_us = core_us_per_command(sessions, 100000);
  std::atomic<std::size_t> refused{0};
  std::atomic<std::size_t> remaining{total};
  std::promise<void> finished;
  if (total == 0) finished.set_value();
  auto answered = [&] {
    if (remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) finished.set_value();
  };
  // One thread outside the actor system sends each command once it is due, as the HTTP
  // gateway's threads do, and each reply comes through a reply_callback on its
  // session's thread. (Driver actors on CAF timers waited in the scheduler's queue
  // behind the sessions' work before they sent: 0.6-0.8 ms past due at p50 against
  // 0.25 ms for this thread, in interleaved runs. Replies sent back to such actors
  // waited in the same queue.)
  const double cpu_before = process_cpu_us();
  const auto start = clock_type::now();
  std::thread pacer([&] {
    for (std::size_t issued = 0; issued < total;
         std::this_thread::sleep_for(std::chrono::microseconds(250))) {
      // Command i is due at i / rate: the ones due by now are 0 .. floor(now * rate).
      const auto due =
          std::min(total, static_cast<std::size_t>(us_since(start) / 1e6 * rate) + 1);
      for (; issued < due; ++issued) {
        const std::size_t i = issued;
        const auto scheduled = start + std::chrono::duration_cast<clock_type::duration>(
                                           std::chrono::duration<double>(double(i) / rate));
        session::reply_callback reply(
            [&, i, scheduled](v1::Reply r) {
              latencies[i] = us_since(scheduled);
              if (!r.has_accepted()) ++refused;
              answered();
            },
            [&] {
              ++refused;
              answered();
            });
        caf::anon_send(actors[i % sessions], session::run_atom::value, std::move(commands[i]),
                       std::move(reply));
      }
    }
  });
  finished.get_future().wait();
  const double elapsed = us_since(start) / 1e6;
  const double cpu_us = process_cpu_us() - cpu_before;
  pacer.join();
  // For seeing when the tail happened (e.g. p99 per 100 ms): "due_us latency_us" lines.
  if (const char* path = std::getenv("SOUK_LATENCY_LOG")) {
    std::ofstream log(path);
    for (std::size_t i = 0; i < total; ++i)
      log << double(i) / rate * 1e6 << ' ' << latencies[i] << '\n';
  }
  node->shutdown();
  const double core_after_us = core_us_per_command(sessions, 100000);  // nothing else running
  if (refused > 0) throw std::runtime_error(std::to_string(refused) + " mutations refused");
  auto st = node->journal().stats();
  // Quarter seconds (by when commands were due) whose own p99 met 10 ms: tells a run
  // that stalled once from one that was slow throughout.
  const auto per_window = static_cast<std::size_t>(std::max(1.0, rate / 4));
  std::size_t windows = 0, windows_met = 0;
  for (std::size_t from = 0; from < total; from += per_window, ++windows) {
    std::vector<double> window(latencies.begin() + from,
                               latencies.begin() + std::min(total, from + per_window));
    auto p99 = window.begin() + static_cast<std::ptrdiff_t>(window.size() * 99 / 100);
    std::nth_element(window.begin(), p99, window.end());
    if (*p99 <= 10000) ++windows_met;
  }
  char note[500];
  // The slowest commit says whether the disk stalled (it counts the set-up's too). The
  // CPU per command (every thread of the process, the load generator's included, while
  // the clock ran) says whether a slow run was short of cores: at 100k/s on this 2-core
  // machine, 20 us per command is every core. The pure core's time for a command on one
  // thread, before and after, and the ratio to their mean tell a slow machine from a slow
  // node.
  const double cpu_per_command = cpu_us / double(std::max<std::size_t>(1, total));
  const double core_us = (core_before_us + core_after_us) / 2;
  std::snprintf(note, sizeof note,
                "open loop, %.0f commands/s offered over %zu sessions, timed from when due; "
                "%.0f events/commit, slowest commit %.1f ms; p99 <= 10 ms in %zu of %zu "
                "quarter seconds; CPU %.1f us/command (%.0f%% of the cores), %.1f times the "
                "pure core's on one thread (%.2f us before the clock, %.2f after)",
                rate, sessions, double(st.appended_events) / std::max<uint64_t>(1, st.commits),
                double(st.slowest_commit_us) / 1000, windows_met, windows,
                cpu_per_command,
                100 * cpu_us / 1e6 / elapsed / std::max(1u, std::thread::hardware_concurrency()),
                cpu_per_command / core_us, core_before_us, core_after_us);
  const std::size_t count = latencies.size();
  return summarize("mutations@rate", "souk", std::move(latencies), elapsed, count, sessions,
                   note);
}

// Sessions with a snapshot at 100 events and 100 more after it, passivated (never
// activated on this node): the first message activates each.
std::vector<row> bench_activation(const fs::path& dir, std::size_t sessions) {
  config cfg;
  caf::actor_system system{cfg};
  auto node = open_node(system, dir / "activation");
  std::mt19937_64 rng(9);
  for (std::size_t s = 0; s < sessions; ++s) {
    write_snapshot_and_tail(node->journal(), "act-" + std::to_string(s), rng);
  }
  if (auto error = node->journal().flush_index()) throw std::runtime_error(error->message());
  // Timed from an event-based actor, one session after another, as an agent would
  // send: a blocking caller's wake-up would add tens of microseconds to each.
  // The message is a no-op (unsubscribing nobody), so that what is timed is the
  // activation and one round trip, not the copying of a large reply.
  auto measure = [&](std::vector<double>& into) {
    std::vector<session::session_actor> actors;
    for (std::size_t s = 0; s < sessions; ++s) actors.push_back(node->session("act-" + std::to_string(s)));
    std::promise<void> done;
    auto start = clock_type::now();
    system.spawn([&](caf::event_based_actor* self) {
      auto next = std::make_shared<std::function<void(std::size_t)>>();
      *next = [self, &actors, &into, &done, weak = std::weak_ptr<std::function<void(std::size_t)>>(next)](std::size_t s) {
        if (s == actors.size()) return done.set_value();
        auto t = clock_type::now();
        self->request(actors[s], caf::infinite, session::unsub_atom::value, caf::actor{})
            .then([&into, t, s, weak](bool) {
              into.push_back(us_since(t));
              if (auto again = weak.lock()) (*again)(s + 1);
            });
      };
      (*next)(0);
      return caf::behavior{[next](caf::exit_msg&) {}};
    });
    done.get_future().wait();
    return us_since(start) / 1e6;
  };
  std::vector<double> cold, warm;
  double cold_seconds = measure(cold);
  double warm_seconds = measure(warm);
  caf::scoped_actor self{system};

  // Every session must have come back whole.
  for (std::size_t s = 0; s < sessions; s += 97)
    self->request(node->session("act-" + std::to_string(s)), caf::infinite, session::state_atom::value)
        .receive([&](v1::StateReply& reply) {
                   if (reply.state().version() != 200) throw std::runtime_error("bad activation");
                 },
                 [&](caf::error&) { throw std::runtime_error("activation failed"); });
  node->shutdown();
  return {summarize("activation", "souk", cold, cold_seconds, sessions, sessions,
                    "first message to a passivated session: snapshot + 100 events, then a no-op reply"),
          summarize("activation", "souk-live", warm, warm_seconds, sessions, sessions,
                    "the same query to the now-live session (baseline)")};
}

// Resident memory growth over `sessions` sessions, session s given `commands(s)`
// commands (its start, then adds and customer messages in turn) and left live, per
// session.
template <class Limit>
row bench_memory(const fs::path& dir, std::size_t sessions, Limit commands,
                 const std::string& system_name, const std::string& what) {
  config cfg;
  caf::actor_system system{cfg};
  auto node = open_node(system, dir / ("memory-" + system_name));
  // Warm up the machinery (scheduler, journal, allocator) before the baseline.
  drive(system, *node, sessions, 1000, 600, command_for, at_most{1});
  if (auto error = node->journal().flush_index()) throw std::runtime_error(error->message());
  const memory_use before = memory_now();
  // In waves, so that requests in flight do not count as session memory.
  const std::size_t wave = 5000;
  uint64_t total = 0;
  auto start = clock_type::now();
  for (std::size_t first = 0; first < sessions; first += wave) {
    std::size_t n = std::min(wave, sessions - first);
    auto r = drive(system, *node, first, n, 600, command_for, commands);
    uint64_t wanted = 0;
    for (std::size_t k = first; k < first + n; ++k) wanted += commands(k);
    if (r.accepted != wanted) throw std::runtime_error("a session's command was refused");
    total += wanted;
  }
  double seconds = us_since(start) / 1e6;
  if (auto error = node->journal().flush_index()) throw std::runtime_error(error->message());
  const memory_use after = memory_now();
  std::size_t live = node->live_sessions();
  node->shutdown();
  auto per_session_kb = [&](double memory_use::*part) {
    return (after.*part - before.*part) / double(sessions) / 1024;
  };
  char parts[160];
  std::snprintf(parts, sizeof parts,
                "; %.1f KB of it allocated, by tcmalloc's count; the journal's mapped pages "
                "%.1f KB more",
                per_session_kb(&memory_use::allocated), per_session_kb(&memory_use::file));
  row r = summarize("memory", system_name, {}, seconds, total, live,
                    "resident anonymous memory growth / live sessions (" + what + parts + ")");
  r.bytes_per_session = per_session_kb(&memory_use::anonymous) * 1024;
  return r;
}

}  // namespace

std::vector<row> run_sessions(const options& opts) {
  std::vector<row> rows;
  auto run = [&](row r) { record_apart(rows, std::move(r), opts); };
  auto wanted = [&](const char* what) { return opts.only.empty() || opts.only == what; };
  // The open loop goes first: right after the closed loops (~2 GB written in ~10 s) the
  // VM's host is still absorbing their writes for tens of seconds, and the guest's
  // commits and CPU per command are slower meanwhile (docs/BENCHMARKS.md: "The open
  // loop runs first").
  if (wanted("mutations") || wanted("mutations@rate"))
    run(bench_mutations_at_rate(opts.dir, opts.seconds, 1000,
                                std::getenv("SOUK_RATE") ? std::atof(std::getenv("SOUK_RATE")) : 100000));
  if (wanted("mutations")) {
    run(bench_mutations(opts.dir, opts.seconds, 1000));
    run(bench_mutations(opts.dir, opts.seconds, 10000));
  }
  if (wanted("mutations") || wanted("sqlite-json"))
    run(bench_sqlite_json(opts.dir, std::min(opts.seconds, 3.0), 1000, "mutations"));
  if (wanted("activation"))
    for (auto& r : bench_activation(opts.dir, 1000)) run(std::move(r));
  if (wanted("memory")) {
    // At 100,000 sessions, as the target is stated; `--sessions N` runs fewer, over which
    // the process's fixed growth (the allocator's caches, the journal writer's) weighs
    // more per session.
    const std::size_t sessions = opts.sessions_given ? opts.sessions : 100000;
    run(bench_memory(opts.dir, sessions, at_most{1}, "souk", "each started, 1 event"));
    // Sessions well into a conversation: 100-199 events each (a full 20-turn transcript,
    // 30 or more turns folded into a full 2,000-character summary, a cart line), so
    // that they sit at every point between their snapshots at 100 and 200, as live
    // sessions do (just after one, a session's state is a fresh, tight copy). ~5 minutes
    // and ~9 GB of journal at 100,000 (~19 KB per session at 20,000, ~16 at 100,000).
    run(bench_memory(opts.dir, sessions, [](std::size_t s) { return 100 + s * 37 % 100; },
                     "souk-conversing",
                     "100-199 events each: 20 transcript turns, a full summary, a cart line"));
  }
  return rows;
}

std::vector<check> sessions_checks(const std::vector<row>& rows) {
  const row *souk = nullptr, *sqlite = nullptr, *activation = nullptr, *at_rate = nullptr;
  std::vector<const row*> memory;
  for (const auto& r : rows) {
    if (r.scenario == "mutations" && r.system == "souk" && r.sessions == 1000) souk = &r;
    if (r.scenario == "mutations" && r.system == "sqlite-json") sqlite = &r;
    if (r.scenario == "activation" && r.system == "souk") activation = &r;
    if (r.scenario == "memory") memory.push_back(&r);
    if (r.scenario == "mutations@rate") at_rate = &r;
  }
  std::vector<check> checks;
  if (souk) {
    checks.push_back({"souk mutations/s at 1000 sessions", souk->ops_per_s, 100000, true});
    checks.push_back({"souk p99 ms at saturation, 1000 in flight", souk->p99_us / 1000, 0, false});
    if (sqlite && sqlite->ops_per_s > 0)
      checks.push_back({"souk/sqlite-json mutations/s", souk->ops_per_s / sqlite->ops_per_s, 8, true});
  }
  if (at_rate)
    checks.push_back({"souk p99 ms at 100k/s offered, 1000 sessions", at_rate->p99_us / 1000, 10,
                      false});
  if (activation) checks.push_back({"activation p50 us", activation->p50_us, 200, false});
  for (const row* m : memory)
    checks.push_back({"KB per live session, " + m->system, m->bytes_per_session / 1024, 16, false});
  return checks;
}

}  // namespace souk::bench
