#include "session/transfer.hpp"

#include <openssl/evp.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/time_util.h>

#include "session/queries.hpp"
#include "session/schema_upgrade.hpp"

namespace souk::session {

std::string sha256_hex(const std::string& bytes) {
  // Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up on every digest,
  // which cost as much as the hashing for an API key checked on every HTTP request.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, sha256, nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

namespace {

unexpected<v1::Error> invalid(std::string message) {
  return fail(v1::ERROR_CODE_INVALID_TRANSFER, std::move(message));
}

}  // namespace

std::string transfer_checksum(const v1::TransferPayload& payload) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    payload.SerializeToCodedStream(&out);
  }
  return "sha256:" + sha256_hex(bytes);
}

v1::StateTransfer export_transfer(const v1::SessionState& state, const transfer_request& request,
                                  const google::protobuf::Timestamp& now) {
  v1::StateTransfer transfer;
  transfer.set_contract_version(current_contract_version);
  auto& p = *transfer.mutable_payload();
  p.set_transfer_id(request.transfer_id);
  p.set_session_id(state.session_id());
  *p.mutable_state() = state;
  *p.mutable_transcript() = state.conversation().transcript();
  p.set_summary(state.conversation().summary());
  *p.mutable_agent() = request.agent;
  *p.mutable_created_at() = now;
  p.set_from_agent_id(state.owner_agent_id());
  p.set_from_node(request.from_node);
  p.set_to_agent_id(request.to_agent_id);
  p.set_reason(request.reason);
  transfer.set_checksum(transfer_checksum(p));
  return transfer;
}

result<v1::SessionState> validate_transfer(const v1::StateTransfer& transfer,
                                           const std::string& receiving_agent,
                                           const context& ctx) {
  if (transfer.contract_version() != current_contract_version)
    return invalid("this conversation was handed over in a format we cannot read (contract " +
                   std::to_string(transfer.contract_version()) + ", expected " +
                   std::to_string(current_contract_version) + ")");
  const auto& p = transfer.payload();
  if (transfer.checksum() != transfer_checksum(p))
    return invalid("the handed-over conversation was altered or damaged on the way "
                   "(checksum mismatch)");
  if (p.to_agent_id() != receiving_agent)
    return invalid("this conversation was handed to " + p.to_agent_id() + ", not to " +
                   receiving_agent);
  v1::SessionState state = p.state();
  if (p.session_id().empty() || state.session_id() != p.session_id())
    return invalid("the transfer does not carry the session it names");
  if (auto error = upgrade_state(state)) return invalid(error->message());
  const auto& customer = state.customer().customer_id();
  if (!customer.empty() && !ctx.find_customer(customer))
    return invalid("we have no record of customer " + customer);
  if (state.phase() == v1::CHECKOUT_PHASE_COMPLETED) return state;  // paid is paid
  for (const auto& line : state.cart().lines()) {
    auto product = ctx.find_product(line.sku());
    if (!product) return invalid(line.sku() + " is no longer sold");
    v1::Money price = product->price();
    bool variant_found = product->variants().empty() && line.variant_id().empty();
    for (const auto& v : product->variants())
      if (v.variant_id() == line.variant_id()) {
        variant_found = true;
        if (v.has_price()) price = v.price();
      }
    if (!variant_found)
      return invalid(product->name() + " is no longer sold in " + line.variant_id());
    if (price.minor_units() != line.unit_price().minor_units() ||
        price.currency() != line.unit_price().currency())
      return invalid("the price of " + product->name() + " changed from " +
                     std::to_string(line.unit_price().minor_units()) + " to " +
                     std::to_string(price.minor_units()) + " " + price.currency() +
                     " (minor units) since the cart was filled");
    auto available = ctx.available(line.sku(), line.variant_id());
    if (available && *available < line.quantity())
      return invalid("only " + std::to_string(*available) + " of " + product->name() +
                     " are left, the cart holds " + std::to_string(line.quantity()));
  }
  const auto now = ctx.now();
  for (const auto& discount : state.cart().discounts()) {
    auto rule = ctx.find_discount(discount.code());
    if (!rule || !rule->active() || (rule->has_expires_at() && now >= rule->expires_at()))
      return invalid("discount " + discount.code() + " no longer applies");
  }
  if (auto totals = price(state.cart()); !totals) return invalid(totals.error().message());
  return state;
}

}  // namespace souk::session
