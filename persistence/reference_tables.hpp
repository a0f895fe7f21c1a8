#pragma once

#include <cstdint>
#include <istream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/lmdb/env.hpp"
#include "souk/v1/reference.pb.h"
#include "souk/v1/storage.pb.h"

namespace souk::persistence {

/// How many records of each kind a load wrote.
struct reference_counts {
  std::size_t products = 0, stock_levels = 0, discounts = 0, customers = 0;
};

/// The reference data the session rules read — catalog, stock levels, discount rules,
/// customer records — in their own LMDB environment (`<dir>/reference`), one DB each.
/// Reads from any thread; writes are serialized by LMDB.
class reference_tables {
 public:
  static result<std::unique_ptr<reference_tables>> open(const std::string& dir,
                                                        bool read_only = false);

  result<std::optional<v1::Product>> product(std::string_view sku) const;
  /// Changes with every write committed to these tables, by this process or another
  /// (LMDB's last transaction id): whatever was read at one version holds while the
  /// version is unchanged.
  uint64_t version() const;
  /// The whole catalog, in sku order.
  result<std::vector<v1::Product>> products() const;
  /// Units available; nothing if the item is not stock-tracked.
  result<std::optional<int64_t>> stock(std::string_view sku, std::string_view variant_id) const;
  result<std::optional<v1::DiscountRule>> discount(std::string_view code) const;
  result<std::optional<v1::CustomerRecord>> customer(std::string_view customer_id) const;

  /// Upserts one record after checking it (INVALID_ARGUMENT says what is wrong).
  std::optional<v1::Error> put(const v1::ReferenceRecord& record);
  /// Loads JSON lines of ReferenceRecord (protobuf JSON mapping; blank lines and lines
  /// starting with # are skipped) in one transaction: all lines or, on the first bad
  /// one, none — the error names its line number.
  /// `check`, when given, is asked about each record too (the tools pass the session
  /// core's check_limits, which persistence cannot see); its error refuses the load.
  using record_check = std::function<std::optional<v1::Error>(const v1::ReferenceRecord&)>;
  result<reference_counts> load_jsonl(std::istream& in, const record_check& check = nullptr);
  result<reference_counts> counts() const;

 private:
  explicit reference_tables(std::unique_ptr<lmdb::env> env);
  template <class Message>
  result<std::optional<Message>> read(MDB_dbi db, std::string_view key) const;
  int write(lmdb::txn& t, const v1::ReferenceRecord& record);

  std::unique_ptr<lmdb::env> env_;
  MDB_dbi catalog_, stock_, discounts_, customers_;
};

/// Why a reference record may not be stored, or nothing if it may.
std::optional<v1::Error> check_record(const v1::ReferenceRecord& record);

}  // namespace souk::persistence
