#include "runtime/gateway/http_codec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include <google/protobuf/util/json_util.h>

#include "runtime/gateway/json_printer.hpp"
#include "runtime/gateway/json_reader.hpp"

namespace souk::gateway {
namespace {

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i] == '+' ? ' ' : in[i];
    }
  }
  return out;
}

}  // namespace

std::string to_json(const google::protobuf::Message& message) {
  std::string out;
  if (print_json(message, out)) return out;
  // Types souk's schema does not use (Any, Struct, ...): protobuf's printer.
  out.clear();
  (void)google::protobuf::util::MessageToJsonString(message, &out);
  return out;
}

std::optional<v1::Error> from_json(const std::string& body, google::protobuf::Message& message) {
  auto error = read_json(body, message);
  if (error)
    error->set_message("the body is not a valid " + message.GetDescriptor()->full_name() +
                       " in JSON: " + error->message());
  return error;
}

unsigned status_of(v1::ErrorCode code) {
  switch (code) {
    case v1::ERROR_CODE_VERSION_CONFLICT: return 409;
    case v1::ERROR_CODE_PERMISSION_DENIED: return 403;
    case v1::ERROR_CODE_UNAUTHENTICATED: return 401;
    case v1::ERROR_CODE_NOT_FOUND: return 404;
    case v1::ERROR_CODE_PAYLOAD_TOO_LARGE: return 413;
    case v1::ERROR_CODE_INVALID_ARGUMENT:
    case v1::ERROR_CODE_UNSUPPORTED_SCHEMA_VERSION:
    case v1::ERROR_CODE_UNKNOWN_EVENT:
      return 400;
    case v1::ERROR_CODE_CORRUPT_RECORD: return 500;
    case v1::ERROR_CODE_STORAGE_FAILURE:
    case v1::ERROR_CODE_OVERLOADED:
    case v1::ERROR_CODE_TIMEOUT:
      return 503;
    default: return 422;  // a business rule (or a transfer that does not hold)
  }
}

target parse_target(std::string_view raw) {
  target t;
  auto q = raw.find('?');
  auto path = raw.substr(0, q);
  for (std::size_t at = 0; at < path.size();) {
    auto end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    if (end > at) t.path.push_back(percent_decode(path.substr(at, end - at)));
    at = end + 1;
  }
  if (q == std::string_view::npos) return t;
  auto query = raw.substr(q + 1);
  for (std::size_t at = 0; at < query.size();) {
    auto end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    auto pair = query.substr(at, end - at);
    auto eq = pair.find('=');
    t.query[percent_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    at = end + 1;
  }
  return t;
}

std::optional<uint64_t> parse_u64(const std::string& text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string sse_frame(const v1::Event& event) {
  const auto* field = v1::Event::descriptor()->FindFieldByNumber(event.body_case());
  return "id: " + std::to_string(event.seq()) + "\nevent: " + (field ? field->name() : "event") +
         "\ndata: " + to_json(event) + "\n\n";
}

}  // namespace souk::gateway
