#include "agents/inventory_sync.hpp"

#include <google/protobuf/util/json_util.h>

namespace souk::agents {

inventory_sync_agent::inventory_sync_agent(std::string agent_id, stock_publisher& publisher)
    : agent_id_(std::move(agent_id)), publisher_(publisher) {}

session::result<inventory_sync_agent::report> inventory_sync_agent::sync(std::istream& feed) {
  report out;
  std::string line;
  for (int number = 1; std::getline(feed, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    v1::StockLevel level;
    auto status = google::protobuf::util::JsonStringToMessage(line, &level);
    auto where = "stock feed line " + std::to_string(number) + ": ";
    if (!status.ok())
      return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT, where + std::string(status.message()));
    if (level.sku().empty() || level.available() < 0)
      return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                           where + "needs a sku and a non-negative available count");
    auto told = publisher_.publish_stock(level, agent_id_);
    if (!told) return make_unexpected(told.error());
    ++out.updates;
    out.sessions_told += *told;
  }
  return out;
}

}  // namespace souk::agents
