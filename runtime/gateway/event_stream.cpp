#include "runtime/gateway/event_stream.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "runtime/gateway/http_codec.hpp"

namespace souk::gateway {
namespace {

using sse_tick_atom = caf::atom_constant<caf::atom("sse_tick")>;

}  // namespace

void stream_events(caf::actor_system& system, runtime::node& node,
                   std::shared_ptr<responder> out, std::string session_id, uint64_t after,
                   event_stream_options options) {
  system.spawn([&node, out, session_id, after, options](caf::event_based_actor* self)
                   -> caf::behavior {
    auto sent = std::make_shared<uint64_t>(after);
    auto session_actor = node.session(session_id);
    auto me = caf::actor_cast<caf::actor>(self);
    auto finish = [self, out, session_actor, me] {
      self->send(session_actor, session::unsub_atom::value, me);
      out->end();
      self->quit();
    };
    out->open_stream("text/event-stream");
    self->monitor(session_actor);
    self->set_down_handler([out, self](const caf::down_msg&) {
      out->send(": the session passivated; reconnect to resume\n\n");
      out->end();
      self->quit();
    });
    // Other messages (events) wait until the history is out.
    self->request(session_actor, options.subscribe_timeout, session::subscribe_atom::value, me)
        .await(
            [&node, out, session_id, sent](bool) {
              auto events = node.journal().events(session_id, *sent + 1);
              if (!events) return;
              for (const auto& e : *events) {
                out->send(sse_frame(e));
                *sent = e.seq();
              }
            },
            [out, self](caf::error&) {
              out->end();
              self->quit();
            });
    self->delayed_send(self, options.heartbeat, sse_tick_atom::value);
    return {
        [out, sent, finish](session::event_atom, const v1::Event& e) {
          if (out->closed()) return finish();
          if (e.seq() <= *sent) return;
          out->send(sse_frame(e));
          *sent = e.seq();
        },
        [heartbeat = options.heartbeat, out, self, finish](sse_tick_atom) {
          if (out->closed()) return finish();
          out->send(": keep-alive\n\n");
          self->delayed_send(self, heartbeat, sse_tick_atom::value);
        },
    };
  });
}

}  // namespace souk::gateway
