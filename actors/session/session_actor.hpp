#pragma once

// The session actor: the thin CAF shell around the pure core (decide/apply). It alone
// owns one session's state and handles one message at a time; it persists a command's
// events through the journal, and only once they are durable applies them, replies and
// tells its observers (persist, then apply, then reply).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include "persistence/journal.hpp"
#include "session/caf_protobuf.hpp"
#include "session/context.hpp"
#include "session/transfer.hpp"
#include "souk/v1/commands.pb.h"
#include "souk/v1/events.pb.h"
#include "souk/v1/state.pb.h"
#include "souk/v1/transfer.pb.h"

namespace souk::session {

/// How a caller outside CAF (the HTTP gateway) gets a command's reply without an actor
/// of its own: `done` is called once with the reply, on the session's thread. If the
/// message carrying it is dropped unprocessed (the session stopped meanwhile), `dropped`
/// is called instead, from whichever thread let the last copy go — so the caller can
/// send again. Copies share one state.
class reply_callback {
 public:
  reply_callback() = default;
  reply_callback(std::function<void(v1::Reply)> done, std::function<void()> dropped);
  void operator()(v1::Reply reply) const;
  explicit operator bool() const { return state_ != nullptr; }

 private:
  struct state;
  std::shared_ptr<state> state_;
};

}  // namespace souk::session

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(souk::session::reply_callback)

namespace souk::session {

using run_atom = caf::atom_constant<caf::atom("run")>;
using state_atom = caf::atom_constant<caf::atom("state")>;
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
using unsub_atom = caf::atom_constant<caf::atom("unsub")>;
using checkpt_atom = caf::atom_constant<caf::atom("checkpt")>;
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;
using event_atom = caf::atom_constant<caf::atom("event")>;
// Internal: the journal's answer about the append (or snapshot) in flight.
using durable_atom = caf::atom_constant<caf::atom("durable")>;
using failed_atom = caf::atom_constant<caf::atom("failed")>;
using idle_atom = caf::atom_constant<caf::atom("idle")>;
using export_atom = caf::atom_constant<caf::atom("export")>;

/// What a session actor understands.
/// - run: decide + persist + apply a command; the reply comes once its events are
///   durable (or says which rule, or which storage failure, stopped it) — to the
///   requester, or through the reply_callback sent along.
/// - state: now. (The state at a version or a time is read from the journal alone:
///   runtime/inspect.hpp.)
/// - subscribe / unsub: an actor that receives (event_atom, Event) for every event after
///   it is durable, in seq order.
/// - checkpt: write a snapshot now (replies with its version, once durable).
/// - passivate: final snapshot, then stop (replies with the version).
/// - export (to agent, reason): a StateTransfer of the durable state for a handoff.
/// Observers and queries never wait behind a command; commands wait their turn.
using session_actor = caf::typed_actor<
    caf::replies_to<run_atom, v1::Command>::with<v1::Reply>,
    caf::reacts_to<run_atom, v1::Command, reply_callback>,
    caf::replies_to<state_atom>::with<v1::StateReply>,
    caf::replies_to<subscribe_atom, caf::actor>::with<bool>,
    caf::replies_to<unsub_atom, caf::actor>::with<bool>,
    caf::replies_to<checkpt_atom>::with<v1::Reply>,
    caf::replies_to<passivate_atom>::with<v1::Reply>,
    caf::replies_to<export_atom, std::string, std::string>::with<v1::TransferReply>,
    caf::reacts_to<durable_atom, uint64_t>,
    caf::reacts_to<failed_atom, v1::Error>,
    caf::reacts_to<idle_atom>>;

/// What sessions tell their owner (the node). Called on the session's actor thread; no
/// call may block. One listener serves every session of a node, so a live session holds
/// a pointer rather than closures of its own (they were ~0.4 KB of each session).
class session_listener {
 public:
  virtual ~session_listener() = default;
  /// After activation and after every durable change to what the session holds (cart
  /// items, codes, customer), with the state then (the node keeps its topic
  /// subscriptions with it).
  virtual void holdings_changed(const std::string& session_id,
                                const v1::SessionState& state) = 0;
  /// Once a request's events (and snapshot, if any) are durable and applied: the events
  /// (empty for a bare snapshot), the time since the request reached the session, and
  /// the snapshot's encoded size (0 when none was written).
  virtual void durable(const std::vector<v1::Event>& events, std::chrono::microseconds latency,
                       std::size_t snapshot_bytes) = 0;
  /// Just before the session's actor quits (passivation, failure), with its address:
  /// the node forgets it there, so that a message sent from then on activates a fresh
  /// actor instead of reaching one that is about to drop it.
  virtual void stopping(const std::string& session_id, const caf::actor_addr& address) = 0;
  /// Once a session has loaded: how long the snapshot + tail took, and how many tail
  /// events were replayed.
  virtual void activated(std::chrono::microseconds took, uint64_t tail_events) = 0;
};

struct session_options {
  std::string session_id;
  persistence::journal* journal = nullptr;  // outlives the actor
  context* ctx = nullptr;                   // outlives the actor; thread-safe
  std::string node_id = "node-1";           // stamped on exported transfers
  const session::transfer_keys* transfer_keys = nullptr;  // seal exports; outlives it
  uint64_t snapshot_every = 100;            // events between snapshots
  std::chrono::milliseconds idle_timeout{std::chrono::hours(1)};  // then passivate
  std::shared_ptr<session_listener> listener;  // none: nobody is told
  /// On activation, re-check the cart against today's stock and discount rules
  /// (ReconcileStock / RevalidateDiscounts as agent "souk-runtime"): the session may
  /// have missed changes while it was passivated.
  bool revalidate_on_activation = true;
};

/// Activates a session: newest snapshot + tail from the journal, then serves messages.
/// A session that cannot be loaded (corrupt, unsupported schema) answers every message
/// with that error and stops.
session_actor spawn_session(caf::actor_system& system, session_options options);

/// Registers the souk.v1 types the session protocol carries.
void add_session_message_types(caf::actor_system_config& config);

}  // namespace souk::session
