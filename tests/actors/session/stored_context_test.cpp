#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include "session/stored_context.hpp"
#include "store_fixture.hpp"

using namespace souk;
using souk::testing::temp_dir;

BOOST_AUTO_TEST_SUITE(session_stored_context)

namespace {

v1::ReferenceRecord product(const std::string& sku, int64_t price) {
  v1::ReferenceRecord record;
  auto& p = *record.mutable_product();
  p.set_sku(sku);
  p.set_name("Product " + sku);
  p.mutable_price()->set_minor_units(price);
  p.mutable_price()->set_currency("USD");
  return record;
}

std::shared_ptr<persistence::reference_tables> open_tables(const temp_dir& dir) {
  auto tables = persistence::reference_tables::open(dir.str());
  if (!tables) BOOST_FAIL("cannot open the tables: " << tables.error().message());
  return std::move(*tables);
}

}  // namespace

// Products are cached per thread while the tables are unchanged, and read again after
// any write to them; a missing product is not cached.
BOOST_AUTO_TEST_CASE(products_are_read_again_once_the_tables_change) {
  temp_dir dir;
  auto tables = open_tables(dir);
  BOOST_REQUIRE(!tables->put(product("SKU-1", 100)));
  session::stored_context ctx(tables);
  auto first = ctx.find_product("SKU-1");
  BOOST_REQUIRE(first);
  BOOST_TEST(first->price().minor_units() == 100);
  BOOST_TEST(ctx.find_product("SKU-1") == first);  // the same, not parsed again
  BOOST_TEST(!ctx.find_product("SKU-2"));

  BOOST_REQUIRE(!tables->put(product("SKU-1", 200)));
  BOOST_TEST(ctx.find_product("SKU-1")->price().minor_units() == 200);
  BOOST_TEST(first->price().minor_units() == 100);  // what a caller holds stays as it was
  BOOST_REQUIRE(!tables->put(product("SKU-2", 300)));
  BOOST_TEST(ctx.find_product("SKU-2")->price().minor_units() == 300);

  // A stock level is a write to the same tables: the products are read again.
  v1::ReferenceRecord stock;
  stock.mutable_stock()->set_sku("SKU-1");
  stock.mutable_stock()->set_available(3);
  auto before = ctx.find_product("SKU-1");
  BOOST_REQUIRE(!tables->put(stock));
  auto after = ctx.find_product("SKU-1");
  BOOST_TEST(after != before);
  BOOST_TEST(after->price().minor_units() == 200);
}

// Another process loading the catalog (soukctl next to a running node) is seen too.
BOOST_AUTO_TEST_CASE(a_write_by_another_process_is_seen) {
  temp_dir dir;
  auto tables = open_tables(dir);
  BOOST_REQUIRE(!tables->put(product("SKU-1", 100)));
  session::stored_context ctx(tables);
  BOOST_TEST(ctx.find_product("SKU-1")->price().minor_units() == 100);
  pid_t child = fork();
  BOOST_REQUIRE(child >= 0);
  if (child == 0) {  // its own environment, as another process opens it
    auto own = persistence::reference_tables::open(dir.str());
    _exit(own && !(*own)->put(product("SKU-1", 250)) ? 0 : 1);
  }
  int status = 0;
  BOOST_REQUIRE(waitpid(child, &status, 0) == child);
  BOOST_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  BOOST_TEST(ctx.find_product("SKU-1")->price().minor_units() == 250);
}

// Two contexts on one thread, over different tables, never answer from each other's.
BOOST_AUTO_TEST_CASE(contexts_do_not_share_cached_products) {
  temp_dir one_dir, other_dir;
  auto one = open_tables(one_dir);
  auto other = open_tables(other_dir);
  BOOST_REQUIRE(!one->put(product("SKU-1", 100)));
  BOOST_REQUIRE(!other->put(product("SKU-1", 900)));
  session::stored_context a(one), b(other);
  BOOST_TEST(a.find_product("SKU-1")->price().minor_units() == 100);
  BOOST_TEST(b.find_product("SKU-1")->price().minor_units() == 900);
  BOOST_TEST(a.find_product("SKU-1")->price().minor_units() == 100);
}

BOOST_AUTO_TEST_SUITE_END()
