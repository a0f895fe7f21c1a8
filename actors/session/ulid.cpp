#include "ulid.hpp"

namespace souk::session {

std::string make_ulid(uint64_t unix_ms, uint16_t high16, uint64_t low64) {
  static constexpr char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  // 128 bits = time(48) | high16 | low64, written as 26 five-bit digits (130 bits, the
  // top two always zero), most significant first.
  const unsigned __int128 value = (static_cast<unsigned __int128>(unix_ms & 0xFFFFFFFFFFFFull)
                                   << 80) |
                                  (static_cast<unsigned __int128>(high16) << 64) | low64;
  std::string out(26, '0');
  for (int i = 25; i >= 0; --i)
    out[i] = alphabet[static_cast<unsigned>((value >> (5 * (25 - i))) & 0x1F)];
  return out;
}

}  // namespace souk::session
