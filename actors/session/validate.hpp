#pragma once

// Whether input is well-formed, by the rules every field keeps and the limits the schema
// declares on it (schemas/souk/v1/limits.proto). Pure. The session core checks every
// command with it before any rule reads the command; the gateway checks reference
// records, handoff requests and the identifiers in paths and queries with it; transfers
// are checked before they are trusted.
#include <cstddef>
#include <optional>
#include <string_view>

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include "errors.hpp"

namespace souk::session {

/// At most 128 bytes of well-formed UTF-8 without control characters (C0, DEL, C1), and
/// not "." or "..". Empty is well-formed here; whether a rule needs it is the rule's say.
bool valid_identifier(std::string_view text);
/// 1-128 characters of ASCII letters, digits, '-', '_', '.', ':'.
bool valid_session_id(std::string_view text);
/// At most `max_bytes` of well-formed UTF-8 without control characters but tab, line
/// feed and carriage return.
bool valid_text(std::string_view text, std::size_t max_bytes);
/// Within 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z, nanos in 0..999999999.
bool valid_timestamp(const google::protobuf::Timestamp& at);

/// The first field of `message` (or of a message within it) that breaks its rules, as
/// INVALID_ARGUMENT (INVALID_QUANTITY for quantities) with Error.field set to its JSON
/// path, e.g. "addToCart.quantity" or "address.lines[2]". The message says which rule
/// was broken, never the value. Nothing when every field holds.
std::optional<v1::Error> check_limits(const google::protobuf::Message& message);

}  // namespace souk::session
