// The gateway's JSON printer gives protobuf's bytes: every souk.v1 message type, filled
// at random (tricky strings, numbers, times, maps, unknown enum values), printed by
// both.
#include <string>
#include <utility>
#include <vector>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/wrappers.pb.h>
#include <boost/test/unit_test.hpp>

#include "json_test_messages.hpp"
#include "runtime/gateway/http_codec.hpp"
#include "runtime/gateway/json_printer.hpp"

namespace souk {

using namespace json_test;

BOOST_AUTO_TEST_SUITE(runtime_gateway_codec)

BOOST_AUTO_TEST_CASE(the_printer_writes_protobufs_bytes_for_every_souk_type) {
  auto types = souk_message_types();
  BOOST_TEST(types.size() > 50u);
  std::size_t compared = 0;
  for (const pb::Descriptor* type : types) {
    for (uint64_t seed = 0; seed < 40; ++seed) {
      std::unique_ptr<pb::Message> m(
          pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
      filler(seed * 7919 + static_cast<uint64_t>(type->index())).fill(*m, 0);
      std::string ours;
      BOOST_REQUIRE_MESSAGE(gateway::print_json(*m, ours), type->full_name()
                                                               << " not printed");
      auto theirs = protobuf_json(*m);
      BOOST_TEST(ours == theirs, type->full_name() << " seed " << seed);
      ++compared;
    }
  }
  BOOST_TEST_MESSAGE(compared << " messages compared");
}

BOOST_AUTO_TEST_CASE(well_known_types_print_as_protobuf_does) {
  google::protobuf::Timestamp t;
  for (auto [seconds, nanos] :
       std::vector<std::pair<int64_t, int32_t>>{{0, 0},
                                                {-62135596800, 0},
                                                {253402300799, 999999999},
                                                {951782400, 1000},
                                                {-1, 5}}) {
    t.set_seconds(seconds);
    t.set_nanos(nanos);
    std::string ours;
    BOOST_REQUIRE(gateway::print_json(t, ours));
    BOOST_TEST(ours == protobuf_json(t));
  }
  google::protobuf::Int64Value wrapped;  // a wrapper prints its value, even the default
  std::string ours;
  BOOST_REQUIRE(gateway::print_json(wrapped, ours));
  BOOST_TEST(ours == "\"0\"");
}

// Output is always JSON, whatever a record written before input was checked holds:
// bytes that are not UTF-8 become U+FFFD, times beyond the range the nearer end.
BOOST_AUTO_TEST_CASE(it_prints_json_of_any_record) {
  v1::Error error;
  error.set_message("caf\xc3 \xff!");  // cut in the middle of a character, and a stray byte
  std::string ours;
  BOOST_REQUIRE(gateway::print_json(error, ours));
  BOOST_TEST(ours == R"({"message":"caf\ufffd \ufffd!"})");

  google::protobuf::Timestamp late;
  late.set_seconds(253402300800);  // the year 10000
  ours.clear();
  BOOST_REQUIRE(gateway::print_json(late, ours));
  BOOST_TEST(ours == R"("9999-12-31T23:59:59.999999999Z")");
  late.set_seconds(INT64_MIN);
  ours.clear();
  BOOST_REQUIRE(gateway::print_json(late, ours));
  BOOST_TEST(ours == R"("0001-01-01T00:00:00Z")");

  // Types souk's schema does not use go to protobuf's printer.
  google::protobuf::Struct s;
  (*s.mutable_fields())["a"].set_number_value(1);
  ours.clear();
  BOOST_TEST(!gateway::print_json(s, ours));
  BOOST_TEST(gateway::to_json(s) == R"({"a":1})");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace souk
