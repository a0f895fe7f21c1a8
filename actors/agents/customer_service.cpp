#include "agents/customer_service.hpp"

#include <google/protobuf/util/time_util.h>

#include "session/queries.hpp"
#include "session/scopes.hpp"
#include "souk/clock.hpp"

namespace souk::agents {

stored_customer_service::stored_customer_service(
    std::shared_ptr<const persistence::reference_tables> tables)
    : tables_(std::move(tables)) {}

session::result<std::optional<std::string>> stored_customer_service::fetch(
    const std::string& customer_id, const std::string& attribute) {
  ++fetches_;
  auto record = tables_->customer(customer_id);
  if (!record) return make_unexpected(record.error());
  if (!*record) return std::optional<std::string>{};
  auto it = (*record)->attributes().find(attribute);
  if (it == (*record)->attributes().end()) return std::optional<std::string>{};
  return std::optional<std::string>{it->second};
}

session::result<std::optional<std::string>> customer_attribute(
    session_client& sessions, customer_service& crm, const std::string& session_id,
    const std::string& agent_id, const std::string& attribute, std::chrono::seconds ttl) {
  auto state = sessions.state(session_id);
  if (state.has_error()) return make_unexpected(state.error());
  auto now = souk::now_timestamp();
  if (auto cached = session::attribute(state.state(), attribute, now)) return cached;
  const auto& customer = state.state().customer().customer_id();
  if (customer.empty()) return std::optional<std::string>{};
  auto fetched = crm.fetch(customer, attribute);
  if (!fetched || !*fetched) return fetched;
  v1::Command c;
  c.set_command_id(agent_id + "-fetch-" + attribute + "-" +
                   std::to_string(state.state().version()));
  c.set_session_id(session_id);
  c.set_agent_id(agent_id);
  c.add_scopes(std::string(session::scope::session_write));
  auto& body = *c.mutable_record_attribute();
  body.set_name(attribute);
  body.set_value(**fetched);
  body.set_source("crm");
  body.set_ttl_seconds(ttl.count());
  auto recorded = sessions.run(c);
  if (recorded.has_error()) return make_unexpected(recorded.error());
  return fetched;
}

}  // namespace souk::agents
