// Input that is not well-formed, or out of the ranges a shop allows, is refused with a
// clear error naming the field and changes nothing; an event that could not apply is
// never decided, and apply refuses one crafted by hand instead of overflowing.
#include <climits>
#include <cmath>
#include <string>


#include <boost/test/unit_test.hpp>
#include <google/protobuf/descriptor.h>

#include "session/event_checks.hpp"
#include "session/limits.hpp"
#include "session/queries.hpp"
#include "session/validate.hpp"
#include "session_fixture.hpp"
#include "souk/v1/limits.pb.h"

using namespace souk;
using namespace std::string_literals;
using souk::testing::session_fixture;

namespace {

const v1::FieldLimits& limits_of(const google::protobuf::Descriptor* type, const char* field) {
  const auto* f = type->FindFieldByName(field);
  BOOST_REQUIRE(f != nullptr);
  return f->options().GetExtension(v1::limits);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_validate)

BOOST_AUTO_TEST_CASE(identifiers_are_short_utf8_without_control_characters) {
  using session::valid_identifier;
  BOOST_TEST(valid_identifier("SKU-123"));
  BOOST_TEST(valid_identifier(""));  // whether one is needed is the rule's say
  BOOST_TEST(valid_identifier("ana@example.com"));
  BOOST_TEST(valid_identifier("Käse-\xe2\x82\xac"));  // UTF-8 is fine
  BOOST_TEST(valid_identifier(std::string(128, 'x')));
  BOOST_TEST(!valid_identifier(std::string(129, 'x')));
  BOOST_TEST(!valid_identifier(std::string(600, 'x')));
  BOOST_TEST(!valid_identifier(std::string("a\0b", 3)));
  BOOST_TEST(!valid_identifier("line\nbreak"));
  BOOST_TEST(!valid_identifier("tab\there"));
  BOOST_TEST(!valid_identifier("del\x7f"));
  BOOST_TEST(!valid_identifier("c1\xc2\x85"));     // U+0085, a C1 control
  BOOST_TEST(!valid_identifier("\xff\xfe"));       // not UTF-8
  BOOST_TEST(!valid_identifier("\xc0\xaf"));       // overlong
  BOOST_TEST(!valid_identifier("\xed\xa0\x80"));   // a surrogate
  BOOST_TEST(!valid_identifier("\xe2\x82"));       // cut short
  BOOST_TEST(!valid_identifier("."));
  BOOST_TEST(!valid_identifier(".."));
  BOOST_TEST(valid_identifier("..."));

  BOOST_TEST(session::valid_session_id("sess-1:a_b.c"));
  BOOST_TEST(!session::valid_session_id(""));
  BOOST_TEST(!session::valid_session_id("a/b"));
  BOOST_TEST(!session::valid_session_id(std::string(129, 'a')));

  BOOST_TEST(session::valid_text("two\nlines\tand\r", 100));
  BOOST_TEST(!session::valid_text("nul\0"s, 100));
  BOOST_TEST(!session::valid_text("long", 3));
}

BOOST_AUTO_TEST_CASE(a_bad_identifier_in_a_command_is_refused_by_field) {
  session_fixture s;
  auto long_sku = s.refused(s.add(std::string(600, 'S'), "blue-m", 1),
                            v1::ERROR_CODE_INVALID_ARGUMENT);
  BOOST_TEST(long_sku.field() == "addToCart.sku");
  BOOST_TEST(long_sku.message().find("SSSS") == std::string::npos);  // never the value
  auto nul = s.refused(s.discount(std::string("CODE\0X", 6)), v1::ERROR_CODE_INVALID_ARGUMENT);
  BOOST_TEST(nul.field() == "applyDiscount.code");
  auto utf8 = s.refused(s.add("SKU-123", "blue\xff", 1), v1::ERROR_CODE_INVALID_ARGUMENT);
  BOOST_TEST(utf8.field() == "addToCart.variantId");
  auto lines = s.address();
  lines.mutable_set_shipping_address()->mutable_address()->add_lines("2");
  for (int i = 0; i < 8; ++i) lines.mutable_set_shipping_address()->mutable_address()->add_lines("x");
  BOOST_TEST(s.refused(lines, v1::ERROR_CODE_INVALID_ARGUMENT).field() ==
             "setShippingAddress.address.lines");
  auto bad_line = s.address();
  bad_line.mutable_set_shipping_address()->mutable_address()->add_lines("a\x01");
  BOOST_TEST(s.refused(bad_line, v1::ERROR_CODE_INVALID_ARGUMENT).field() ==
             "setShippingAddress.address.lines[1]");
  auto agent = s.view("SKU-123");
  agent.set_agent_id("..");
  BOOST_TEST(s.refused(agent, v1::ERROR_CODE_INVALID_ARGUMENT).field() == "agentId");
  auto decision = s.command();
  decision.mutable_record_decision()->set_kind("k");
  decision.mutable_record_decision()->set_confidence(std::nan(""));
  BOOST_TEST(s.refused(decision, v1::ERROR_CODE_INVALID_ARGUMENT).field() ==
             "recordDecision.confidence");
}

// The case: 2 of SKU-123 blue-m in the cart (5 in stock), then INT64_MAX more.
BOOST_AUTO_TEST_CASE(huge_quantities_are_refused_not_wrapped) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 2));
  s.refused(s.add("SKU-123", "blue-m", INT64_MAX), v1::ERROR_CODE_INVALID_QUANTITY);
  s.refused(s.add("SKU-123", "blue-m", INT64_MIN), v1::ERROR_CODE_INVALID_QUANTITY);
  BOOST_TEST(s.quantity("SKU-123", "blue-m") == 2);
  // A sku without a stock record: up to the per-line limit, and no further.
  s.must(s.add("SKU-900", "", session::max_line_quantity - 1));
  s.must(s.add("SKU-900", "", 1));
  auto error = s.refused(s.add("SKU-900", "", 1), v1::ERROR_CODE_LIMIT_EXCEEDED);
  BOOST_TEST(error.message().find("100000") != std::string::npos);
  auto set = s.command();
  set.mutable_set_quantity()->set_sku("SKU-900");
  set.mutable_set_quantity()->set_quantity(session::max_line_quantity + 1);
  s.refused(set, v1::ERROR_CODE_INVALID_QUANTITY);
  s.refused(s.stock("SKU-123", "blue-m", -1), v1::ERROR_CODE_INVALID_QUANTITY);
}

BOOST_AUTO_TEST_CASE(a_total_beyond_the_largest_payment_cannot_check_out) {
  session_fixture s;
  s.must(s.add("SKU-900", "", session::max_line_quantity));  // 100,000 x USD 25.00
  s.must(s.address());
  auto shipping = s.command();
  shipping.mutable_select_shipping_method()->set_method("freight");
  *shipping.mutable_select_shipping_method()->mutable_price() = testing::usd(INT64_MAX);
  BOOST_TEST(s.refused(shipping, v1::ERROR_CODE_INVALID_ARGUMENT).field() ==
             "selectShippingMethod.price.minorUnits");
  *shipping.mutable_select_shipping_method()->mutable_price() = testing::usd(session::max_amount);
  s.must(shipping);
  auto error = s.refused(s.checkout(), v1::ERROR_CODE_LIMIT_EXCEEDED);
  BOOST_TEST(error.message().find("the most one payment may be") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_ttl_out_of_range_is_refused_before_it_is_written) {
  session_fixture s;
  auto attribute = [&](int64_t ttl) {
    auto c = s.command("crm");
    c.mutable_record_attribute()->set_name("prime");
    c.mutable_record_attribute()->set_value("yes");
    c.mutable_record_attribute()->set_ttl_seconds(ttl);
    return c;
  };
  s.refused(attribute(INT64_MAX), v1::ERROR_CODE_INVALID_ARGUMENT);
  s.refused(attribute(0), v1::ERROR_CODE_INVALID_ARGUMENT);
  s.refused(attribute(session::max_ttl_seconds + 1), v1::ERROR_CODE_INVALID_ARGUMENT);
  s.must(attribute(session::max_ttl_seconds));
  const auto& kept = s.state.customer().attributes().at("prime");
  BOOST_TEST(kept.expires_at().seconds() - kept.fetched_at().seconds() == session::max_ttl_seconds);
}

BOOST_AUTO_TEST_CASE(counts_a_session_holds_are_bounded) {
  session_fixture s;
  for (int i = 0; i < session::max_preferences; ++i) {
    auto c = s.command();
    c.mutable_learn_preference()->set_key("k" + std::to_string(i));
    c.mutable_learn_preference()->set_value("v");
    s.must(c);
  }
  auto more = s.command();
  more.mutable_learn_preference()->set_key("one-more");
  more.mutable_learn_preference()->set_value("v");
  s.refused(more, v1::ERROR_CODE_LIMIT_EXCEEDED);
  more.mutable_learn_preference()->set_key("k0");  // an existing key may change
  s.must(more);
  for (int i = 0; i < session::max_open_questions; ++i) {
    auto c = s.command();
    c.mutable_raise_question()->set_question_id("q" + std::to_string(i));
    c.mutable_raise_question()->set_text("?");
    s.must(c);
  }
  auto question = s.command();
  question.mutable_raise_question()->set_question_id("q-more");
  question.mutable_raise_question()->set_text("?");
  s.refused(question, v1::ERROR_CODE_LIMIT_EXCEEDED);
}

// Events are checked by apply too: one crafted by hand (a journal written by an older
// build, a transfer's tail) that apply could not apply — an overflowing sum, a time out
// of range — is refused and leaves the state as it was. One that only breaks today's
// limits applies (an older build may have accepted it), though decide never makes it.
BOOST_AUTO_TEST_CASE(apply_refuses_values_it_cannot_apply) {
  session_fixture s;
  s.must(s.add("SKU-123", "blue-m", 2));
  auto next = [&] {
    v1::Event e = s.journal.back();
    e.set_seq(s.state.version() + 1);
    e.clear_body();
    return e;
  };
  std::vector<v1::Event> impossible;
  auto e = next();
  e.mutable_attribute_fetched()->set_name("prime");
  e.mutable_attribute_fetched()->set_ttl_seconds(INT64_MAX);
  impossible.push_back(e);
  e.mutable_attribute_fetched()->set_ttl_seconds(-1);
  impossible.push_back(e);
  e = next();
  e.mutable_cart_item_added()->set_sku("SKU-123");
  e.mutable_cart_item_added()->set_variant_id("blue-m");
  e.mutable_cart_item_added()->set_quantity(INT64_MAX);
  impossible.push_back(e);
  e = next();
  e.mutable_at()->set_seconds(INT64_MIN);
  e.mutable_checkpoint_taken();
  impossible.push_back(e);
  for (const auto& event : impossible) {
    auto before = s.state;
    BOOST_TEST(session::apply_to(s.state, event).has_value());
    BOOST_TEST(testing::same(before, s.state));
  }
  std::vector<v1::Event> beyond_limits;
  e = next();
  e.mutable_cart_item_added()->set_sku("SKU-123");
  e.mutable_cart_item_added()->set_variant_id("blue-m");
  e.mutable_cart_item_added()->set_quantity(session::max_line_quantity - 1);  // 2 + that
  beyond_limits.push_back(e);
  e = next();
  *e.mutable_payment_initiated()->mutable_amount() = testing::usd(-1);
  beyond_limits.push_back(e);
  e = next();
  e.mutable_attribute_fetched()->set_ttl_seconds(session::max_ttl_seconds + 1);
  beyond_limits.push_back(e);
  for (const auto& event : beyond_limits) {
    BOOST_TEST(session::check_within_limits(s.state, event).has_value());
    BOOST_TEST(session::apply(s.state, event).has_value());
  }
}

BOOST_AUTO_TEST_CASE(prices_of_any_state_are_computed_without_overflow) {
  v1::Transaction cart;
  auto& line = *cart.add_lines();
  line.set_sku("a");
  line.set_quantity(-9223372036854775807);
  *line.mutable_unit_price() = testing::usd(12900);
  BOOST_TEST(session::price(cart).error().code() == v1::ERROR_CODE_LIMIT_EXCEEDED);
  line.set_quantity(INT64_MAX);
  BOOST_TEST(session::price(cart).error().code() == v1::ERROR_CODE_LIMIT_EXCEEDED);
  line.set_quantity(3);
  auto& discount = *cart.add_discounts();
  discount.set_percent_off_bp(INT32_MAX);
  BOOST_TEST(session::price(cart)->total.minor_units() == 0);  // capped at 100%
  *discount.mutable_amount_off() = testing::usd(INT64_MAX);
  BOOST_TEST(!session::price(cart));
}

// limits.hpp's numbers are the schema's, where it declares the same limit.
BOOST_AUTO_TEST_CASE(the_state_limits_are_the_schemas) {
  BOOST_TEST(limits_of(v1::AddToCart::descriptor(), "quantity").max() == session::max_line_quantity);
  BOOST_TEST(limits_of(v1::CartLine::descriptor(), "quantity").max() == session::max_line_quantity);
  BOOST_TEST(limits_of(v1::Money::descriptor(), "minor_units").max() == session::max_amount);
  BOOST_TEST(limits_of(v1::RecordAttribute::descriptor(), "ttl_seconds").max() ==
             session::max_ttl_seconds);
  BOOST_TEST(limits_of(v1::Transaction::descriptor(), "lines").max_items() ==
             unsigned(session::max_cart_lines));
  BOOST_TEST(limits_of(v1::Transaction::descriptor(), "discounts").max_items() ==
             unsigned(session::max_cart_discounts));
  BOOST_TEST(limits_of(v1::CustomerContext::descriptor(), "preferences").max_items() ==
             unsigned(session::max_preferences));
  BOOST_TEST(limits_of(v1::CustomerContext::descriptor(), "attributes").max_items() ==
             unsigned(session::max_attributes));
  BOOST_TEST(limits_of(v1::ConversationContext::descriptor(), "selected_variants").max_items() ==
             unsigned(session::max_selected_variants));
  BOOST_TEST(limits_of(v1::ConversationContext::descriptor(), "open_questions").max_items() ==
             unsigned(session::max_open_questions));
  BOOST_TEST(limits_of(v1::SessionState::descriptor(), "payments").max_items() ==
             unsigned(session::max_payment_attempts));
}

BOOST_AUTO_TEST_CASE(reference_records_and_times_are_checked_too) {
  v1::DiscountRule rule;
  rule.set_code("Z");
  rule.set_percent_off_bp(10001);
  BOOST_TEST(session::check_limits(rule)->field() == "percentOffBp");
  rule.set_percent_off_bp(1000);
  rule.mutable_expires_at()->set_seconds(INT64_MAX);
  BOOST_TEST(session::check_limits(rule)->field() == "expiresAt");
  rule.mutable_expires_at()->set_seconds(0);
  rule.mutable_expires_at()->set_nanos(-1);
  BOOST_TEST(session::check_limits(rule)->field() == "expiresAt");
  rule.mutable_expires_at()->set_nanos(0);
  BOOST_TEST(!session::check_limits(rule));

  v1::CustomerRecord customer;
  customer.set_customer_id("cust-1");
  (*customer.mutable_attributes())[std::string("a\0b", 3)] = "x";
  BOOST_TEST(session::check_limits(customer)->field() == "attributes");
}

BOOST_AUTO_TEST_SUITE_END()
