#pragma once

#include <memory>

#include "agents/brain.hpp"
#include "persistence/reference_tables.hpp"

namespace souk::agents {

/// The catalog as agents see it: products read once from the reference tables (they
/// change rarely; reload() after a catalog load), stock read live.
class stored_catalog final : public catalog {
 public:
  static session::result<std::shared_ptr<stored_catalog>> open(
      std::shared_ptr<const persistence::reference_tables> tables);

  const std::vector<v1::Product>& products() const override { return products_; }
  std::optional<v1::Product> product(const std::string& sku) const override;
  std::optional<int64_t> stock(const std::string& sku,
                               const std::string& variant_id) const override;

 private:
  std::shared_ptr<const persistence::reference_tables> tables_;
  std::vector<v1::Product> products_;
};

}  // namespace souk::agents
