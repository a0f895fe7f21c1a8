#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/timestamp.pb.h>

#include "souk/v1/reference.pb.h"

namespace souk::session {

/// What `decide` needs from outside the session: reference data, the time and fresh ids.
/// The core never reads a clock, a disk or a random source itself; a context does,
/// so tests pass fixtures and replay never calls it at all.
/// Threading: one `decide` call uses its context from one thread at a time.
class context {
 public:
  virtual ~context() = default;

  /// The current time, stamped on the events a command produces.
  virtual google::protobuf::Timestamp now() const = 0;
  /// A fresh, globally unique event id (a ULID in production).
  virtual std::string new_event_id() = 0;

  /// The product with this sku, or null if the catalog has none. Shared and never
  /// changed: a context may hand the same one to many calls.
  virtual std::shared_ptr<const v1::Product> find_product(std::string_view sku) const = 0;
  /// Units available for a sku + variant; nothing if the item is not stock-tracked.
  virtual std::optional<int64_t> available(std::string_view sku,
                                           std::string_view variant_id) const = 0;
  /// The discount rule for a code, or nothing if no such code exists.
  virtual std::optional<v1::DiscountRule> find_discount(std::string_view code) const = 0;
  /// The customer's record, or nothing if the shop has none.
  virtual std::optional<v1::CustomerRecord> find_customer(std::string_view customer_id) const = 0;
};

}  // namespace souk::session
