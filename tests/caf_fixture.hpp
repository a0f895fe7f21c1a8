#pragma once

#include <chrono>
#include <string>

#include <boost/test/unit_test.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "session/session_actor.hpp"

namespace souk::testing {

/// An actor system with souk's message types and two scheduler threads.
struct caf_system {
  struct config : caf::actor_system_config {
    config() {
      session::add_session_message_types(*this);
      set("scheduler.max-threads", 2);
    }
  };
  config cfg;
  caf::actor_system system{cfg};

  /// Sends a command and waits for the reply (a caf error fails the test).
  v1::Reply run(const session::session_actor& actor, const v1::Command& command) {
    caf::scoped_actor self{system};
    v1::Reply out;
    self->request(actor, std::chrono::seconds(10), session::run_atom::value, command)
        .receive([&](v1::Reply& reply) { out = std::move(reply); },
                 [&](caf::error& error) { BOOST_FAIL("run failed: " << system.render(error)); });
    return out;
  }

  template <class... Ts>
  v1::StateReply query(const session::session_actor& actor, Ts... args) {
    caf::scoped_actor self{system};
    v1::StateReply out;
    self->request(actor, std::chrono::seconds(10), args...)
        .receive([&](v1::StateReply& reply) { out = std::move(reply); },
                 [&](caf::error& error) { BOOST_FAIL("query failed: " << system.render(error)); });
    return out;
  }
};

}  // namespace souk::testing
