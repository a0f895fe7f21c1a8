// Kills a child that appends through the group-committing journal at random moments
// (SIGKILL) and checks what a restarted node finds: every acknowledged event present
// and decodable, seqs contiguous, nothing half-written, replay equal to the snapshots.
// Cycles: SOUK_CRASH_CYCLES (default 5).
#define BOOST_TEST_MODULE souk_crash
#include <boost/test/unit_test.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <sstream>

#include <google/protobuf/util/message_differencer.h>

#include "session/apply.hpp"
#include "store_fixture.hpp"

using namespace souk;

namespace {

struct child {
  pid_t pid;
  int out;  // read end of the child's stdout
};

child spawn(const std::string& dir, uint64_t seed) {
  int fds[2];
  BOOST_REQUIRE(pipe(fds) == 0);
  pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    std::string s = std::to_string(seed);
    execl(SOUK_CRASH_CHILD, SOUK_CRASH_CHILD, dir.c_str(), s.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  return {pid, fds[0]};
}

// Reads what is there within `ms` (all of it until EOF when ms < 0) into acks.
uint64_t ack_lines = 0;

void read_acks(int fd, int ms, std::string& pending, std::map<std::string, uint64_t>& acks) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  char buffer[65536];
  for (;;) {
    int wait = -1;
    if (ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()).count();
      if (left <= 0) return;
      wait = static_cast<int>(left);
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, wait) <= 0) return;
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n <= 0) return;
    pending.append(buffer, static_cast<std::size_t>(n));
    std::size_t end;
    while ((end = pending.find('\n')) != std::string::npos) {
      std::istringstream line(pending.substr(0, end));
      pending.erase(0, end + 1);
      std::string session;
      uint64_t seq = 0;
      line >> session >> seq;
      acks[session] = std::max(acks[session], seq);
      ++ack_lines;
    }
  }
}

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
  for (int cycle = 0; cycle < cycles; ++cycle) {
    BOOST_TEST_CONTEXT("cycle " << cycle) {
      auto c = spawn(dir.str(), static_cast<uint64_t>(cycle) + 1);
      std::string pending;
      std::map<std::string, uint64_t> cycle_acks;
      // Wait for the child to be appending, then let it run a random while.
      for (int waited = 0; cycle_acks.empty() && waited < 200; ++waited)
        read_acks(c.out, 50, pending, cycle_acks);
      BOOST_REQUIRE_MESSAGE(!cycle_acks.empty(), "the child acknowledged nothing");
      read_acks(c.out, static_cast<int>(20 + rng() % 400), pending, cycle_acks);
      kill(c.pid, SIGKILL);
      int status = 0;
      waitpid(c.pid, &status, 0);
      BOOST_TEST(WIFSIGNALED(status));
      read_acks(c.out, -1, pending, cycle_acks);  // acks written before the kill count
      close(c.out);
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
