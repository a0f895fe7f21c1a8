#include "runtime/transition_log.hpp"

#include <google/protobuf/util/time_util.h>

#include "souk/clock.hpp"
#include "souk/utf8.hpp"

namespace souk::runtime {
namespace {

std::string now_rfc3339() {
  using google::protobuf::util::TimeUtil;
  return TimeUtil::ToString(souk::now_timestamp());
}

std::string body_type(const v1::Event& event) {
  const auto* field = v1::Event::descriptor()->FindFieldByNumber(event.body_case());
  return field ? field->name() : "unknown";
}

}  // namespace

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t at = 0; at < text.size(); ++at) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (c >= 0x80) {  // copied when well-formed UTF-8, else U+FFFD: the line stays JSON
      std::size_t end = at;
      char32_t decoded;
      if (decode_utf8(text, end, decoded))
        out.append(text.data() + at, end - at), at = end - 1;
      else
        out += "\\ufffd";
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

void transition_log::transition(const v1::Event& event, std::chrono::microseconds latency) {
  write("{\"ts\":" + json_quote(now_rfc3339()) + ",\"kind\":\"transition\",\"event_id\":" +
        json_quote(event.event_id()) + ",\"session\":" + json_quote(event.session_id()) +
        ",\"seq\":" + std::to_string(event.seq()) + ",\"type\":" + json_quote(body_type(event)) +
        ",\"agent\":" + json_quote(event.agent_id()) +
        ",\"causation_id\":" + json_quote(event.causation_id()) +
        ",\"latency_us\":" + std::to_string(latency.count()) + "}");
}

void transition_log::refusal(int status, std::string_view agent, std::string_view method,
                             std::string_view route, std::string_view code,
                             std::string_view field) {
  write("{\"ts\":" + json_quote(now_rfc3339()) + ",\"kind\":\"refusal\",\"status\":" +
        std::to_string(status) + ",\"agent\":" + json_quote(agent) +
        ",\"method\":" + json_quote(method) + ",\"route\":" + json_quote(route) +
        ",\"code\":" + json_quote(code) + ",\"field\":" + json_quote(field) + "}");
}

void transition_log::divergence(std::string_view session_id, std::string_view difference) {
  // "modified: customer.shipping_address.line1: a -> b": the field path only; the values
  // may be personal (the viewer shows them to callers allowed to read the session).
  auto first = difference.find(": ");
  auto second = first == std::string_view::npos ? first : difference.find(": ", first + 2);
  if (second != std::string_view::npos) difference = difference.substr(0, second);
  write("{\"ts\":" + json_quote(now_rfc3339()) +
        ",\"kind\":\"divergence\",\"level\":\"error\",\"session\":" + json_quote(session_id) +
        ",\"difference\":" + json_quote(difference) + "}");
}

void transition_log::error(std::string_view what, std::string_view message) {
  write("{\"ts\":" + json_quote(now_rfc3339()) + ",\"kind\":" + json_quote(what) +
        ",\"level\":\"error\",\"message\":" + json_quote(message) + "}");
}

void transition_log::write(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  out_ << line << '\n';
}

void transition_log::flush() {
  std::lock_guard<std::mutex> lock(mutex_);
  out_.flush();
}

}  // namespace souk::runtime
