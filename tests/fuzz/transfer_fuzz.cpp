// StateTransfer import and validation: a transfer from the input's bytes (binary, or
// JSON through the gateway's reader), sometimes sealed anew with the receiver's key —
// what a holder of the key could send — checked against today's shop and, sometimes,
// against the state the journal holds. Validation answers, never crashes; a transfer
// it accepts is well-formed, intact and the state it returns is the transfer's.
#include <cstdint>
#include <string>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "fuzz_shop.hpp"
#include "runtime/gateway/json_reader.hpp"
#include "session/transfer.hpp"
#include "session/validate.hpp"

using namespace souk;

namespace {

const session::transfer_keys& keys() {
  static const session::transfer_keys k = *session::transfer_keys::parse(
      {"fuzz:" + std::string(64, '7')});
  return k;
}

std::string payload_bytes(const v1::TransferPayload& payload) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    payload.SerializeToCodedStream(&out);
  }
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t how = data[0];
  const std::string rest(reinterpret_cast<const char*>(data + 1), size - 1);
  v1::StateTransfer transfer;
  if (how & 1) {
    if (gateway::read_json(rest, transfer)) return 0;
  } else if (!transfer.ParseFromString(rest)) {
    return 0;
  }
  if (how & 2) {  // sealed by a key holder: the checks past the MAC are what is fuzzed
    const auto bytes = payload_bytes(transfer.payload());
    transfer.set_checksum(session::transfer_checksum(transfer.payload()));
    transfer.set_mac(keys().sign(bytes));
  }
  session::in_memory_context ctx(fuzz::shop_opening(), 7);
  fuzz::stock_shop(ctx);
  const v1::SessionState* recorded = (how & 4) ? &transfer.payload().state() : nullptr;
  auto state = session::validate_transfer(transfer, transfer.payload().to_agent_id(), ctx,
                                          keys(), recorded);
  if (!state) {
    SOUK_FUZZ_CHECK(state.error().code() == v1::ERROR_CODE_INVALID_TRANSFER);
    SOUK_FUZZ_CHECK(!state.error().message().empty());
    return 0;
  }
  SOUK_FUZZ_CHECK(!session::check_limits(transfer));
  SOUK_FUZZ_CHECK(keys().verify(payload_bytes(transfer.payload()), transfer.mac()));
  SOUK_FUZZ_CHECK(state->session_id() == transfer.payload().session_id());
  SOUK_FUZZ_CHECK(state->version() == transfer.payload().state().version());
  return 0;
}
