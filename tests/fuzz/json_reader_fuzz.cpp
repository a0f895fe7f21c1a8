// The gateway's JSON reader, on every message a request body can hold. Whatever it
// takes reads exactly as protobuf's own parser reads it and prints back to the same
// message; whatever it refuses leaves the message clear and says where; the limits
// check runs on all of it.
#include <cstdint>
#include <memory>
#include <string>

#include <google/protobuf/util/json_util.h>

#include "fuzz_shop.hpp"
#include "runtime/gateway/json_printer.hpp"
#include "runtime/gateway/json_reader.hpp"
#include "session/validate.hpp"
#include "souk/v1/api.pb.h"
#include "souk/v1/commands.pb.h"
#include "souk/v1/storage.pb.h"
#include "souk/v1/transfer.pb.h"

namespace pb = google::protobuf;
using souk::fuzz::same;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte picks the message, as the route would.
  static const pb::Descriptor* const types[] = {
      souk::v1::Command::descriptor(),        souk::v1::StockLevel::descriptor(),
      souk::v1::DiscountRule::descriptor(),   souk::v1::CustomerRecord::descriptor(),
      souk::v1::HandoffRequest::descriptor(), souk::v1::StateTransfer::descriptor(),
      souk::v1::ReferenceRecord::descriptor()};
  const pb::Descriptor* type = types[data[0] % (sizeof types / sizeof *types)];
  const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(type);
  std::unique_ptr<pb::Message> ours(prototype->New()), theirs(prototype->New());
  const std::string json(reinterpret_cast<const char*>(data + 1), size - 1);

  auto refusal = souk::gateway::read_json(json, *ours);
  if (refusal) {
    SOUK_FUZZ_CHECK(ours->ByteSizeLong() == 0);
    SOUK_FUZZ_CHECK(refusal->message().rfind("at byte ", 0) == 0);
    SOUK_FUZZ_CHECK(refusal->code() == souk::v1::ERROR_CODE_INVALID_ARGUMENT);
    return 0;
  }
  // Taken: protobuf reads it the same way.
  pb::util::JsonParseOptions strict;
  SOUK_FUZZ_CHECK(pb::util::JsonStringToMessage(json, theirs.get(), strict).ok());
  SOUK_FUZZ_CHECK(same(*ours, *theirs));
  // It prints, and what it prints reads back to the same message — or, where protobuf's
  // own printer writes what protobuf's own parser refuses (an integral double past 2^53
  // printed as digits), is refused by both.
  std::string printed;
  SOUK_FUZZ_CHECK(souk::gateway::print_json(*ours, printed));
  std::unique_ptr<pb::Message> again(prototype->New());
  if (souk::gateway::read_json(printed, *again)) {
    std::unique_ptr<pb::Message> protobuf_again(prototype->New());
    SOUK_FUZZ_CHECK(!pb::util::JsonStringToMessage(printed, protobuf_again.get(), strict).ok());
  } else {
    SOUK_FUZZ_CHECK(same(*ours, *again));
  }
  (void)souk::session::check_limits(*ours);
  return 0;
}
