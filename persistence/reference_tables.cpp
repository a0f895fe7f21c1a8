#include "persistence/reference_tables.hpp"

#include <google/protobuf/util/json_util.h>

#include "persistence/codec.hpp"

namespace souk::persistence {
namespace {

std::string stock_key(std::string_view sku, std::string_view variant_id) {
  std::string key(sku);
  key.push_back('\0');
  key.append(variant_id);
  return key;
}

bool valid_money(const v1::Money& money) {
  return money.minor_units() >= 0 && money.currency().size() == 3;
}

}  // namespace

// LMDB's longest key (mdb_env_get_maxkeysize, 511 in Debian's build): a key beyond it
// is no record's, and one the tables would fail to store.
constexpr std::size_t max_key_bytes = 511;

std::optional<v1::Error> check_record(const v1::ReferenceRecord& record) {
  auto bad = [](std::string what) {
    return storage_error(v1::ERROR_CODE_INVALID_ARGUMENT, std::move(what));
  };
  const std::size_t key_bytes =
      record.has_product()    ? record.product().sku().size()
      : record.has_stock()    ? record.stock().sku().size() + 1 + record.stock().variant_id().size()
      : record.has_discount() ? record.discount().code().size()
                              : record.customer().customer_id().size();
  if (key_bytes > max_key_bytes)
    return bad("a reference record's key (sku, variant, code or customer id) is longer than " +
               std::to_string(max_key_bytes) + " bytes");
  switch (record.record_case()) {
    case v1::ReferenceRecord::kProduct: {
      const auto& p = record.product();
      if (p.sku().empty() || p.sku().find('\0') != std::string::npos)
        return bad("a product needs a sku");
      if (!valid_money(p.price()))
        return bad("product " + p.sku() + " needs a price with a 3-letter currency");
      for (const auto& v : p.variants()) {
        if (v.variant_id().empty()) return bad("product " + p.sku() + " has a variant without id");
        if (v.has_price() && (!valid_money(v.price()) || v.price().currency() != p.price().currency()))
          return bad("variant " + p.sku() + "/" + v.variant_id() +
                     " must be priced in the product's currency");
      }
      return std::nullopt;
    }
    case v1::ReferenceRecord::kStock:
      if (record.stock().sku().empty()) return bad("a stock level needs a sku");
      if (record.stock().available() < 0)
        return bad("stock of " + record.stock().sku() + " cannot be negative");
      return std::nullopt;
    case v1::ReferenceRecord::kDiscount: {
      const auto& d = record.discount();
      if (d.code().empty()) return bad("a discount needs a code");
      if ((d.percent_off_bp() != 0) == d.has_amount_off())
        return bad("discount " + d.code() + " needs exactly one of percentOffBp and amountOff");
      if (d.percent_off_bp() < 0 || d.percent_off_bp() > 10000)
        return bad("discount " + d.code() + " must be between 0 and 10000 basis points");
      if (d.has_amount_off() && !valid_money(d.amount_off()))
        return bad("discount " + d.code() + " needs an amount with a 3-letter currency");
      return std::nullopt;
    }
    case v1::ReferenceRecord::kCustomer:
      if (record.customer().customer_id().empty()) return bad("a customer needs an id");
      return std::nullopt;
    case v1::ReferenceRecord::RECORD_NOT_SET:
      break;
  }
  return bad("an empty reference record: expected product, stock, discount or customer");
}

reference_tables::reference_tables(std::unique_ptr<lmdb::env> env) : env_(std::move(env)) {
  catalog_ = env_->db("catalog");
  stock_ = env_->db("stock");
  discounts_ = env_->db("discounts");
  customers_ = env_->db("customers");
}

result<std::unique_ptr<reference_tables>> reference_tables::open(const std::string& dir,
                                                                 bool read_only) {
  lmdb::env::options opts;
  opts.path = dir + "/reference";
  opts.dbs = {"catalog", "stock", "discounts", "customers"};
  opts.read_only = read_only;
  auto env = lmdb::env::open(opts);
  if (!env) return make_unexpected(env.error());
  return std::unique_ptr<reference_tables>(new reference_tables(std::move(*env)));
}

template <class Message>
result<std::optional<Message>> reference_tables::read(MDB_dbi db, std::string_view key) const {
  if (key.empty() || key.size() > max_key_bytes) return std::optional<Message>{};  // none such
  auto t = env_->begin_read();
  if (!t) return make_unexpected(t.error());
  auto value = t->get(db, key);
  if (!value) return make_unexpected(value.error());
  if (!*value) return std::optional<Message>{};
  auto payload = unseal(**value);
  Message message;
  if (!payload || !message.ParseFromArray(payload->data(), static_cast<int>(payload->size())))
    return make_unexpected(storage_error(v1::ERROR_CODE_CORRUPT_RECORD,
                                         "reference record " + std::string(key) +
                                             " fails its checksum or does not decode"));
  return std::optional<Message>{std::move(message)};
}

result<std::optional<v1::Product>> reference_tables::product(std::string_view sku) const {
  return read<v1::Product>(catalog_, sku);
}

uint64_t reference_tables::version() const {
  MDB_envinfo info{};
  mdb_env_info(env_->handle(), &info);
  return info.me_last_txnid;
}

result<std::vector<v1::Product>> reference_tables::products() const {
  auto t = env_->begin_read();
  if (!t) return make_unexpected(t.error());
  std::vector<v1::Product> out;
  lmdb::cursor c(*t, catalog_);
  for (bool ok = c.first(); ok; ok = c.next()) {
    auto payload = unseal(c.value());
    if (!payload || !out.emplace_back().ParseFromArray(payload->data(), static_cast<int>(payload->size())))
      return make_unexpected(storage_error(v1::ERROR_CODE_CORRUPT_RECORD,
                                           "catalog record " + std::string(c.key()) +
                                               " fails its checksum or does not decode"));
  }
  if (c.error()) return make_unexpected(*c.error());
  return out;
}

result<std::optional<int64_t>> reference_tables::stock(std::string_view sku,
                                                       std::string_view variant_id) const {
  auto level = read<v1::StockLevel>(stock_, stock_key(sku, variant_id));
  if (!level) return make_unexpected(level.error());
  if (!*level) return std::optional<int64_t>{};
  return std::optional<int64_t>{(*level)->available()};
}

result<std::optional<v1::DiscountRule>> reference_tables::discount(std::string_view code) const {
  return read<v1::DiscountRule>(discounts_, code);
}

result<std::optional<v1::CustomerRecord>> reference_tables::customer(
    std::string_view customer_id) const {
  return read<v1::CustomerRecord>(customers_, customer_id);
}

int reference_tables::write(lmdb::txn& t, const v1::ReferenceRecord& r) {
  switch (r.record_case()) {
    case v1::ReferenceRecord::kProduct:
      return t.put(catalog_, r.product().sku(), seal(r.product().SerializeAsString()));
    case v1::ReferenceRecord::kStock:
      return t.put(stock_, stock_key(r.stock().sku(), r.stock().variant_id()),
                   seal(r.stock().SerializeAsString()));
    case v1::ReferenceRecord::kDiscount:
      return t.put(discounts_, r.discount().code(), seal(r.discount().SerializeAsString()));
    case v1::ReferenceRecord::kCustomer:
      return t.put(customers_, r.customer().customer_id(),
                   seal(r.customer().SerializeAsString()));
    case v1::ReferenceRecord::RECORD_NOT_SET:
      break;
  }
  return EINVAL;
}

std::optional<v1::Error> reference_tables::put(const v1::ReferenceRecord& record) {
  if (auto error = check_record(record)) return error;
  for (;;) {
    auto t = env_->begin_write();
    if (!t) return t.error();
    int rc = write(*t, record);
    if (rc == MDB_MAP_FULL) {
      t->abort();
      if (auto error = env_->grow()) return error;
      continue;
    }
    if (rc != MDB_SUCCESS) return lmdb_error(rc, "reference put");
    return t->commit();
  }
}

result<reference_counts> reference_tables::load_jsonl(std::istream& in,
                                                      const record_check& check) {
  std::vector<v1::ReferenceRecord> records;
  reference_counts counts;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    v1::ReferenceRecord record;
    auto status = google::protobuf::util::JsonStringToMessage(line, &record);
    std::optional<v1::Error> error;
    if (!status.ok())
      error = storage_error(v1::ERROR_CODE_INVALID_ARGUMENT, std::string(status.message()));
    else
      error = check_record(record);
    if (!error && check) error = check(record);
    if (error) {
      error->set_message("line " + std::to_string(number) + ": " + error->message());
      return make_unexpected(*error);
    }
    switch (record.record_case()) {
      case v1::ReferenceRecord::kProduct: ++counts.products; break;
      case v1::ReferenceRecord::kStock: ++counts.stock_levels; break;
      case v1::ReferenceRecord::kDiscount: ++counts.discounts; break;
      default: ++counts.customers; break;
    }
    records.push_back(std::move(record));
  }
  for (;;) {
    auto t = env_->begin_write();
    if (!t) return make_unexpected(t.error());
    int rc = MDB_SUCCESS;
    for (const auto& record : records)
      if ((rc = write(*t, record)) != MDB_SUCCESS) break;
    if (rc == MDB_MAP_FULL) {
      t->abort();
      if (auto error = env_->grow()) return make_unexpected(*error);
      continue;
    }
    if (rc != MDB_SUCCESS) return make_unexpected(lmdb_error(rc, "reference load"));
    if (auto error = t->commit()) return make_unexpected(*error);
    return counts;
  }
}

result<reference_counts> reference_tables::counts() const {
  auto t = env_->begin_read();
  if (!t) return make_unexpected(t.error());
  reference_counts out;
  for (auto [db, count] : {std::pair{catalog_, &out.products}, std::pair{stock_, &out.stock_levels},
                           std::pair{discounts_, &out.discounts},
                           std::pair{customers_, &out.customers}}) {
    MDB_stat stat;
    if (int rc = mdb_stat(t->handle(), db, &stat)) return make_unexpected(lmdb_error(rc, "stat"));
    *count = stat.ms_entries;
  }
  return out;
}

}  // namespace souk::persistence
