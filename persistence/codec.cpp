#include "persistence/codec.hpp"

#include <array>
#include <cstring>

namespace souk::persistence {
namespace {

// Slicing-by-8 tables for the reflected Castagnoli polynomial 0x82F63B78.
struct crc_tables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  crc_tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};

const crc_tables tables;

#if defined(__x86_64__)
// The SSE 4.2 crc32 instruction computes exactly this CRC, 8 bytes at a time.
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const unsigned char* p, std::size_t n) {
  uint64_t crc = 0xFFFFFFFFu;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    crc = __builtin_ia32_crc32di(crc, word);
  }
  auto crc32 = static_cast<uint32_t>(crc);
  for (; n > 0; --n) crc32 = __builtin_ia32_crc32qi(crc32, *p++);
  return crc32 ^ 0xFFFFFFFFu;
}
const bool has_sse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

uint32_t crc32c(std::string_view bytes) {
#if defined(__x86_64__)
  if (has_sse42)
    return crc32c_sse42(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
#endif
  return crc32c_portable(bytes);
}

uint32_t crc32c_portable(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t n = bytes.size();
  const auto& t = tables.t;
  uint32_t crc = 0xFFFFFFFFu;
  while (n >= 8) {
    uint32_t lo = crc ^ (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
                         uint32_t(p[3]) << 24);
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^
          t[4][lo >> 24] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xFF];
  return crc ^ 0xFFFFFFFFu;
}

void put_u64(char* out, uint64_t value) {
  for (int i = 7; i >= 0; --i, value >>= 8) out[i] = static_cast<char>(value & 0xFF);
}

uint64_t get_u64(const char* in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = value << 8 | static_cast<unsigned char>(in[i]);
  return value;
}

std::string u64_key(uint64_t value) {
  std::string key(8, '\0');
  put_u64(key.data(), value);
  return key;
}

void seal_into(char* out, std::string_view payload) {
  uint32_t crc = crc32c(payload);
  for (int i = 3; i >= 0; --i, crc >>= 8) out[i] = static_cast<char>(crc & 0xFF);
  payload.copy(out + seal_overhead, payload.size());
}

std::string seal(std::string_view payload) {
  std::string out(payload.size() + seal_overhead, '\0');
  seal_into(out.data(), payload);
  return out;
}

std::optional<std::string_view> unseal(std::string_view value) {
  if (value.size() < seal_overhead) return std::nullopt;
  uint32_t stored = 0;
  for (int i = 0; i < 4; ++i) stored = stored << 8 | static_cast<unsigned char>(value[i]);
  auto payload = value.substr(seal_overhead);
  if (crc32c(payload) != stored) return std::nullopt;
  return payload;
}

std::string session_prefix(std::string_view session_id) {
  std::string key(session_id);
  key.push_back('\0');
  return key;
}

std::string session_key(std::string_view session_id, uint64_t seq) {
  std::string key = session_prefix(session_id);
  key.resize(key.size() + 8);
  put_u64(key.data() + key.size() - 8, seq);
  return key;
}

std::optional<std::pair<std::string_view, uint64_t>> split_session_key(std::string_view key) {
  if (key.size() < 9 || key[key.size() - 9] != '\0') return std::nullopt;
  return std::pair{key.substr(0, key.size() - 9), get_u64(key.data() + key.size() - 8)};
}

}  // namespace souk::persistence
