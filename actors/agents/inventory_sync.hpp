#pragma once

#include <istream>
#include <string>

#include "session/errors.hpp"
#include "souk/v1/reference.pb.h"

namespace souk::agents {

/// Where stock changes go: the node stores them and tells the sessions holding the item.
class stock_publisher {
 public:
  virtual ~stock_publisher() = default;
  /// How many live sessions were told.
  virtual session::result<std::size_t> publish_stock(const v1::StockLevel& level,
                                                     const std::string& agent_id) = 0;
};

/// The inventory-sync agent: reads stock updates — JSON lines of souk.v1.StockLevel,
/// e.g. {"sku": "SKU-123", "variantId": "blue-m", "available": "1"} — and publishes each
/// while customers shop. A bad line stops the sync with its line number; the lines
/// before it stay published (a feed is a stream, not a transaction).
class inventory_sync_agent {
 public:
  inventory_sync_agent(std::string agent_id, stock_publisher& publisher);

  struct report {
    std::size_t updates = 0;
    std::size_t sessions_told = 0;
  };
  session::result<report> sync(std::istream& feed);

 private:
  std::string agent_id_;
  stock_publisher& publisher_;
};

}  // namespace souk::agents
