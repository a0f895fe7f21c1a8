// Kills a child that appends through the group-committing journal at random moments
// (SIGKILL) and checks what a restarted node finds: every acknowledged event present
// and decodable, seqs contiguous, nothing half-written, replay equal to the snapshots.
// Cycles: SOUK_CRASH_CYCLES (default 5).
#define BOOST_TEST_MODULE souk_crash
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <map>
#include <random>

#include <google/protobuf/util/message_differencer.h>

#include "kill_harness.hpp"
#include "session/apply.hpp"
#include "store_fixture.hpp"

using namespace souk;

namespace {

bool same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

BOOST_AUTO_TEST_CASE(acknowledged_events_survive_sigkill) {
  int cycles = 5;
  if (const char* n = std::getenv("SOUK_CRASH_CYCLES")) cycles = std::atoi(n);
  souk::testing::temp_dir dir;
  std::mt19937_64 rng(std::random_device{}());
  std::map<std::string, uint64_t> acks;
  uint64_t ack_lines = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    BOOST_TEST_CONTEXT("cycle " << cycle) {
      testing::killed_child child(SOUK_CRASH_CHILD, dir.str(), static_cast<uint64_t>(cycle) + 1);
      auto cycle_acks = child.run_then_kill(static_cast<int>(20 + rng() % 400));
      ack_lines += child.ack_lines();
      for (auto [session, seq] : cycle_acks) acks[session] = std::max(acks[session], seq);

      auto j = souk::testing::open_journal(dir);
      for (const auto& [session, acked] : acks) {
        BOOST_TEST_CONTEXT("session " << session) {
          BOOST_TEST_REQUIRE(j->version(session) >= acked);
          auto events = j->events(session);
          BOOST_REQUIRE_MESSAGE(events, (events ? "" : events.error().message()));
          BOOST_TEST_REQUIRE(events->size() == j->version(session));
          for (std::size_t i = 0; i < events->size(); ++i)
            BOOST_TEST_REQUIRE((*events)[i].seq() == i + 1);
          auto replayed = session::replay(*events);
          BOOST_REQUIRE_MESSAGE(replayed, (replayed ? "" : replayed.error().message()));
          auto stored = j->load(session);
          BOOST_REQUIRE(stored);
          auto loaded = session::replay(stored->tail, stored->snapshot);
          BOOST_REQUIRE(loaded);
          BOOST_TEST_REQUIRE(same(*loaded, *replayed));
          if (stored->snapshot.version() > 0) {
            std::vector<v1::Event> head(events->begin(),
                                        events->begin() + stored->snapshot.version());
            BOOST_TEST_REQUIRE(same(*session::replay(head), stored->snapshot));
          }
        }
      }
    }
  }
  BOOST_TEST_MESSAGE(cycles << " cycles, " << ack_lines << " acknowledged appends checked");
}
