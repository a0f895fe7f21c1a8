#include "divergence.hpp"

#include <google/protobuf/util/message_differencer.h>

#include "apply.hpp"

namespace souk::session {

std::optional<std::string> first_difference(const v1::SessionState& expected,
                                            const v1::SessionState& actual) {
  google::protobuf::util::MessageDifferencer differencer;
  std::string report;
  differencer.ReportDifferencesToString(&report);
  if (differencer.Compare(expected, actual)) return std::nullopt;
  auto end = report.find('\n');
  return report.substr(0, end);
}

std::vector<std::string> state_changes(const v1::SessionState& from,
                                       const v1::SessionState& to) {
  google::protobuf::util::MessageDifferencer differencer;
  std::string report;
  differencer.ReportDifferencesToString(&report);
  differencer.Compare(from, to);
  std::vector<std::string> changes;
  for (std::size_t at = 0; at < report.size();) {
    auto end = report.find('\n', at);
    if (end == std::string::npos) end = report.size();
    if (end > at) changes.push_back(report.substr(at, end - at));
    at = end + 1;
  }
  return changes;
}

result<divergence_report> check_divergence(const std::vector<v1::Event>& events,
                                           const v1::SessionState& snapshot,
                                           const v1::SessionState& materialized) {
  divergence_report report;
  report.snapshot_version = snapshot.version();
  v1::SessionState replayed;
  for (const auto& event : events) {
    if (auto error = apply_to(replayed, event)) return make_unexpected(*error);
    ++report.events_replayed;
    if (snapshot.version() > 0 && replayed.version() == snapshot.version()) {
      v1::SessionState upgraded = snapshot;
      if (auto error = upgrade_state(upgraded)) return make_unexpected(*error);
      report.snapshot_difference = first_difference(replayed, upgraded);
    }
  }
  if (snapshot.version() > replayed.version())
    report.snapshot_difference = "snapshot at version " + std::to_string(snapshot.version()) +
                                 " is ahead of the history (" +
                                 std::to_string(replayed.version()) + " events)";
  report.materialized_difference = first_difference(replayed, materialized);
  return report;
}

}  // namespace souk::session
