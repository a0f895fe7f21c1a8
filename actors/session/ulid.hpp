#pragma once

#include <cstdint>
#include <string>

namespace souk::session {

/// Encodes a ULID: 48 bits of Unix milliseconds then 80 bits of entropy (`high16` and
/// `low64`), as 26 Crockford base-32 characters. ULIDs sort by time as strings. The
/// caller supplies the entropy, so this stays pure; see in_memory_context for a source.
std::string make_ulid(uint64_t unix_ms, uint16_t high16, uint64_t low64);

}  // namespace souk::session
