#pragma once

#include <cstdlib>
#include <string>

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include "session/session_actor.hpp"

namespace souk::bench {

/// The actor system the benchmarks run a node in. SOUK_THREADS sets the scheduler's
/// threads (default 2). Work sharing: on 2 cores, work-stealing workers spin for work
/// and take CPU from the journal's writer (68k vs 56k mutations/s at 1000 sessions, but
/// 14k vs 50k at 10,000); SOUK_SCHEDULER=stealing compares.
struct actor_config : caf::actor_system_config {
  actor_config() {
    session::add_session_message_types(*this);
    const char* threads = std::getenv("SOUK_THREADS");
    set("scheduler.max-threads", threads ? std::atoi(threads) : 2);
    const char* given = std::getenv("SOUK_SCHEDULER");
    const std::string policy = given ? given : "sharing";
    set("scheduler.policy", caf::atom_from_string({policy.data(), policy.size()}));
  }
};

}  // namespace souk::bench
