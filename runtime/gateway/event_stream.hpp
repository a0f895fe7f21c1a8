#pragma once

// A session's events as Server-Sent Events: subscribe to the session actor first, then
// send the history after `after` from the journal, then every event as it becomes
// durable. An event both paths deliver goes out once (by seq), so a client resuming
// from Last-Event-ID loses and repeats nothing. The stream ends when the client leaves
// (noticed at the next event or heartbeat) or the session stops (the client reconnects).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "runtime/gateway/http_server.hpp"
#include "runtime/node.hpp"

namespace souk::gateway {

struct event_stream_options {
  std::chrono::milliseconds subscribe_timeout{10000};
  std::chrono::seconds heartbeat{15};  // a comment line while quiet
};

/// Opens the stream on `out` and keeps it from an actor of its own. `node` outlives it.
void stream_events(caf::actor_system& system, runtime::node& node,
                   std::shared_ptr<responder> out, std::string session_id, uint64_t after,
                   event_stream_options options);

}  // namespace souk::gateway
