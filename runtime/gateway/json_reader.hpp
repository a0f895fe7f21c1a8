#pragma once

// protobuf's JSON mapping, read by walking descriptors and reflection: the gateway's only
// reader of request bodies.
//
// It is at least as strict as protobuf's mapping, and where protobuf 3.21's own parser
// is lenient (it takes trailing commas, single quotes, unquoted keys, a key twice, a
// string for a bool, a lone value for a list), stricter: objects with each field once
// (by its JSON or proto name) and at most one member of a oneof, strings of
// well-formed UTF-8, integers as digits (64-bit ones also quoted) within their type,
// finite doubles, true and false, enums by name or known number, nested messages,
// arrays, maps with string keys each once, null for a field's default, and Timestamps
// in RFC 3339 (years 1-9999). What it takes it reads exactly as protobuf does;
// tests/runtime/gateway holds it to that.
#include <optional>
#include <string_view>

#include <google/protobuf/message.h>

#include "souk/v1/common.pb.h"

namespace souk::gateway {

/// Reads `json` into `message` (cleared first). On refusal, `message` is left clear and
/// the answer is INVALID_ARGUMENT saying where and why ("at byte 12
/// (addToCart.quantity): expected an integer"), with Error.field the field's path: it
/// names fields, never quotes a value.
std::optional<v1::Error> read_json(std::string_view json, google::protobuf::Message& message);

}  // namespace souk::gateway
