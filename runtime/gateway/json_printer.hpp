#pragma once

// protobuf's JSON mapping, printed by walking descriptors and reflection.
//
// protobuf 3.21's printer serializes the message, then describes each type it meets as
// a google.protobuf.Type (a deep copy per type per call) and renders from the bytes:
// for a command's reply that was most of the gateway's CPU. This printer gives the same
// bytes as protobuf's default options (lowerCamelCase names, default values omitted,
// 64-bit integers quoted, enums by name, Timestamp and Duration as strings, wrappers
// as their value, the same string escapes and number formats), with map entries in key
// order as deterministic serialization gives them. tests/runtime/gateway compares the
// two on every souk.v1 message type filled at random.
#include <string>

#include <google/protobuf/message.h>

namespace souk::gateway {

/// Appends `message` in JSON to `out`. False, with `out` partly written, for what it
/// does not print (Any, Struct, Value, ListValue, FieldMask, maps without string keys;
/// none in souk's schema): the caller then asks protobuf's printer. What a record
/// written before input was checked may hold still prints as JSON: bytes that are not
/// UTF-8 as U+FFFD, a Timestamp or Duration out of range at the nearer end.
bool print_json(const google::protobuf::Message& message, std::string& out);

}  // namespace souk::gateway
