#pragma once

// The background verifier (DESIGN.md rule 6): every interval it replays a sample of the
// most recently active sessions from their first event and compares the result with
// their live state (asked of the actor when live) or stored snapshot + tail. A
// divergence is counted (souk_divergences_total), logged as an error line, and kept for
// the viewer and GET /v1/sessions/{id}/verify.
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <caf/fwd.hpp>

#include "runtime/node.hpp"
#include "souk/v1/api.pb.h"

namespace souk::gateway {

struct verifier_options {
  std::chrono::milliseconds interval{std::chrono::seconds(60)};
  std::size_t pool = 1000;   // how many of the most recently active sessions to sample from
  std::size_t sample = 20;   // sessions replayed per round
};

class verifier {
 public:
  verifier(caf::actor_system& system, runtime::node& node, verifier_options options);
  ~verifier();  // stops the thread
  /// One round now, on the calling thread; how many sessions it checked.
  std::size_t run_once();
  /// Checks one session now (live state if live) and remembers the result.
  session::result<v1::VerifyReport> check(const std::string& session_id);
  /// The last result for a session, if it was checked.
  std::optional<v1::VerifyReport> last(const std::string& session_id) const;

 private:
  caf::actor_system& system_;
  runtime::node& node_;
  verifier_options options_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, v1::VerifyReport> results_;
  std::thread thread_;
};

}  // namespace souk::gateway
