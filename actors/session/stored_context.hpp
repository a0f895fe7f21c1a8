#pragma once

#include <atomic>
#include <memory>

#include "persistence/reference_tables.hpp"
#include "session/context.hpp"

namespace souk::session {

/// The context a node runs sessions in: reference data from its LMDB tables, the
/// system clock, and ULIDs from a per-thread random source.
/// Threading: shared by all session actors; every call is safe from any thread.
/// A reference-table read that fails is treated as "not found" and counted
/// (read_failures), since the core's rules cannot take errors from their context.
class stored_context final : public context {
 public:
  explicit stored_context(std::shared_ptr<const persistence::reference_tables> tables);

  google::protobuf::Timestamp now() const override;
  std::string new_event_id() override;
  /// From a per-thread cache of the products read since the tables last changed.
  std::shared_ptr<const v1::Product> find_product(std::string_view sku) const override;
  std::optional<int64_t> available(std::string_view sku,
                                   std::string_view variant_id) const override;
  std::optional<v1::DiscountRule> find_discount(std::string_view code) const override;
  std::optional<v1::CustomerRecord> find_customer(std::string_view customer_id) const override;

  uint64_t read_failures() const { return read_failures_; }

 private:
  template <class T>
  std::optional<T> or_count(persistence::result<std::optional<T>> found) const;

  std::shared_ptr<const persistence::reference_tables> tables_;
  const uint64_t id_;  // tells this context's cached products from another's
  mutable std::atomic<uint64_t> read_failures_{0};
};

}  // namespace souk::session
