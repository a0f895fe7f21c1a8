// The topic bus: who holds what, as sessions' holdings change and sessions go.
#include <algorithm>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "runtime/topic_bus.hpp"

using namespace souk;
using runtime::topic_bus;

namespace {

v1::SessionState holding(const std::string& customer, const std::vector<std::string>& skus,
                         const std::vector<std::string>& codes = {}) {
  v1::SessionState state;
  state.mutable_customer()->set_customer_id(customer);
  for (const auto& sku : skus) state.mutable_cart()->add_lines()->set_sku(sku);
  for (const auto& code : codes) state.mutable_cart()->add_discounts()->set_code(code);
  return state;
}

std::vector<std::string> sorted(std::vector<std::string> ids) {
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_topic_bus)

BOOST_AUTO_TEST_CASE(holders_follow_what_each_session_holds) {
  topic_bus bus;
  bus.track("s1", holding("c1", {"SKU-1", "SKU-2"}, {"MARCH10"}));
  bus.track("s2", holding("c2", {"SKU-2"}));
  BOOST_TEST(bus.holders(topic_bus::sku_topic("SKU-1")) == std::vector<std::string>{"s1"});
  BOOST_TEST(sorted(bus.holders(topic_bus::sku_topic("SKU-2"))) == (std::vector<std::string>{"s1", "s2"}));
  BOOST_TEST(bus.holders(topic_bus::code_topic("MARCH10")) == std::vector<std::string>{"s1"});
  BOOST_TEST(bus.holders(topic_bus::customer_topic("c2")) == std::vector<std::string>{"s2"});

  // s1 lets SKU-2 and its code go and takes SKU-3; s2 goes.
  bus.track("s1", holding("c1", {"SKU-1", "SKU-3"}));
  bus.forget("s2");
  BOOST_TEST(bus.holders(topic_bus::sku_topic("SKU-2")).empty());
  BOOST_TEST(bus.holders(topic_bus::code_topic("MARCH10")).empty());
  BOOST_TEST(bus.holders(topic_bus::sku_topic("SKU-3")) == std::vector<std::string>{"s1"});
  BOOST_TEST(bus.holders(topic_bus::customer_topic("c2")).empty());
  bus.forget("s2");  // twice: nothing to do
  bus.forget("s1");
  BOOST_TEST(bus.holders(topic_bus::sku_topic("SKU-1")).empty());
}

BOOST_AUTO_TEST_CASE(a_topic_held_by_many_keeps_every_holder) {
  // Past a few holders a topic keeps them in a hash set; they come and go the same.
  topic_bus bus;
  std::vector<std::string> all;
  for (int i = 0; i < 100; ++i) {
    all.push_back("s" + std::to_string(i));
    bus.track(all.back(), holding("c" + std::to_string(i), {"POPULAR"}));
  }
  BOOST_TEST(sorted(bus.holders(topic_bus::sku_topic("POPULAR"))) == sorted(all));
  for (int i = 0; i < 100; i += 2) bus.forget("s" + std::to_string(i));
  std::vector<std::string> odd;
  for (int i = 1; i < 100; i += 2) odd.push_back("s" + std::to_string(i));
  BOOST_TEST(sorted(bus.holders(topic_bus::sku_topic("POPULAR"))) == sorted(odd));
  for (int i = 1; i < 100; i += 2) bus.track("s" + std::to_string(i), holding("c", {}));
  BOOST_TEST(bus.holders(topic_bus::sku_topic("POPULAR")).empty());
  BOOST_TEST(sorted(bus.holders(topic_bus::customer_topic("c"))) == sorted(odd));
}

BOOST_AUTO_TEST_SUITE_END()
