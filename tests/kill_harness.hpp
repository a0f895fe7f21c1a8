#pragma once

// Runs a child program that prints "SESSION SEQ" for every acknowledged change, kills
// it with SIGKILL at a random moment, and collects what it acknowledged. Crash tests
// then check that a restarted reader finds all of it.
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>

namespace souk::testing {

class killed_child {
 public:
  /// Starts `program DIR SEED` with its stdout on a pipe.
  killed_child(const char* program, const std::string& dir, uint64_t seed) {
    int fds[2];
    BOOST_REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::string s = std::to_string(seed);
      execl(program, program, dir.c_str(), s.c_str(), nullptr);
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }

  /// Waits for the first acknowledgement, lets the child run `ms` more, kills it, and
  /// reads every acknowledgement it wrote before dying. Returns the highest acked seq
  /// per session.
  std::map<std::string, uint64_t> run_then_kill(int ms) {
    for (int waited = 0; acks_.empty() && waited < 200; ++waited) read(50);
    BOOST_REQUIRE_MESSAGE(!acks_.empty(), "the child acknowledged nothing");
    read(ms);
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    BOOST_TEST(WIFSIGNALED(status));
    read(-1);
    close(out_);
    return acks_;
  }
  uint64_t ack_lines() const { return lines_; }

 private:
  // Reads what arrives within `ms` (until EOF when ms < 0).
  void read(int ms) {
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
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, wait) <= 0) return;
      ssize_t n = ::read(out_, buffer, sizeof buffer);
      if (n <= 0) return;
      pending_.append(buffer, static_cast<std::size_t>(n));
      std::size_t end;
      while ((end = pending_.find('\n')) != std::string::npos) {
        std::istringstream line(pending_.substr(0, end));
        pending_.erase(0, end + 1);
        std::string session;
        uint64_t seq = 0;
        line >> session >> seq;
        acks_[session] = std::max(acks_[session], seq);
        ++lines_;
      }
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string pending_;
  std::map<std::string, uint64_t> acks_;
  uint64_t lines_ = 0;
};

}  // namespace souk::testing
