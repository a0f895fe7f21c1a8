// A node under load is killed with SIGKILL at random moments; after each kill a fresh
// node finds every acknowledged mutation, and each session's activated state (snapshot
// + tail) equals the replay of its whole history. Cycles: SOUK_CRASH_CYCLES (default 4).
#define BOOST_TEST_MODULE souk_node_crash
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <random>

#include <google/protobuf/util/message_differencer.h>

#include "caf_fixture.hpp"
#include "kill_harness.hpp"
#include "runtime/node.hpp"
#include "session/apply.hpp"
#include "store_fixture.hpp"

using namespace souk;

BOOST_AUTO_TEST_CASE(acknowledged_mutations_survive_a_killed_node) {
  int cycles = 4;
  if (const char* n = std::getenv("SOUK_CRASH_CYCLES")) cycles = std::atoi(n);
  testing::temp_dir dir;
  std::mt19937_64 rng(std::random_device{}());
  std::map<std::string, uint64_t> acks;
  uint64_t lines = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    BOOST_TEST_CONTEXT("cycle " << cycle) {
      testing::killed_child child(SOUK_NODE_CHILD, dir.str(), static_cast<uint64_t>(cycle) + 1);
      for (auto [session, seq] : child.run_then_kill(static_cast<int>(50 + rng() % 500)))
        acks[session] = std::max(acks[session], seq);
      lines += child.ack_lines();

      testing::caf_system sys;
      runtime::node_options options;
      options.data_dir = dir.str();
      auto node = runtime::node::open(sys.system, options);
      BOOST_REQUIRE_MESSAGE(node, (node ? "" : node.error().message()));
      for (const auto& [session, acked] : acks) {
        BOOST_TEST_CONTEXT("session " << session) {
          BOOST_TEST_REQUIRE((*node)->journal().version(session) >= acked);
          auto events = (*node)->journal().events(session);
          BOOST_REQUIRE(events);
          auto replayed = session::replay(*events);
          BOOST_REQUIRE(replayed);
          auto live = sys.query((*node)->session(session), session::state_atom::value);
          BOOST_REQUIRE(live.has_state());
          BOOST_TEST_REQUIRE(
              google::protobuf::util::MessageDifferencer::Equals(live.state(), *replayed));
        }
      }
      (*node)->shutdown();
    }
  }
  BOOST_TEST_MESSAGE(cycles << " cycles, " << lines << " acknowledged mutations checked");
}
