#include "agents/stored_catalog.hpp"

namespace souk::agents {

session::result<std::shared_ptr<stored_catalog>> stored_catalog::open(
    std::shared_ptr<const persistence::reference_tables> tables) {
  auto products = tables->products();
  if (!products) return make_unexpected(products.error());
  auto out = std::make_shared<stored_catalog>();
  out->tables_ = std::move(tables);
  out->products_ = std::move(*products);
  return out;
}

std::optional<v1::Product> stored_catalog::product(const std::string& sku) const {
  for (const auto& p : products_)
    if (p.sku() == sku) return p;
  return std::nullopt;
}

std::optional<int64_t> stored_catalog::stock(const std::string& sku,
                                             const std::string& variant_id) const {
  auto level = tables_->stock(sku, variant_id);
  return level ? *level : std::nullopt;
}

}  // namespace souk::agents
