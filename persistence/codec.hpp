#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// The byte formats of souk's LMDB records (persistence/README.md is their reference).
namespace souk::persistence {

/// CRC-32C (Castagnoli), as in iSCSI and ext4; crc32c("123456789") == 0xE3069283.
/// Uses the SSE 4.2 instruction where the CPU has it.
uint32_t crc32c(std::string_view bytes);
/// The table-driven (slicing-by-8) fallback, for CPUs without it; exposed for tests.
uint32_t crc32c_portable(std::string_view bytes);

/// A stored value: 4-byte big-endian CRC-32C of the payload, then the payload.
inline constexpr std::size_t seal_overhead = 4;
/// A `chunks` entry: the payload's length (4 bytes, big-endian), then the sealed value.
inline constexpr std::size_t entry_length_bytes = 4;
std::string seal(std::string_view payload);
/// Seals a payload serialized in place: writes the CRC of the `payload_size` bytes at
/// `out + seal_overhead` into the seal_overhead bytes at `out`.
void seal_in_place(char* out, std::size_t payload_size);
/// The payload of a sealed value, or nothing if it is too short or its CRC is wrong.
std::optional<std::string_view> unseal(std::string_view value);

/// 8 bytes big-endian, so that byte order is numeric order.
std::string u64_key(uint64_t value);
void put_u64(char* out, uint64_t value);
void put_u32(char* out, uint32_t value);
uint32_t get_u32(const char* in);
uint64_t get_u64(const char* in);

/// `session` NUL `seq` (8 bytes big-endian): orders a session's records by seq and
/// keeps sessions apart. Session ids never contain NUL (the journal refuses them).
std::string session_key(std::string_view session_id, uint64_t seq);
/// The prefix all of a session's keys share: `session` NUL.
std::string session_prefix(std::string_view session_id);
/// Splits a session_key; nothing if `key` is not one.
std::optional<std::pair<std::string_view, uint64_t>> split_session_key(std::string_view key);

}  // namespace souk::persistence
