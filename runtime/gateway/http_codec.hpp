#pragma once

// The gateway's translations between HTTP and souk.v1: protobuf's JSON mapping (strict
// on input), error codes to status codes, request targets, and SSE frames. No I/O.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/message.h>

#include "souk/v1/common.pb.h"
#include "souk/v1/events.pb.h"

namespace souk::gateway {

/// protobuf's JSON mapping of `message`.
std::string to_json(const google::protobuf::Message& message);
/// Parses `body` into `message` (json_reader.hpp: strict); says where and what was wrong.
std::optional<v1::Error> from_json(const std::string& body, google::protobuf::Message& message);

/// The HTTP status of an error: 409 conflict, 403 scope, 401 key, 404 missing, 413 too
/// large, 400 malformed, 503 storage or overload, 500 corruption, else 422 (a rule).
unsigned status_of(v1::ErrorCode code);

/// A request target: its path segments and query parameters, percent-decoded.
struct target {
  std::vector<std::string> path;
  std::map<std::string, std::string> query;
};
target parse_target(std::string_view raw);

/// A decimal number that fits 64 bits, or nothing.
std::optional<uint64_t> parse_u64(const std::string& text);
/// One Server-Sent Events frame: id = seq, event = the event's type, data = its JSON.
std::string sse_frame(const v1::Event& event);

}  // namespace souk::gateway
