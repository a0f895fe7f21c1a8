#pragma once

// The node's structured log: one JSON object per line, for every state transition
// (durable event), every refused request and every divergence found. It never holds a
// payload: events are logged by id, type and who caused them, so addresses, messages
// and payment tokens cannot reach it; refusals carry the caller's identity name, never
// its key (DESIGN.md rule 7).
#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>

#include "souk/v1/events.pb.h"

namespace souk::runtime {

class transition_log {
 public:
  /// Writes to `out` (not owned; outlives the log). Lines are whole: writers serialize.
  explicit transition_log(std::ostream& out) : out_(out) {}

  void transition(const v1::Event& event, std::chrono::microseconds latency);
  /// A request refused with `status` (401, 403, 409, 422, 400...): who, on which route
  /// ("/v1/sessions/{id}/commands"), the error's code and the field it is about. Never
  /// the error's message: it may quote what the caller sent.
  void refusal(int status, std::string_view agent, std::string_view method,
               std::string_view route, std::string_view code, std::string_view field);
  void divergence(std::string_view session_id, std::string_view difference);
  void error(std::string_view what, std::string_view message);
  /// Lines are buffered by the stream; the node flushes every second and at shutdown.
  void flush();

 private:
  void write(const std::string& line);
  std::mutex mutex_;
  std::ostream& out_;
};

/// `text` as a JSON string literal (quotes included).
std::string json_quote(std::string_view text);

}  // namespace souk::runtime
