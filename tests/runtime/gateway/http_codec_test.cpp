// The gateway's pure translations: targets, numbers, status codes, JSON, SSE.
#include <boost/test/unit_test.hpp>

#include "runtime/gateway/http_codec.hpp"
#include "souk/v1/commands.pb.h"

namespace souk {

BOOST_AUTO_TEST_SUITE(runtime_gateway_codec)

BOOST_AUTO_TEST_CASE(targets_are_split_and_percent_decoded) {
  auto t = gateway::parse_target("/v1/sessions/a%3Ab/events?after=3&at=2026-11-27T10%3A00%3A00Z&x");
  BOOST_TEST((t.path == std::vector<std::string>{"v1", "sessions", "a:b", "events"}));
  BOOST_TEST(t.query["after"] == "3");
  BOOST_TEST(t.query["at"] == "2026-11-27T10:00:00Z");
  BOOST_TEST(t.query.count("x") == 1u);
  BOOST_TEST(gateway::parse_target("/").path.empty());
}

BOOST_AUTO_TEST_CASE(numbers_are_checked) {
  BOOST_TEST(*gateway::parse_u64("18446744073709551615") == UINT64_MAX);
  BOOST_TEST(!gateway::parse_u64("-1"));
  BOOST_TEST(!gateway::parse_u64("12x"));
  BOOST_TEST(!gateway::parse_u64("99999999999999999999"));
}

BOOST_AUTO_TEST_CASE(error_codes_map_to_statuses) {
  BOOST_TEST(gateway::status_of(v1::ERROR_CODE_VERSION_CONFLICT) == 409u);
  BOOST_TEST(gateway::status_of(v1::ERROR_CODE_PERMISSION_DENIED) == 403u);
  BOOST_TEST(gateway::status_of(v1::ERROR_CODE_UNAUTHENTICATED) == 401u);
  BOOST_TEST(gateway::status_of(v1::ERROR_CODE_INVALID_ARGUMENT) == 400u);
  BOOST_TEST(gateway::status_of(v1::ERROR_CODE_INSUFFICIENT_STOCK) == 422u);
  BOOST_TEST(gateway::status_of(v1::ERROR_CODE_STORAGE_FAILURE) == 503u);
}

BOOST_AUTO_TEST_CASE(json_is_strict_and_sse_frames_carry_the_seq) {
  v1::Command c;
  BOOST_TEST(!gateway::from_json(R"({"viewProduct":{"sku":"SKU-1"}})", c));
  BOOST_TEST(c.view_product().sku() == "SKU-1");
  auto error = gateway::from_json(R"({"viewProduct":{"sku":"SKU-1"},"nope":1})", c);
  BOOST_REQUIRE(error);
  BOOST_TEST(error->message().find("souk.v1.Command") != std::string::npos);
  BOOST_TEST(error->code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  v1::Event e;
  e.set_seq(7);
  e.mutable_product_viewed()->set_sku("SKU-1");
  auto frame = gateway::sse_frame(e);
  BOOST_TEST(frame.rfind("id: 7\nevent: product_viewed\ndata: {", 0) == 0u);
  BOOST_TEST(frame.substr(frame.size() - 2) == "\n\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace souk
