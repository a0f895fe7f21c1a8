#include "session/scopes.hpp"

#include <algorithm>
#include <string>

#include "session/errors.hpp"

namespace souk::session {

std::string_view required_scope(const v1::Command& command) {
  switch (command.body_case()) {
    case v1::Command::kRecordPaymentResult:
      return scope::payment_authorize;
    case v1::Command::kReconcileStock:
    case v1::Command::kRevalidateDiscounts:
      return scope::inventory_publish;
    case v1::Command::kRecordMigration:
      return scope::admin;
    default:
      return scope::session_write;
  }
}

bool grants(const google::protobuf::RepeatedPtrField<std::string>& scopes,
            std::string_view wanted) {
  return std::any_of(scopes.begin(), scopes.end(), [&](const std::string& s) {
    return s == wanted || s == scope::admin;
  });
}

std::optional<v1::Error> authorize(const v1::Command& command) {
  const auto wanted = required_scope(command);
  if (grants(command.scopes(), wanted)) return std::nullopt;
  return make_error(v1::ERROR_CODE_PERMISSION_DENIED,
                    "agent '" + command.agent_id() + "' may not do this: it needs scope " +
                        std::string(wanted));
}

}  // namespace souk::session
