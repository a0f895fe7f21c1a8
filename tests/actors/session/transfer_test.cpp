// The handoff contract: what one agent exports, another accepts only if it is intact,
// addressed to it, and still true of today's shop.
#include <boost/test/unit_test.hpp>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "session/transfer.hpp"
#include "session_fixture.hpp"

using namespace souk;
using souk::testing::same;
using souk::testing::session_fixture;

namespace {

session::transfer_keys keyring(std::vector<std::string> entries) {
  auto keys = session::transfer_keys::parse(entries);
  BOOST_REQUIRE(keys);
  return *keys;
}

const std::string secret_a = "a:" + std::string(64, '1');
const std::string secret_b = "b:" + std::string(64, '2');

struct transfer_fixture : session_fixture {
  session::transfer_keys keys = keyring({secret_a});
  transfer_fixture() {
    must(add("SKU-123", "blue-m", 2));
    must(discount("CODE-MARCH10"));
  }
  v1::StateTransfer exported(const std::string& to = "sizing-agent") {
    session::transfer_request request;
    request.transfer_id = "tr-1";
    request.to_agent_id = to;
    request.reason = "sizing question";
    request.from_node = "node-1";
    request.agent.set_agent_id("chat-agent");
    request.agent.set_confidence(0.4);
    request.agent.add_fallbacks_tried("size chart");
    return session::export_transfer(state, request, ctx.now(), keys);
  }
  v1::Error rejected(const v1::StateTransfer& t, const std::string& to = "sizing-agent",
                     const v1::SessionState* recorded = nullptr) {
    auto result = session::validate_transfer(t, to, ctx, keys, recorded);
    BOOST_REQUIRE_MESSAGE(!result, "accepted a transfer that should fail");
    BOOST_TEST(result.error().code() == v1::ERROR_CODE_INVALID_TRANSFER);
    BOOST_TEST(!result.error().message().empty());
    return result.error();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(session_transfer)

BOOST_AUTO_TEST_CASE(an_intact_transfer_carries_the_state_and_its_context) {
  transfer_fixture f;
  auto t = f.exported();
  BOOST_TEST(t.contract_version() == session::current_contract_version);
  BOOST_TEST(t.checksum().rfind("sha256:", 0) == 0);
  BOOST_TEST(t.checksum().size() == 7u + 64u);
  BOOST_TEST(t.payload().from_agent_id() == "chat-agent");
  BOOST_TEST(t.payload().agent().fallbacks_tried(0) == "size chart");
  BOOST_TEST(t.mac().rfind("hmac-sha256:a:", 0) == 0);
  auto accepted = session::validate_transfer(t, "sizing-agent", f.ctx, f.keys, &f.state);
  BOOST_REQUIRE(accepted);
  BOOST_TEST(same(*accepted, f.state));
  // Exporting is deterministic: the same input, the same checksum and MAC.
  BOOST_TEST(f.exported().checksum() == t.checksum());
  BOOST_TEST(f.exported().mac() == t.mac());
}

BOOST_AUTO_TEST_CASE(a_tampered_or_foreign_transfer_is_refused) {
  transfer_fixture f;
  auto t = f.exported();
  auto cheaper = t;
  cheaper.mutable_payload()->mutable_state()->mutable_cart()->mutable_lines(0)
      ->mutable_unit_price()->set_minor_units(100);
  BOOST_TEST(f.rejected(cheaper).message().find("checksum") != std::string::npos);
  auto future = t;
  future.set_contract_version(3);
  BOOST_TEST(f.rejected(future).message().find("contract 3") != std::string::npos);
  auto unsigned_v1 = t;  // what this build wrote before transfers carried a MAC
  unsigned_v1.set_contract_version(1);
  unsigned_v1.clear_mac();
  BOOST_TEST(f.rejected(unsigned_v1).message().find("contract 1") != std::string::npos);
  BOOST_TEST(f.rejected(t, "email-agent").message().find("sizing-agent") != std::string::npos);
}

// A checksum anybody can recompute: a forger changes the payload, seals it again with
// SHA-256, and is still refused, because the MAC needs a key.
BOOST_AUTO_TEST_CASE(a_forged_transfer_is_refused_by_its_mac) {
  transfer_fixture f;
  auto t = f.exported();
  auto forged = t;
  forged.mutable_payload()->mutable_state()->mutable_customer()->set_loyalty_tier("platinum");
  forged.set_checksum(session::transfer_checksum(forged.payload()));
  BOOST_TEST(f.rejected(forged).message().find("MAC") != std::string::npos);
  auto unsigned_one = t;
  unsigned_one.clear_mac();
  f.rejected(unsigned_one);
  auto other_key = t;  // sealed by a key this side does not hold
  other_key.set_mac(keyring({secret_b}).sign("x"));
  f.rejected(other_key);
  auto wrong_id = t;
  wrong_id.set_mac("hmac-sha256:b:" + t.mac().substr(std::string("hmac-sha256:a:").size()));
  f.rejected(wrong_id);
  // Rotation: sealed by the old key, read by a keyring whose new key signs.
  auto rotated = keyring({secret_b, secret_a});
  BOOST_TEST(session::validate_transfer(t, "sizing-agent", f.ctx, rotated).has_value());
  BOOST_TEST(!session::validate_transfer(t, "sizing-agent", f.ctx, keyring({secret_b})));
}

BOOST_AUTO_TEST_CASE(a_transfer_must_match_what_the_journal_holds) {
  transfer_fixture f;
  auto t = f.exported();
  auto recorded = f.state;
  recorded.mutable_customer()->set_loyalty_tier("bronze");
  BOOST_TEST(f.rejected(t, "sizing-agent", &recorded).message().find("recorded") !=
             std::string::npos);
  v1::SessionState missing;  // the node has the session, but not at that version
  f.rejected(t, "sizing-agent", &missing);
  // The payload's transcript and summary are its state's, or the transfer is refused
  // (a MAC made by a key holder is no licence to disagree with itself).
  auto inconsistent = t;
  inconsistent.mutable_payload()->set_summary("the customer asked for a refund");
  inconsistent.set_checksum(session::transfer_checksum(inconsistent.payload()));
  inconsistent.set_mac(f.keys.sign([&] {
    std::string bytes;
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    inconsistent.payload().SerializeToCodedStream(&out);
    out.Trim();
    return bytes;
  }()));
  BOOST_TEST(f.rejected(inconsistent).message().find("transcript") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(keys_are_ids_and_secrets_of_32_bytes) {
  BOOST_TEST(session::transfer_keys::parse({secret_a, secret_b}).has_value());
  for (const std::string& bad : std::vector<std::string>{"nokey", "a:", "a:123", "a:" + std::string(62, 'f'),
                                ":" + std::string(64, 'f'), "a:" + std::string(64, 'g')}) {
    auto keys = session::transfer_keys::parse({bad});
    BOOST_REQUIRE(!keys);
    BOOST_TEST(keys.error().message().find("transfer key 1") != std::string::npos);
    if (bad.size() > 10) BOOST_TEST(keys.error().message().find(bad.substr(2)) == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_transfer_that_no_longer_holds_is_refused) {
  {
    transfer_fixture f;
    auto t = f.exported();
    auto jacket = *f.ctx.find_product("SKU-123");
    jacket.mutable_price()->set_minor_units(13900);
    f.ctx.add_product(jacket);
    BOOST_TEST(f.rejected(t).message().find("price of Trail Jacket changed") != std::string::npos);
  }
  {
    transfer_fixture f;
    auto t = f.exported();
    f.ctx.set_stock("SKU-123", "blue-m", 1);
    BOOST_TEST(f.rejected(t).message().find("only 1") != std::string::npos);
  }
  {
    transfer_fixture f;
    auto t = f.exported();
    f.ctx.advance_seconds(31 * 86400);
    BOOST_TEST(f.rejected(t).message().find("CODE-MARCH10") != std::string::npos);
  }
  {
    transfer_fixture f;
    f.state.mutable_customer()->set_customer_id("cust-unknown");
    BOOST_TEST(f.rejected(f.exported()).message().find("cust-unknown") != std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
