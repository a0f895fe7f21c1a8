#include "runtime/gateway/verifier.hpp"

#include <algorithm>
#include <random>

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

#include "runtime/inspect.hpp"

namespace souk::gateway {

verifier::verifier(caf::actor_system& system, runtime::node& node, verifier_options options)
    : system_(system), node_(node), options_(options) {
  if (options_.interval.count() <= 0) return;  // on demand only
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, options_.interval, [this] { return stopping_; })) {
      lock.unlock();
      run_once();
      if (auto* log = node_.log()) log->flush();
      lock.lock();
    }
  });
}

verifier::~verifier() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::size_t verifier::run_once() {
  auto recent = node_.journal().sessions_by_activity(options_.pool);
  if (!recent) {
    if (auto* log = node_.log()) log->error("verifier", recent.error().message());
    return 0;
  }
  std::vector<std::string> ids;
  for (const auto& record : *recent) ids.push_back(record.session_id());
  std::mt19937_64 random{std::random_device{}()};
  std::shuffle(ids.begin(), ids.end(), random);
  ids.resize(std::min(ids.size(), options_.sample));
  for (const auto& id : ids) (void)check(id);  // kept, counted and logged by check
  return ids.size();
}

session::result<v1::VerifyReport> verifier::check(const std::string& session_id) {
  std::optional<v1::SessionState> live;
  if (auto actor = node_.live_session(session_id)) {
    caf::scoped_actor self{system_};
    self->request(*actor, std::chrono::seconds(10), session::state_atom::value)
        .receive(
            [&](v1::StateReply& reply) {
              if (reply.has_state()) live = std::move(*reply.mutable_state());
            },
            [](caf::error&) {});  // stopped meanwhile: compare with disk instead
  }
  auto started = std::chrono::steady_clock::now();
  auto report = runtime::verify_session(node_.journal(), session_id, live ? &*live : nullptr);
  auto& m = node_.metrics();
  m.replay_seconds.observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  if (!report) {
    if (auto* log = node_.log()) log->error("verifier", session_id + ": " + report.error().message());
    return report;
  }
  m.sessions_verified.add();
  if (report->diverged()) {
    m.divergences_found.add();
    if (auto* log = node_.log())
      log->divergence(session_id, report->snapshot_difference().empty()
                                      ? report->materialized_difference()
                                      : report->snapshot_difference());
  }
  std::lock_guard<std::mutex> lock(mutex_);
  results_[session_id] = *report;
  return report;
}

std::optional<v1::VerifyReport> verifier::last(const std::string& session_id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = results_.find(session_id);
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

}  // namespace souk::gateway
