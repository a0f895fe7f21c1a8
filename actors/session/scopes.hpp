#pragma once

// Who may do what to a session. A caller's scopes ride on its command (set by whoever
// authenticated it); the session actor checks them before deciding anything, so the
// gateway is not the only guard (DESIGN.md rule 9).
#include <optional>
#include <string_view>

#include "souk/v1/commands.pb.h"

namespace souk::session {

namespace scope {
inline constexpr std::string_view session_read = "session:read";
inline constexpr std::string_view session_write = "session:write";
inline constexpr std::string_view payment_authorize = "payment:authorize";
inline constexpr std::string_view inventory_publish = "inventory:publish";
inline constexpr std::string_view customer_publish = "customer:publish";
inline constexpr std::string_view admin = "admin";  // implies every other scope
}  // namespace scope

/// The scope a command's body needs: payment results need payment:authorize, stock and
/// discount revalidation inventory:publish, migrations admin, everything else (the
/// conversation, the cart, checkout, handoff) session:write.
std::string_view required_scope(const v1::Command& command);

/// Whether `scopes` (a caller's grants) include `wanted`, directly or through admin.
bool grants(const google::protobuf::RepeatedPtrField<std::string>& scopes,
            std::string_view wanted);

/// PERMISSION_DENIED naming the agent and the missing scope, or nothing when allowed.
std::optional<v1::Error> authorize(const v1::Command& command);

}  // namespace souk::session
