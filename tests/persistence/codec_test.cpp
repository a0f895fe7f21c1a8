#include <boost/test/unit_test.hpp>

#include "persistence/codec.hpp"

using namespace souk::persistence;

BOOST_AUTO_TEST_SUITE(persistence_codec)

BOOST_AUTO_TEST_CASE(crc32c_matches_the_standard_check_values) {
  BOOST_TEST(crc32c("123456789") == 0xE3069283u);
  BOOST_TEST(crc32c("") == 0u);
  BOOST_TEST(crc32c(std::string(32, '\0')) == 0x8A9136AAu);  // RFC 3720 B.4
  BOOST_TEST(crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  // The hardware and table paths agree at every length and alignment.
  // Lengths reach past 3 x 2048 bytes, where the hardware path runs three chains.
  std::string bytes;
  for (int i = 0; i < 7000; ++i) bytes.push_back(static_cast<char>(i * 37 + 11 + i / 251));
  for (std::size_t offset = 0; offset < 8; ++offset)
    for (std::size_t length = 0; length + offset <= bytes.size(); length += length < 400 ? 7 : 61)
      BOOST_TEST_REQUIRE(crc32c(std::string_view(bytes).substr(offset, length)) ==
                         crc32c_portable(std::string_view(bytes).substr(offset, length)));
}

BOOST_AUTO_TEST_CASE(a_sealed_value_detects_any_flipped_bit_and_truncation) {
  std::string value = seal("an event, serialized");
  BOOST_REQUIRE(unseal(value));
  BOOST_TEST(std::string(*unseal(value)) == "an event, serialized");
  for (std::size_t byte = 0; byte < value.size(); ++byte)
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = value;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      BOOST_TEST_REQUIRE(!unseal(flipped));
    }
  BOOST_TEST(!unseal(value.substr(0, value.size() - 1)));
  BOOST_TEST(!unseal("abc"));
}

BOOST_AUTO_TEST_CASE(keys_sort_numerically_and_by_session) {
  BOOST_TEST(u64_key(255) < u64_key(256));
  BOOST_TEST(u64_key(1) < u64_key(1ull << 40));
  BOOST_TEST(get_u64(u64_key(0x0102030405060708ull).data()) == 0x0102030405060708ull);
  BOOST_TEST(session_key("s1", 9) < session_key("s1", 10));
  BOOST_TEST(session_key("s1", UINT64_MAX) < session_key("s1-b", 1));  // NUL keeps them apart
  std::string key = session_key("sess-7", 42);
  auto split = split_session_key(key);
  BOOST_REQUIRE(split);
  BOOST_TEST(std::string(split->first) == "sess-7");
  BOOST_TEST(split->second == 42u);
  BOOST_TEST(!split_session_key("short"));
}

BOOST_AUTO_TEST_SUITE_END()
