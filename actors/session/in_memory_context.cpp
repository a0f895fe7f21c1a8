#include "in_memory_context.hpp"

#include <google/protobuf/util/time_util.h>

#include "ulid.hpp"

namespace souk::session {
namespace {

// splitmix64: a well-mixed, reproducible sequence from any seed.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

in_memory_context::in_memory_context(google::protobuf::Timestamp now, uint64_t id_seed)
    : now_(std::move(now)), id_state_(id_seed) {}

void in_memory_context::add_product(v1::Product product) {
  auto sku = product.sku();
  products_[sku] = std::make_shared<const v1::Product>(std::move(product));
}

void in_memory_context::set_stock(const std::string& sku, const std::string& variant_id,
                                  int64_t available) {
  stock_[{sku, variant_id}] = available;
}

void in_memory_context::add_discount(v1::DiscountRule rule) {
  auto code = rule.code();
  discounts_[code] = std::move(rule);
}

void in_memory_context::advance_seconds(int64_t seconds) {
  now_ = now_ + google::protobuf::util::TimeUtil::SecondsToDuration(seconds);
}

std::string in_memory_context::new_event_id() {
  auto ms = google::protobuf::util::TimeUtil::TimestampToMilliseconds(now_);
  return make_ulid(static_cast<uint64_t>(ms), static_cast<uint16_t>(next_random(id_state_)),
                   next_random(id_state_));
}

std::shared_ptr<const v1::Product> in_memory_context::find_product(std::string_view sku) const {
  auto it = products_.find(sku);
  if (it == products_.end()) return nullptr;
  return it->second;
}

std::optional<int64_t> in_memory_context::available(std::string_view sku,
                                                    std::string_view variant_id) const {
  auto it = stock_.find(std::make_pair(std::string(sku), std::string(variant_id)));
  if (it == stock_.end()) return std::nullopt;
  return it->second;
}

std::optional<v1::DiscountRule> in_memory_context::find_discount(
    std::string_view code) const {
  auto it = discounts_.find(code);
  if (it == discounts_.end()) return std::nullopt;
  return it->second;
}

}  // namespace souk::session

namespace souk::session {

void in_memory_context::add_customer(v1::CustomerRecord customer) {
  auto id = customer.customer_id();
  customers_[id] = std::move(customer);
}

std::optional<v1::CustomerRecord> in_memory_context::find_customer(
    std::string_view customer_id) const {
  auto it = customers_.find(customer_id);
  if (it == customers_.end()) return std::nullopt;
  return it->second;
}

}  // namespace souk::session
