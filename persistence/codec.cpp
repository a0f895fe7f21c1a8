#include "persistence/codec.hpp"

#include <array>
#include <cstring>

namespace souk::persistence {
namespace {

constexpr uint32_t castagnoli = 0x82F63B78u;  // reflected

// GF(2) 32x32 matrices (a column per bit) for "append n zero bytes to what the CRC
// register has seen": how partial CRCs of adjacent blocks are joined.
uint32_t gf2_times(const uint32_t* matrix, uint32_t vector) {
  uint32_t sum = 0;
  for (; vector; vector >>= 1, ++matrix)
    if (vector & 1) sum ^= *matrix;
  return sum;
}

void gf2_square(uint32_t* square, const uint32_t* matrix) {
  for (int n = 0; n < 32; ++n) square[n] = gf2_times(matrix, matrix[n]);
}

struct crc_tables {
  // Slicing-by-8 tables for the portable path.
  std::array<std::array<uint32_t, 256>, 8> t{};
  // The register after `bytes` zero bytes, by byte of the register: short_block and
  // long_block bytes (both powers of two).
  static constexpr std::size_t short_block = 64, long_block = 2048;
  std::array<std::array<uint32_t, 256>, 4> short_zeros{}, long_zeros{};

  crc_tables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (castagnoli & (0u - (c & 1u)));
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    zeros(short_zeros, short_block);
    zeros(long_zeros, long_block);
  }

  // After M. Adler's crc32c.c: square the one-zero-bit operator up to `bytes` bytes.
  static void zeros(std::array<std::array<uint32_t, 256>, 4>& table, std::size_t bytes) {
    uint32_t even[32], odd[32];
    odd[0] = castagnoli;
    for (int n = 1; n < 32; ++n) odd[n] = 1u << (n - 1);
    gf2_square(even, odd);  // 2 zero bits
    gf2_square(odd, even);  // 4
    const uint32_t* op = nullptr;
    for (;;) {
      gf2_square(even, odd);  // 8 bits, 32, ...
      bytes >>= 1;
      if (bytes == 0) {
        op = even;
        break;
      }
      gf2_square(odd, even);
      bytes >>= 1;
      if (bytes == 0) {
        op = odd;
        break;
      }
    }
    for (uint32_t n = 0; n < 256; ++n)
      for (int b = 0; b < 4; ++b) table[b][n] = gf2_times(op, n << (8 * b));
  }

  static uint32_t shift(const std::array<std::array<uint32_t, 256>, 4>& table, uint32_t crc) {
    return table[0][crc & 0xFF] ^ table[1][(crc >> 8) & 0xFF] ^ table[2][(crc >> 16) & 0xFF] ^
           table[3][crc >> 24];
  }
};

const crc_tables tables;

#if defined(__x86_64__)
// The SSE 4.2 crc32 instruction computes exactly this CRC, 8 bytes at a time, but each
// waits ~3 cycles for the one before: three blocks in three independent chains keep
// the unit busy, and their CRCs are joined by shifting over the later blocks' length.
// (Plain functions, not lambdas: a lambda would not inherit the target attribute.)
__attribute__((target("sse4.2"))) uint64_t crc32c_word(uint64_t crc, const unsigned char* at) {
  uint64_t word;
  std::memcpy(&word, at, 8);
  return __builtin_ia32_crc32di(crc, word);
}

// Consumes whole runs of three `block`-byte blocks from p, n.
__attribute__((target("sse4.2"))) void crc32c_three_ways(
    uint64_t& crc0, const unsigned char*& p, std::size_t& n, std::size_t block,
    const std::array<std::array<uint32_t, 256>, 4>& zeros) {
  while (n >= 3 * block) {
    uint64_t crc1 = 0, crc2 = 0;
    for (const unsigned char* end = p + block; p < end; p += 8) {
      crc0 = crc32c_word(crc0, p);
      crc1 = crc32c_word(crc1, p + block);
      crc2 = crc32c_word(crc2, p + 2 * block);
    }
    crc0 = crc_tables::shift(zeros, static_cast<uint32_t>(crc0)) ^ crc1;
    crc0 = crc_tables::shift(zeros, static_cast<uint32_t>(crc0)) ^ crc2;
    p += 2 * block;
    n -= 3 * block;
  }
}

__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(const unsigned char* p, std::size_t n) {
  uint64_t crc0 = 0xFFFFFFFFu;
  crc32c_three_ways(crc0, p, n, crc_tables::long_block, tables.long_zeros);
  crc32c_three_ways(crc0, p, n, crc_tables::short_block, tables.short_zeros);
  for (; n >= 8; p += 8, n -= 8) crc0 = crc32c_word(crc0, p);
  auto crc32 = static_cast<uint32_t>(crc0);
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

uint32_t get_u32(const char* in) {
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = value << 8 | static_cast<unsigned char>(in[i]);
  return value;
}

std::string u64_key(uint64_t value) {
  std::string key(8, '\0');
  put_u64(key.data(), value);
  return key;
}

void put_u32(char* out, uint32_t value) {
  for (int i = 3; i >= 0; --i, value >>= 8) out[i] = static_cast<char>(value & 0xFF);
}

void seal_in_place(char* out, std::size_t payload_size) {
  put_u32(out, crc32c(std::string_view(out + seal_overhead, payload_size)));
}

std::string seal(std::string_view payload) {
  std::string out(payload.size() + seal_overhead, '\0');
  payload.copy(out.data() + seal_overhead, payload.size());
  seal_in_place(out.data(), payload.size());
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
