#pragma once

// The node's metrics, rendered in Prometheus' text format (GET /metrics). Everything
// here is lock-free to update: counters and histogram buckets are atomics, so the
// journal's writer, session actors and gateway threads record without waiting on each
// other. Rendering reads them without a lock (a scrape may see a histogram mid-update,
// off by the one observation in flight, as Prometheus clients usually are).
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace souk::runtime {

class counter {
 public:
  void add(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

/// Cumulative buckets with fixed upper bounds (Prometheus `le`), plus sum and count.
class histogram {
 public:
  explicit histogram(std::vector<double> upper_bounds);
  void observe(double value);
  /// Appends `name_bucket{le=..}`, `name_sum`, `name_count` lines.
  void render(std::string& out, const std::string& name) const;
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> buckets_;  // per bound, plus +Inf last
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micro_{0};  // sum in millionths of the unit
};

/// Every metric a node exposes. Owned by the node; the gateway and verifier add theirs.
struct node_metrics {
  node_metrics();

  // Events appended, by the event's body (oneof field number -> its name at render).
  std::array<counter, 128> events_by_type;
  histogram commit_batch_events;  // events per group commit
  histogram commit_seconds;       // begin of the write txn to durable commit
  histogram command_seconds;      // a command's arrival at its session to durable
  counter commands_accepted;      // commands that changed something (mutations)
  counter activations, passivations;
  histogram activation_seconds;   // snapshot + tail load at activation
  histogram replay_seconds;       // full replays by the verifier
  histogram state_bytes;          // encoded session state, at each snapshot
  counter conflicts;              // 409
  counter refused_unauthenticated, refused_forbidden, refused_rule;  // 401, 403, 422
  counter bad_requests;           // 400 / 413 / 431
  counter overloaded;             // 503: connection cap, or a handler out of time
  counter http_requests;
  counter sessions_verified, divergences_found;
  std::function<std::size_t()> live_sessions;  // read at render
  std::function<std::size_t()> journal_zeros_ahead;  // read at render

  /// Records one durable event (its type and, by the caller, its latency).
  void event_appended(int body_case);
  std::string render() const;
};

}  // namespace souk::runtime
