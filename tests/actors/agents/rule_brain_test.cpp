#include <boost/test/unit_test.hpp>

#include <map>

#include "agents/brain.hpp"

using namespace souk;

namespace {

struct fake_catalog : agents::catalog {
  std::vector<v1::Product> items;
  std::map<std::pair<std::string, std::string>, int64_t> levels;
  fake_catalog() {
    auto product = [&](const char* sku, const char* name, int64_t cents) -> v1::Product& {
      auto& p = items.emplace_back();
      p.set_sku(sku);
      p.set_name(name);
      p.mutable_price()->set_minor_units(cents);
      p.mutable_price()->set_currency("USD");
      return p;
    };
    auto variant = [&](v1::Product& p, const char* color, const char* size, int64_t stock) {
      auto& v = *p.add_variants();
      v.set_variant_id(std::string(color) + "-" + size);
      v.set_color(color);
      v.set_size(size);
      levels[{p.sku(), v.variant_id()}] = stock;
    };
    auto& mens = product("SKU-101", "Men's Trail Jacket", 14900);
    variant(mens, "black", "m", 3);
    auto& jacket = product("SKU-123", "Trail Jacket", 12900);
    variant(jacket, "blue", "s", 0);
    variant(jacket, "blue", "m", 5);
    variant(jacket, "red", "m", 2);
    product("GIFT-25", "Gift Card $25", 2500);
  }
  const std::vector<v1::Product>& products() const override { return items; }
  std::optional<v1::Product> product(const std::string& sku) const override {
    for (const auto& p : items)
      if (p.sku() == sku) return p;
    return std::nullopt;
  }
  std::optional<int64_t> stock(const std::string& sku, const std::string& variant) const override {
    auto it = levels.find({sku, variant});
    return it == levels.end() ? std::nullopt : std::optional<int64_t>(it->second);
  }
};

struct brain_fixture {
  std::shared_ptr<fake_catalog> shop = std::make_shared<fake_catalog>();
  agents::rule_brain brain{shop};
  v1::SessionState state;

  agents::turn_plan plan(const std::string& message) {
    auto p = brain.plan(state, message);
    BOOST_REQUIRE(p);
    BOOST_TEST(!p->reply.empty());
    BOOST_TEST(!p->decision.reason().empty());
    return *p;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(agents_rule_brain)

BOOST_AUTO_TEST_CASE(a_product_is_found_by_its_name) {
  brain_fixture f;
  auto p = f.plan("Hi! Show me the trail jacket please");
  BOOST_REQUIRE(p.commands.size() == 1u);
  BOOST_TEST(p.commands[0].view_product().sku() == "SKU-123");  // not the Men's one
  BOOST_TEST(p.decision.kind() == "show_product");
  BOOST_TEST(p.reply.find("$129.00") != std::string::npos, p.reply);
  BOOST_TEST(p.reply.find("blue and red") != std::string::npos, p.reply);
  BOOST_TEST(p.decision.fallbacks_tried_size() > 0);  // the other jacket was considered
}

BOOST_AUTO_TEST_CASE(it_in_blue_means_the_product_in_focus) {
  brain_fixture f;
  f.state.mutable_conversation()->set_focus_sku("SKU-123");
  auto p = f.plan("do you have it in blue?");
  BOOST_REQUIRE(p.commands.size() == 2u);
  BOOST_TEST(p.commands[0].select_variant().variant_id() == "blue-m");
  BOOST_TEST(p.commands[1].learn_preference().value() == "blue");
  BOOST_TEST(p.reply.find("5 in stock") != std::string::npos, p.reply);

  auto sold_out = f.plan("in blue, size s?");
  BOOST_TEST(sold_out.commands.empty());
  BOOST_TEST(sold_out.decision.kind() == "clarify");
  BOOST_TEST(sold_out.decision.fallbacks_tried(0) == "blue-s (sold out)");
}

BOOST_AUTO_TEST_CASE(cart_discount_address_and_checkout) {
  brain_fixture f;
  BOOST_TEST(f.plan("add two").decision.kind() == "clarify");  // nothing in focus
  f.state.mutable_conversation()->set_focus_sku("SKU-123");
  auto add = f.plan("add two");
  BOOST_TEST(add.commands.at(0).add_to_cart().quantity() == 2);
  BOOST_TEST(add.commands.at(0).add_to_cart().sku() == "SKU-123");
  BOOST_TEST(f.plan("please apply march10").commands.at(0).apply_discount().code() == "MARCH10");
  auto ship = f.plan("Ship to 1 Main St, Springfield, us");
  const auto& address = ship.commands.at(0).set_shipping_address().address();
  BOOST_TEST(address.lines(0) == "1 Main St");
  BOOST_TEST(address.city() == "Springfield");
  BOOST_TEST(address.country() == "US");
  BOOST_TEST(f.plan("ship to nowhere").decision.kind() == "clarify");
  BOOST_TEST(f.plan("ok, check out").commands.at(0).has_checkout());
}

BOOST_AUTO_TEST_CASE(anything_else_gets_a_recorded_fallback) {
  brain_fixture f;
  auto p = f.plan("what is the meaning of life");
  BOOST_TEST(p.commands.empty());
  BOOST_TEST(p.decision.kind() == "fallback");
  BOOST_TEST(p.decision.confidence() < 0.5);
}

BOOST_AUTO_TEST_SUITE_END()
