#include "session/stored_context.hpp"

#include <chrono>
#include <random>
#include <unordered_map>

#include <google/protobuf/util/time_util.h>

#include "session/ulid.hpp"
#include "souk/clock.hpp"

namespace souk::session {

namespace {

std::atomic<uint64_t> contexts{0};

// Products as parsed from the catalog, for one thread: the sessions on it share them
// without a lock. Valid for one context at one version of its tables, emptied when
// either changes (any write to the tables, stock levels included) or when full.
struct product_cache {
  static constexpr std::size_t max_products = 4096;
  uint64_t context = 0, version = 0;
  std::unordered_map<std::string, std::shared_ptr<const v1::Product>> products;
};

}  // namespace

stored_context::stored_context(std::shared_ptr<const persistence::reference_tables> tables)
    : tables_(std::move(tables)), id_(++contexts) {}

google::protobuf::Timestamp stored_context::now() const {
  return souk::now_timestamp();
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

std::shared_ptr<const v1::Product> stored_context::find_product(std::string_view sku) const {
  thread_local product_cache cache;
  // The version is read before the product, so a product is never cached under a
  // version newer than the one it was read at: after a write in between, the next call
  // finds a newer version and drops it.
  const uint64_t version = tables_->version();
  if (cache.context != id_ || cache.version != version ||
      cache.products.size() >= product_cache::max_products) {
    cache.products.clear();
    cache.context = id_;
    cache.version = version;
  }
  std::string key(sku);
  if (auto it = cache.products.find(key); it != cache.products.end()) return it->second;
  auto found = or_count(tables_->product(sku));
  if (!found) return nullptr;  // absent or unreadable: asked again next time
  auto product = std::make_shared<const v1::Product>(std::move(*found));
  cache.products.emplace(std::move(key), product);
  return product;
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
