#pragma once

// The common shape of protobuf's JSON mapping, read by walking descriptors and
// reflection: the fast path for request bodies.
//
// protobuf 3.21's parser builds a google.protobuf.Type for every type it meets on every
// call (a deep copy each), which was a quarter of the HTTP threads' time. This reader
// takes only input whose meaning it is sure of, and gives exactly what protobuf's parser
// gives for it: objects with each field once (by its JSON or proto name), strings,
// integers (64-bit ones also quoted), finite doubles, booleans, enums by name, nested
// messages, arrays, maps with string keys, and Timestamps as "YYYY-MM-DDTHH:MM:SS[.f]Z".
// Anything else (null, a field twice, two members of a oneof, an unknown field or
// enum name, numbers out of range or written oddly, bad JSON or UTF-8, other
// well-known types) it refuses, and the caller asks protobuf's parser, whose answer,
// including its error message, stands. tests/runtime/gateway holds it to that.
#include <string_view>

#include <google/protobuf/message.h>

namespace souk::gateway {

/// Reads `json` into `message` (cleared first). False, with `message` cleared, when
/// `json` is outside what this reader takes.
bool read_json(std::string_view json, google::protobuf::Message& message);

}  // namespace souk::gateway
