#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "persistence/reference_tables.hpp"
#include "store_fixture.hpp"

using namespace souk;
using souk::testing::temp_dir;

BOOST_AUTO_TEST_SUITE(persistence_reference_tables)

BOOST_AUTO_TEST_CASE(a_jsonl_file_loads_whole_and_reads_back) {
  temp_dir dir;
  auto tables = persistence::reference_tables::open(dir.str());
  BOOST_REQUIRE(tables);
  std::istringstream in(R"(# a comment
{"product": {"sku": "SKU-1", "name": "Trail Jacket", "price": {"minorUnits": "12900", "currency": "USD"}, "variants": [{"variantId": "blue-m", "color": "blue", "size": "M"}]}}

{"stock": {"sku": "SKU-1", "variantId": "blue-m", "available": "4"}}
{"discount": {"code": "MARCH10", "percentOffBp": 1000, "active": true}}
{"customer": {"customerId": "cust-1", "loyaltyTier": "gold"}}
)");
  auto counts = (*tables)->load_jsonl(in);
  BOOST_REQUIRE_MESSAGE(counts, (counts ? "" : counts.error().message()));
  BOOST_TEST(counts->products == 1u);
  BOOST_TEST(counts->stock_levels == 1u);
  BOOST_TEST(counts->discounts == 1u);
  BOOST_TEST(counts->customers == 1u);
  BOOST_TEST((*(*tables)->product("SKU-1"))->variants(0).color() == "blue");
  BOOST_TEST(**(*tables)->stock("SKU-1", "blue-m") == 4);
  BOOST_TEST(!*(*tables)->stock("SKU-1", "red-m"));  // untracked
  BOOST_TEST((*(*tables)->discount("MARCH10"))->percent_off_bp() == 1000);
  BOOST_TEST((*(*tables)->customer("cust-1"))->loyalty_tier() == "gold");
  BOOST_TEST(!*(*tables)->product("SKU-404"));
}

BOOST_AUTO_TEST_CASE(a_bad_line_is_named_and_nothing_is_written) {
  temp_dir dir;
  auto tables = persistence::reference_tables::open(dir.str());
  BOOST_REQUIRE(tables);
  for (const char* bad : {R"({"product": {"sku": "SKU-2"}})",  // no price
                          R"({"stock": {"sku": "SKU-1", "available": "-1"}})",
                          R"({"discount": {"code": "X", "percentOffBp": 500, "amountOff": {"minorUnits": "5", "currency": "USD"}}})",
                          R"({"produkt": {}})", R"({"product": )", R"({})"}) {
    std::istringstream in(
        std::string(R"({"product": {"sku": "SKU-1", "price": {"minorUnits": "100", "currency": "USD"}}})") +
        "\n" + bad + "\n");
    auto counts = (*tables)->load_jsonl(in);
    BOOST_REQUIRE(!counts);
    BOOST_TEST(counts.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
    BOOST_TEST(counts.error().message().rfind("line 2: ", 0) == 0, counts.error().message());
    BOOST_TEST((*tables)->counts()->products == 0u);
  }
}

// A key LMDB cannot hold is refused at load (400 over HTTP), and looked up it is no
// record, not a storage failure.
BOOST_AUTO_TEST_CASE(keys_longer_than_lmdb_takes_are_refused_and_found_nowhere) {
  temp_dir dir;
  auto tables = persistence::reference_tables::open(dir.str());
  BOOST_REQUIRE(tables);
  const std::string long_sku(600, 'S');
  std::istringstream in(R"({"stock": {"sku": ")" + long_sku + R"(", "available": "1"}})" "\n");
  auto counts = (*tables)->load_jsonl(in);
  BOOST_REQUIRE(!counts);
  BOOST_TEST(counts.error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  auto found = (*tables)->product(long_sku);
  BOOST_REQUIRE(found);
  BOOST_TEST(!*found);
  BOOST_TEST(!*(*tables)->stock(long_sku, "x"));
  BOOST_TEST(!*(*tables)->customer(std::string(2000, 'c')));
}

BOOST_AUTO_TEST_CASE(a_check_given_to_the_loader_refuses_the_load) {
  temp_dir dir;
  auto tables = persistence::reference_tables::open(dir.str());
  BOOST_REQUIRE(tables);
  std::istringstream in(R"({"customer": {"customerId": "cust-1"}})" "\n"
                        R"({"customer": {"customerId": "cust-2"}})" "\n");
  auto counts = (*tables)->load_jsonl(in, [](const v1::ReferenceRecord& r) -> std::optional<v1::Error> {
    if (r.customer().customer_id() != "cust-2") return std::nullopt;
    v1::Error e;
    e.set_code(v1::ERROR_CODE_INVALID_ARGUMENT);
    e.set_message("no");
    return e;
  });
  BOOST_REQUIRE(!counts);
  BOOST_TEST(counts.error().message() == "line 2: no");
  BOOST_TEST((*tables)->counts()->customers == 0u);
}

BOOST_AUTO_TEST_CASE(the_shipped_sample_catalog_loads) {
  temp_dir dir;
  auto tables = persistence::reference_tables::open(dir.str());
  BOOST_REQUIRE(tables);
  std::ifstream in(SOUK_SAMPLE_CATALOG);
  BOOST_REQUIRE_MESSAGE(in, "cannot read " SOUK_SAMPLE_CATALOG);
  auto counts = (*tables)->load_jsonl(in);
  BOOST_REQUIRE_MESSAGE(counts, (counts ? "" : counts.error().message()));
  BOOST_TEST(counts->products >= 200u);
  BOOST_TEST(counts->stock_levels >= counts->products);
  BOOST_TEST(counts->discounts >= 3u);
  BOOST_TEST((*(*tables)->product("SKU-123"))->name() == "Trail Jacket");
  BOOST_TEST((*(*tables)->discount("CODE-MARCH10"))->percent_off_bp() == 1000);
}

BOOST_AUTO_TEST_SUITE_END()
