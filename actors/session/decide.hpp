#pragma once

#include <vector>

#include "context.hpp"
#include "errors.hpp"
#include "souk/v1/commands.pb.h"
#include "souk/v1/events.pb.h"
#include "souk/v1/state.pb.h"

namespace souk::session {

/// Decides what a command means for a session: the events to append (possibly none,
/// when the command changes nothing), or an Error saying which rule it broke.
/// Pure: reads only its arguments and `ctx`; writes nothing. The command is checked
/// against its fields' limits first (check_limits). Events come fully stamped (id,
/// session, seq = state.version()+1.., time, agent, causation, schema version), and
/// applying them in order to `state` cannot fail: decide checks that before it returns.
result<std::vector<v1::Event>> decide(const v1::SessionState& state,
                                      const v1::Command& command, context& ctx);

}  // namespace souk::session
