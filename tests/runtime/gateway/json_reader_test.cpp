// The gateway's JSON reader, its only reader of request bodies: what it takes, it reads
// exactly as protobuf's parser does; what protobuf refuses, it refuses too; and where
// protobuf 3.21 is lenient (trailing commas, single quotes, a key twice, a string for a
// bool, a lone value for a list) it refuses, saying where and why.
#include <string>
#include <vector>

#include <google/protobuf/util/message_differencer.h>
#include <boost/test/unit_test.hpp>

#include "json_test_messages.hpp"
#include "runtime/gateway/http_codec.hpp"
#include "runtime/gateway/json_reader.hpp"

namespace souk {

using namespace json_test;

namespace {

std::unique_ptr<pb::Message> new_message(const pb::Descriptor* type) {
  return std::unique_ptr<pb::Message>(
      pb::MessageFactory::generated_factory()->GetPrototype(type)->New());
}

bool protobuf_reads(const std::string& json, pb::Message& m) {
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return pb::util::JsonStringToMessage(json, &m, options).ok();
}

// The reader's contract on one input; whether it took it.
bool agrees_with_protobuf(const std::string& json, const pb::Descriptor* type) {
  auto ours = new_message(type);
  auto theirs = new_message(type);
  auto refusal = gateway::read_json(json, *ours);
  bool taken = !refusal;
  bool read = protobuf_reads(json, *theirs);
  if (taken) {
    BOOST_TEST(read, type->full_name() << ": took what protobuf refuses: " << json);
    BOOST_TEST(pb::util::MessageDifferencer::Equals(*ours, *theirs),
               type->full_name() << ": read differently: " << json
                                 << "\n ours: " << ours->ShortDebugString()
                                 << "\n protobuf: " << theirs->ShortDebugString());
  } else {
    BOOST_TEST(ours->ByteSizeLong() == 0u, "a refused input leaves the message clear");
    BOOST_TEST(refusal->message().rfind("at byte ", 0) == 0u, refusal->message());
  }
  return taken;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_gateway_codec)

BOOST_AUTO_TEST_CASE(the_reader_reads_every_souk_type_as_protobuf_does) {
  std::size_t inputs = 0, taken = 0;
  for (const pb::Descriptor* type : souk_message_types()) {
    for (uint64_t seed = 0; seed < 40; ++seed) {
      auto m = new_message(type);
      filler(seed * 104729 + static_cast<uint64_t>(type->index())).fill(*m, 0);
      for (bool proto_names : {false, true}) {
        pb::util::JsonPrintOptions options;
        options.preserve_proto_field_names = proto_names;
        std::string json;
        BOOST_REQUIRE(pb::util::MessageToJsonString(*m, &json, options).ok());
        ++inputs;
        taken += agrees_with_protobuf(json, type);
      }
    }
  }
  BOOST_TEST_MESSAGE(taken << " of " << inputs << " inputs read");
  // Random messages often hold what the reader refuses (NaN, unknown enum numbers,
  // bytes); still, most must be read.
  BOOST_TEST(taken * 3 > inputs);
}

BOOST_AUTO_TEST_CASE(request_bodies_are_read) {
  const std::string bodies[] = {
      R"({"recordCustomerMessage":{"channel":"chat","text":"is the trail jacket waterproof? \u00e9\ud83d\ude00"}})",
      R"( {"command_id": "c-1", "expectedVersion": "7", "add_to_cart": {"sku": "TRAIL-JKT", "quantity": 2}} )",
      R"({"expectedVersion":12,"applyDiscount":{"code":"MARCH10"}})",
      R"({"recordDecision":{"kind":"recommend","confidence":0.85,"fallbacksTried":["a","b"]}})",
      R"({"startSession":{}})",
  };
  for (const auto& body : bodies)
    BOOST_TEST(agrees_with_protobuf(body, v1::Command::descriptor()), body);
  BOOST_TEST(agrees_with_protobuf(
      R"({"sku":"S","variantId":"V","available":"3","asOf":"2026-11-27T10:00:00.5Z"})",
      v1::StockLevel::descriptor()));
  BOOST_TEST(
      agrees_with_protobuf(R"({"customerId":"c","attributes":{"prime":"yes","tier":""}})",
                           v1::CustomerRecord::descriptor()));
  BOOST_TEST(
      agrees_with_protobuf(R"({"code":"ERROR_CODE_VERSION_CONFLICT","message":"m"})",
                           v1::Error::descriptor()));
}

BOOST_AUTO_TEST_CASE(odd_and_broken_input_is_never_taken_where_protobuf_refuses_it) {
  const auto* command = v1::Command::descriptor();
  const std::string for_commands[] = {
      R"({"commandId":"a","commandId":"b"})",
      R"({"commandId":"a","command_id":"b"})",
      R"({"startSession":{},"checkout":{}})",
      R"({"commandId":null})",
      R"({"unknownField":1})",
      R"({"expectedVersion":"18446744073709551615"})",
      R"({"expectedVersion":18446744073709551616})",
      R"({"expectedVersion":-1})",
      R"({"expectedVersion":1.0})",
      R"({"expectedVersion":1e3})",
      R"({"expectedVersion":"01"})",
      R"({"expectedVersion":" 1"})",
      R"({"expectedVersion":-0})",
      R"({"expectedVersion":true})",
      R"({"addToCart":{"quantity":9223372036854775808}})",
      R"({"addToCart":{"quantity":"-9223372036854775808"}})",
      R"({"addToCart":{"quantity":2.5}})",
      R"({"recordDecision":{"confidence":"0.5"}})",
      R"({"recordDecision":{"confidence":1e400}})",
      R"({"recordDecision":{"confidence":9007199254740993}})",
      R"({"recordDecision":{"confidence":-0.0}})",
      R"({"recordDecision":{"confidence":.5}})",
      R"({"recordPaymentResult":{"authorized":"true"}})",
      R"({"commandId":"\ud83d"})",
      R"({"commandId":"\ude00\ud83d"})",
      R"({"commandId":"\u0000\u001f\/"})",
      "{\"commandId\":\"tab\tinside\"}",
      "{\"commandId\":\"caf\xc3\"}",
      "{\"commandId\":\"\xed\xa0\x80\"}",
      R"({"commandId":"\x41"})",
      R"({"commandId":"a"} x)",
      R"({"commandId":"a",})",
      R"({commandId:"a"})",
      R"({'commandId':'a'})",
      R"([])",
      R"("x")",
      "",
      "{",
      R"({"scopes":"admin"})",
      R"({"scopes":["a",1]})",
      R"({"scopes":["a",null]})",
      R"({"scopes":[]})",
      R"({"startSession":[]})",
      R"({"startSession":"x"})",
      R"({"startSession":{"customerId":"c","customerId":"d"}})",
  };
  for (const auto& body : for_commands) agrees_with_protobuf(body, command);
  const std::string for_stock[] = {
      R"({"asOf":"2026-11-27T10:00:00Z"})",
      R"({"asOf":"2026-11-27T10:00:00.123456789Z"})",
      R"({"asOf":"2026-11-27T10:00:00.1234567891Z"})",
      R"({"asOf":"2026-11-27T10:00:00+01:00"})",
      R"({"asOf":"2026-11-27t10:00:00z"})",
      R"({"asOf":"2026-02-29T10:00:00Z"})",
      R"({"asOf":"2024-02-29T10:00:00Z"})",
      R"({"asOf":"0001-01-01T00:00:00Z"})",
      R"({"asOf":"0000-12-31T23:59:59Z"})",
      R"({"asOf":"9999-12-31T23:59:59.999999999Z"})",
      R"({"asOf":"1969-12-31T23:59:59.5Z"})",
      R"({"asOf":"2026-11-27T24:00:00Z"})",
      R"({"asOf":"2026-11-27T10:00:60Z"})",
      R"({"asOf":"2026-11-27T10:00:00.Z"})",
      R"({"asOf":{"seconds":1}})",
      R"({"asOf":null})",
  };
  for (const auto& body : for_stock)
    agrees_with_protobuf(body, v1::StockLevel::descriptor());
  const std::string for_customers[] = {
      R"({"attributes":{"a":"1","a":"2"}})",
      R"({"attributes":{"a":1}})",
      R"({"attributes":{"a":null}})",
      R"({"attributes":[]})",
  };
  for (const auto& body : for_customers)
    agrees_with_protobuf(body, v1::CustomerRecord::descriptor());
  const std::string for_errors[] = {
      R"({"code":"ERROR_CODE_NO_SUCH_THING"})",
      R"({"code":2})",
      R"({"code":"error_code_version_conflict"})",
  };
  for (const auto& body : for_errors) agrees_with_protobuf(body, v1::Error::descriptor());
}

// protobuf 3.21's parser takes all of these; the reader refuses them, saying where.
BOOST_AUTO_TEST_CASE(what_protobuf_takes_leniently_is_refused) {
  const std::pair<std::string, std::string> refused[] = {
      {R"({"commandId":"a","commandId":"b"})", "(commandId): the field is given twice"},
      {R"({"commandId":"a","command_id":"b"})", "(commandId): the field is given twice"},
      {R"({"addToCart":{"sku":"a",}})", "expected a string"},
      {R"({'commandId':'a'})", "expected a string"},
      {R"({commandId:"a"})", "expected a string"},
      {R"({"recordDecision":{"kind":"x","fallbacksTried":"x"}})",
       "(recordDecision.fallbacksTried): expected an array"},
      {R"({"recordPaymentResult":{"authorized":"true"}})",
       "(recordPaymentResult.authorized): expected true or false"},
      {R"({"addToCart":{"quantity":1e3}})", "(addToCart.quantity): expected an integer"},
      {R"({"startSession":{},"checkout":{}})", "(checkout): only one field of 'body'"},
      {R"({"nope":1})", "no field \"nope\" in souk.v1.Command"},
      {R"({"commandId":"a"} x)", "more after the end"},
  };
  for (const auto& [body, why] : refused) {
    v1::Command c;
    auto error = gateway::read_json(body, c);
    BOOST_REQUIRE_MESSAGE(error, body);
    BOOST_TEST(error->message().find(why) != std::string::npos, body << " -> " << error->message());
  }
  v1::DiscountRule rule;
  auto error = gateway::read_json(R"({"code":"Z","active":"yes"})", rule);
  BOOST_REQUIRE(error);
  BOOST_TEST(error->message().find("(active): expected true or false") != std::string::npos, error->message());
  BOOST_TEST(error->field() == "active");
  // A refusal names fields, never values.
  v1::Command c;
  error = gateway::read_json(R"({"addToCart":{"sku":"4111111111111111","quantity":"x"}})", c);
  BOOST_REQUIRE(error);
  BOOST_TEST(error->message().find("4111") == std::string::npos, error->message());
  BOOST_TEST(error->field() == "addToCart.quantity");
  // null is a field's default; enums by known number; times with an offset.
  BOOST_TEST(!gateway::read_json(R"({"commandId":null,"startSession":null})", c));
  BOOST_TEST(c.command_id().empty());
  v1::Error e;
  BOOST_TEST(!gateway::read_json(R"({"code":2})", e));
  BOOST_TEST(e.code() == v1::ERROR_CODE_VERSION_CONFLICT);
  BOOST_TEST(gateway::read_json(R"({"code":999})", e).has_value());
  v1::StockLevel level;
  BOOST_TEST(!gateway::read_json(R"({"asOf":"2026-11-27T10:00:00+01:00"})", level));
  BOOST_TEST(level.as_of().seconds() == 1795773600 - 3600);
  BOOST_TEST(gateway::read_json(R"({"asOf":"9999-12-31T23:59:59-01:00"})", level).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace souk
