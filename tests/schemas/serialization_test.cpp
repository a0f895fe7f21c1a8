// Every message of every souk.v1 file survives binary and JSON round trips with every
// field set (and each oneof alternative in turn); malformed input is refused.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <memory>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "souk/v1/commands.pb.h"
#include "souk/v1/common.pb.h"
#include "souk/v1/events.pb.h"
#include "souk/v1/reference.pb.h"
#include "souk/v1/state.pb.h"
#include "souk/v1/storage.pb.h"
#include "souk/v1/transfer.pb.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

// One message of each souk.v1 file; naming them links every generated file in.
const google::protobuf::FileDescriptor* const files[] = {
    souk::v1::Money::descriptor()->file(),   souk::v1::Product::descriptor()->file(),
    souk::v1::SessionState::descriptor()->file(), souk::v1::Event::descriptor()->file(),
    souk::v1::Command::descriptor()->file(), souk::v1::StateTransfer::descriptor()->file(),
    souk::v1::SessionRecord::descriptor()->file()};

// Sets every field to a non-default value; in each oneof, the alternative numbered
// `choice` (mod the alternatives). Nested messages are filled down to `depth`.
void fill(Message& message, int choice, int depth) {
  const auto* descriptor = message.GetDescriptor();
  const auto* reflection = message.GetReflection();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (const auto* oneof = field->real_containing_oneof()) {
      if (oneof->field(choice % oneof->field_count()) != field) continue;
    }
    const int n = field->number();
    const bool repeated = field->is_repeated();
    const int copies = repeated ? (field->is_map() ? 1 : 2) : 1;
    for (int k = 0; k < copies; ++k) {
      switch (field->cpp_type()) {
#define SOUK_SET(CPPTYPE, Type, value)                              \
  case FieldDescriptor::CPPTYPE:                                    \
    if (repeated)                                                   \
      reflection->Add##Type(&message, field, value);                \
    else                                                            \
      reflection->Set##Type(&message, field, value);                \
    break;
        SOUK_SET(CPPTYPE_INT32, Int32, 7 + n + k)
        SOUK_SET(CPPTYPE_INT64, Int64, 70000000000LL + n + k)
        SOUK_SET(CPPTYPE_UINT32, UInt32, 7u + n + k)
        SOUK_SET(CPPTYPE_UINT64, UInt64, 70000000000ULL + n + k)
        SOUK_SET(CPPTYPE_DOUBLE, Double, 0.5 + k)
        SOUK_SET(CPPTYPE_FLOAT, Float, 0.25f + k)
        SOUK_SET(CPPTYPE_BOOL, Bool, true)
        SOUK_SET(CPPTYPE_STRING, String, "v" + std::to_string(n) + "-" + std::to_string(k))
        SOUK_SET(CPPTYPE_ENUM, Enum,
                 field->enum_type()->value(field->enum_type()->value_count() - 1))
#undef SOUK_SET
        case FieldDescriptor::CPPTYPE_MESSAGE:
          if (depth == 0) break;
          fill(repeated ? *reflection->AddMessage(&message, field)
                        : *reflection->MutableMessage(&message, field),
               choice, depth - 1);
          break;
      }
    }
  }
}

int max_oneof_size(const Descriptor* descriptor) {
  int most = 1;
  for (int i = 0; i < descriptor->oneof_decl_count(); ++i) {
    const auto* oneof = descriptor->oneof_decl(i);
    if (!oneof->is_synthetic()) most = std::max(most, oneof->field_count());
  }
  return most;
}

template <class Visit>
void for_each_message(const Descriptor* descriptor, Visit&& visit) {
  if (descriptor->options().map_entry()) return;
  visit(descriptor);
  for (int i = 0; i < descriptor->nested_type_count(); ++i)
    for_each_message(descriptor->nested_type(i), visit);
}

template <class Visit>
void for_each_souk_message(Visit&& visit) {
  for (const auto* file : files) {
    for (int i = 0; i < file->message_type_count(); ++i)
      for_each_message(file->message_type(i), visit);
  }
}

std::unique_ptr<Message> make(const Descriptor* descriptor) {
  return std::unique_ptr<Message>(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor)->New());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(serialization)

BOOST_AUTO_TEST_CASE(every_message_round_trips_in_binary_and_json) {
  int checked = 0;
  for_each_souk_message([&](const Descriptor* descriptor) {
    for (int choice = 0; choice < max_oneof_size(descriptor); ++choice) {
      auto original = make(descriptor);
      fill(*original, choice, 4);
      BOOST_TEST_CONTEXT(descriptor->full_name() << " alternative " << choice) {
        auto binary = make(descriptor);
        BOOST_TEST(binary->ParseFromString(original->SerializeAsString()));
        BOOST_TEST(google::protobuf::util::MessageDifferencer::Equals(*original, *binary));

        std::string json;
        BOOST_TEST(google::protobuf::util::MessageToJsonString(*original, &json).ok());
        auto from_json = make(descriptor);
        auto status = google::protobuf::util::JsonStringToMessage(json, from_json.get());
        BOOST_TEST(status.ok(), status.ToString());
        BOOST_TEST(google::protobuf::util::MessageDifferencer::Equals(*original, *from_json),
                   json);
      }
      ++checked;
    }
  });
  // Events and commands alone have 20+ alternatives each: all of them were visited.
  BOOST_TEST(checked > 80);
}

BOOST_AUTO_TEST_CASE(json_uses_protobuf_names_and_refuses_unknown_fields) {
  souk::v1::Command command;
  auto status = google::protobuf::util::JsonStringToMessage(
      R"({"sessionId":"s1","addToCart":{"sku":"SKU-1","quantity":"2"}})", &command);
  BOOST_TEST(status.ok());
  BOOST_TEST(command.add_to_cart().quantity() == 2);

  souk::v1::Command strict;
  BOOST_TEST(!google::protobuf::util::JsonStringToMessage(
                  R"({"sessionId":"s1","addToCrat":{}})", &strict)
                  .ok());
  BOOST_TEST(!google::protobuf::util::JsonStringToMessage(R"({"sessionId":)", &strict).ok());
}

BOOST_AUTO_TEST_CASE(malformed_binary_is_refused) {
  souk::v1::Event event;
  event.set_session_id("s1");
  event.mutable_cart_item_added()->set_sku("SKU-1");
  std::string bytes = event.SerializeAsString();
  souk::v1::Event parsed;
  BOOST_TEST(!parsed.ParseFromString(bytes.substr(0, bytes.size() - 2)));
  BOOST_TEST(!parsed.ParseFromString(std::string("\xff\xff\xff\xff", 4)));
}

BOOST_AUTO_TEST_CASE(expected_version_distinguishes_zero_from_absent) {
  souk::v1::Command command;
  BOOST_TEST(!command.has_expected_version());
  command.set_expected_version(0);
  souk::v1::Command parsed;
  BOOST_TEST(parsed.ParseFromString(command.SerializeAsString()));
  BOOST_TEST(parsed.has_expected_version());
}

BOOST_AUTO_TEST_SUITE_END()
