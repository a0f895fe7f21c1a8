#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "context.hpp"

namespace souk::session {

/// A context held entirely in memory: reference data set by the owner, a clock that
/// moves only when told, and ULIDs whose entropy is a deterministic function of a seed.
/// Serves tests, the walk-through demo and tools that replay scripted days; a node
/// backs the same interface with its reference tables.
/// Threading: not synchronized; one owner thread.
class in_memory_context final : public context {
 public:
  explicit in_memory_context(google::protobuf::Timestamp now, uint64_t id_seed = 0);

  void add_product(v1::Product product);
  void set_stock(const std::string& sku, const std::string& variant_id, int64_t available);
  void add_discount(v1::DiscountRule rule);
  void add_customer(v1::CustomerRecord customer);
  void set_now(google::protobuf::Timestamp now) { now_ = std::move(now); }
  void advance_seconds(int64_t seconds);

  google::protobuf::Timestamp now() const override { return now_; }
  std::string new_event_id() override;
  std::shared_ptr<const v1::Product> find_product(std::string_view sku) const override;
  std::optional<int64_t> available(std::string_view sku,
                                   std::string_view variant_id) const override;
  std::optional<v1::DiscountRule> find_discount(std::string_view code) const override;
  std::optional<v1::CustomerRecord> find_customer(std::string_view customer_id) const override;

 private:
  google::protobuf::Timestamp now_;
  uint64_t id_state_;
  std::map<std::string, std::shared_ptr<const v1::Product>, std::less<>> products_;
  std::map<std::pair<std::string, std::string>, int64_t, std::less<>> stock_;
  std::map<std::string, v1::DiscountRule, std::less<>> discounts_;
  std::map<std::string, v1::CustomerRecord, std::less<>> customers_;
};

}  // namespace souk::session
