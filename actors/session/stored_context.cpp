#include "session/stored_context.hpp"

#include <chrono>
#include <random>

#include <google/protobuf/util/time_util.h>

#include "session/ulid.hpp"

namespace souk::session {

stored_context::stored_context(std::shared_ptr<const persistence::reference_tables> tables)
    : tables_(std::move(tables)) {}

google::protobuf::Timestamp stored_context::now() const {
  return google::protobuf::util::TimeUtil::GetCurrentTime();
}

std::string stored_context::new_event_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  return make_ulid(static_cast<uint64_t>(ms), static_cast<uint16_t>(random()), random());
}

template <class T>
std::optional<T> stored_context::or_count(persistence::result<std::optional<T>> found) const {
  if (found) return std::move(*found);
  ++read_failures_;
  return std::nullopt;
}

std::optional<v1::Product> stored_context::find_product(std::string_view sku) const {
  return or_count(tables_->product(sku));
}

std::optional<int64_t> stored_context::available(std::string_view sku,
                                                 std::string_view variant_id) const {
  return or_count(tables_->stock(sku, variant_id));
}

std::optional<v1::DiscountRule> stored_context::find_discount(std::string_view code) const {
  return or_count(tables_->discount(code));
}

std::optional<v1::CustomerRecord> stored_context::find_customer(
    std::string_view customer_id) const {
  return or_count(tables_->customer(customer_id));
}

}  // namespace souk::session
