#include "runtime/metrics.hpp"

#include <cmath>

#include "souk/v1/events.pb.h"

namespace souk::runtime {
namespace {

std::vector<double> exponential(double start, double factor, int n) {
  std::vector<double> bounds;
  for (double b = start; n-- > 0; b *= factor) bounds.push_back(b);
  return bounds;
}

void number(std::string& out, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  out += buf;
}

void line(std::string& out, const std::string& name, uint64_t value) {
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

void describe(std::string& out, const std::string& name, const char* type, const char* help) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(bounds_.size() + 1) {}

void histogram::observe(double value) {
  std::size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<uint64_t>(std::llround(std::max(0.0, value) * 1e6)),
                       std::memory_order_relaxed);
}

void histogram::render(std::string& out, const std::string& name) const {
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    out += name + "_bucket{le=\"";
    if (i < bounds_.size())
      number(out, bounds_[i]);
    else
      out += "+Inf";
    out += "\"} " + std::to_string(cumulative) + "\n";
  }
  out += name + "_sum ";
  number(out, static_cast<double>(sum_micro_.load(std::memory_order_relaxed)) / 1e6);
  out += "\n";
  line(out, name + "_count", count());
}

node_metrics::node_metrics()
    : commit_batch_events(exponential(1, 2, 14)),
      commit_seconds(exponential(0.00005, 2, 16)),
      command_seconds(exponential(0.00005, 2, 16)),
      activation_seconds(exponential(0.00001, 2, 18)),
      replay_seconds(exponential(0.00001, 2, 18)),
      state_bytes(exponential(256, 2, 14)) {}

void node_metrics::event_appended(int body_case) {
  if (body_case >= 0 && static_cast<std::size_t>(body_case) < events_by_type.size())
    events_by_type[body_case].add();
}

std::string node_metrics::render() const {
  std::string out;
  out.reserve(16384);
  describe(out, "souk_events_appended_total", "counter", "Durable events, by type.");
  const auto* oneof = v1::Event::descriptor()->FindOneofByName("body");
  for (int i = 0; oneof && i < oneof->field_count(); ++i) {
    const auto* field = oneof->field(i);
    auto n = field->number();
    if (n < 0 || static_cast<std::size_t>(n) >= events_by_type.size()) continue;
    line(out, "souk_events_appended_total{type=\"" + field->name() + "\"}",
         events_by_type[n].value());
  }
  auto hist = [&](const histogram& h, const std::string& name, const char* help) {
    describe(out, name, "histogram", help);
    h.render(out, name);
  };
  auto count = [&](const counter& c, const std::string& name, const char* help) {
    describe(out, name, "counter", help);
    line(out, name, c.value());
  };
  hist(commit_batch_events, "souk_commit_batch_events", "Events per group commit.");
  hist(commit_seconds, "souk_commit_seconds", "Group commit latency, txn begin to durable.");
  hist(command_seconds, "souk_command_seconds", "Command arrival at its session to durable.");
  count(commands_accepted, "souk_mutations_total",
        "Commands that appended events (rate() of it is the mutation rate).");
  describe(out, "souk_live_sessions", "gauge", "Session actors live on this node.");
  line(out, "souk_live_sessions", live_sessions ? live_sessions() : 0);
  describe(out, "souk_journal_zeros_ahead_bytes", "gauge",
           "Zeros written past the journal's used pages (--journal-preallocate-mb).");
  line(out, "souk_journal_zeros_ahead_bytes", journal_zeros_ahead ? journal_zeros_ahead() : 0);
  count(activations, "souk_activations_total", "Session activations.");
  count(passivations, "souk_passivations_total", "Session actors stopped (idle, cap, shutdown).");
  hist(activation_seconds, "souk_activation_seconds", "Snapshot + tail load at activation.");
  hist(replay_seconds, "souk_replay_seconds", "Full replays of a session by the verifier.");
  hist(state_bytes, "souk_state_bytes", "Encoded session state size at each snapshot.");
  count(conflicts, "souk_conflicts_total", "Commands refused for a stale expected version (409).");
  describe(out, "souk_refusals_total", "counter", "Requests refused, by reason.");
  line(out, "souk_refusals_total{reason=\"unauthenticated\"}", refused_unauthenticated.value());
  line(out, "souk_refusals_total{reason=\"forbidden\"}", refused_forbidden.value());
  line(out, "souk_refusals_total{reason=\"business_rule\"}", refused_rule.value());
  line(out, "souk_refusals_total{reason=\"bad_request\"}", bad_requests.value());
  line(out, "souk_refusals_total{reason=\"overloaded\"}", overloaded.value());
  count(http_requests, "souk_http_requests_total", "HTTP requests served.");
  count(sessions_verified, "souk_sessions_verified_total",
        "Sessions the verifier replayed and compared.");
  count(divergences_found, "souk_divergences_total",
        "Sessions whose replay differed from their materialized state or snapshot.");
  return out;
}

}  // namespace souk::runtime
