#include "session/session_actor.hpp"

#include <algorithm>
#include <atomic>
#include <list>
#include <memory>
#include <optional>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>
#include <caf/typed_response_promise.hpp>
#include <google/protobuf/util/time_util.h>

#include "session/apply.hpp"
#include "session/decide.hpp"
#include "session/errors.hpp"
#include "session/scopes.hpp"
#include "session/transfer.hpp"

namespace souk::session {
namespace {

using clock_type = std::chrono::steady_clock;

// What waits its turn: commands, and the requests that must see every earlier command
// durable first (checkpoint, passivate).
struct pending {
  enum kind_type { command, checkpoint, passivate };
  pending(kind_type k, v1::Command c, caf::typed_response_promise<v1::Reply> p,
          reply_callback cb = {})
      : kind(k), cmd(std::move(c)), promise(std::move(p)), callback(std::move(cb)) {}
  kind_type kind;
  v1::Command cmd;
  caf::typed_response_promise<v1::Reply> promise;
  reply_callback callback;  // instead of the promise, for callers outside CAF
  clock_type::time_point arrived = clock_type::now();
  // A command of a batch refused against the state its predecessors leave: answered
  // once they are durable (the refusal is only true if they are).
  std::optional<v1::Error> refusal;
};

struct session_state {
  session_options opts;
  v1::SessionState state;           // durable: every event in it is on disk
  // Activation failed: every request gets this. (By pointer: an optional would take 48
  // bytes of every actor, which is then a tcmalloc size class larger.)
  std::unique_ptr<v1::Error> broken;
  uint64_t last_snapshot = 0;
  // A snapshot came due with the last append (it passed a multiple of snapshot_every):
  // the next append carries one of `state` as it is then, before its own events. Until
  // then a crash costs a longer replay, nothing more; a passivation snapshots anyway.
  bool snapshot_due = false;
  std::list<pending> waiting;  // a list: nothing allocated while it is empty, as it mostly is
  // The requests whose append or snapshot is in flight — one checkpoint or passivation,
  // or a batch of the commands that were waiting — and what they will make durable:
  // `events` in order, current[i]'s being the `counts[i]` after its predecessors'.
  std::vector<pending> current;
  std::vector<std::size_t> counts;
  std::vector<v1::Event> events;  // applied once durable
  // `ahead`: the state after the in-flight batch's events, when a batch of several
  // commands (or one due a snapshot) needed it; it becomes `state` once durable.
  // `spare`: an equal of `state` (the state before the last such batch, brought up to
  // date), so that the next batch of a burst computes ahead on it instead of copying
  // `state`. Dropped once nothing waits: kept, it doubled a long session's memory.
  // (Held by pointer: most sessions have neither, and an empty optional would keep
  // two states' worth of bytes in every actor.)
  std::unique_ptr<v1::SessionState> ahead, spare;
  std::size_t snapshot_bytes = 0;  // of the snapshot in flight, 0 when none is
  std::vector<caf::actor> observers;
  clock_type::time_point last_activity = clock_type::now();
};

using self_ptr = session_actor::stateful_pointer<session_state>;

v1::Reply accepted(uint64_t version, std::vector<v1::Event> events = {}) {
  v1::Reply reply;
  reply.mutable_accepted()->set_version(version);
  for (auto& event : events) *reply.mutable_accepted()->add_events() = std::move(event);
  return reply;
}

v1::Reply refused(v1::Error error) {
  v1::Reply reply;
  *reply.mutable_error() = std::move(error);
  return reply;
}

v1::StateReply state_reply(result<v1::SessionState> state) {
  v1::StateReply reply;
  if (state)
    *reply.mutable_state() = std::move(*state);
  else
    *reply.mutable_error() = state.error();
  return reply;
}

// Requests queued by the actor itself (idle passivation) have no one to answer.
void answer(caf::typed_response_promise<v1::Reply>& promise, v1::Reply reply) {
  if (promise.pending()) promise.deliver(std::move(reply));
}

void answer(pending& p, v1::Reply reply) {
  if (p.callback)
    p.callback(std::move(reply));
  else
    answer(p.promise, std::move(reply));
}

// Leaves: the owner forgets this actor first (so that messages from now on reach a fresh
// one), then the actor quits; messages still in its mailbox are dropped (a request's
// sender hears of it; a reply_callback reports itself dropped).
void stop(self_ptr self, caf::error reason = caf::none) {
  if (const auto& listener = self->state.opts.listener)
    listener->stopping(self->state.opts.session_id, self->address());
  self->quit(std::move(reason));
}

// Hands a request to the journal; the answer comes back as durable/failed messages.
void submit(self_ptr self, persistence::append_request request) {
  auto handle = caf::actor_cast<caf::actor>(self);
  self->state.opts.journal->submit(std::move(request), [handle](persistence::result<uint64_t> r) {
    if (r)
      caf::anon_send(handle, durable_atom::value, *r);
    else
      caf::anon_send(handle, failed_atom::value, r.error());
  });
}

void start_snapshot(self_ptr self) {
  auto& st = self->state;
  persistence::append_request request;
  request.session_id = st.opts.session_id;
  request.expected_version = st.state.version();
  st.state.SerializeToString(&request.snapshot);
  st.snapshot_bytes = request.snapshot.size();
  st.snapshot_due = false;
  st.events.clear();
  submit(self, std::move(request));
}

// Commands in one append at most: bounds the work between two looks at the mailbox.
constexpr std::size_t max_batch = 64;

// Opens `ahead` at the durable state: the spare when there is one, else a copy.
void open_ahead(session_state& st) {
  if (st.spare) {
    st.ahead = std::move(st.spare);
    st.spare.reset();
  } else {
    st.ahead = std::make_unique<v1::SessionState>(st.state);
  }
}

// Starts the next waiting request(s) that need the journal; answers those that do not.
// Commands waiting together go to the journal as one append: each is decided against
// the state after the ones before it (as if they had been committed one by one), and
// each is answered, with its own version and events, once the append is durable.
void process_next(self_ptr self) {
  auto& st = self->state;
  while (st.current.empty() && !st.waiting.empty()) {
    pending p = std::move(st.waiting.front());
    st.waiting.pop_front();
    if (p.kind == pending::passivate &&
        std::any_of(st.waiting.begin(), st.waiting.end(),
                    [](const pending& w) { return w.kind != pending::passivate; })) {
      // Requests behind a passivation are served first: it goes last.
      st.waiting.push_back(std::move(p));
      continue;
    }
    if (p.kind == pending::checkpoint || p.kind == pending::passivate) {
      if (st.state.version() == 0 || st.state.version() == st.last_snapshot) {
        answer(p, accepted(st.state.version()));
        if (p.kind == pending::passivate) {
          for (auto& other : st.waiting) answer(other, accepted(st.state.version()));
          return stop(self);  // only passivations were left (see above)
        }
        continue;
      }
      st.current.push_back(std::move(p));
      start_snapshot(self);
      return;
    }
    // `ahead`: the state after the batch's events so far, once a second command needs
    // it (apply is pure; the first command decides on the durable state, uncopied).
    auto& ahead = st.ahead;
    std::vector<v1::Event> events;
    auto advance = [&](const std::vector<v1::Event>& more) -> bool {
      for (const auto& event : more)
        if (auto error = apply_to(*ahead, event)) {  // decide promised this cannot happen
          answer(p, refused(*error));
          for (auto& done : st.current) answer(done, refused(*error));
          return false;
        }
      return true;
    };
    for (;;) {
      auto decided = decide(ahead ? *ahead : st.state, p.cmd, *st.opts.ctx);
      if (!decided && st.current.empty()) {
        answer(p, refused(decided.error()));
      } else if (!decided) {
        p.refusal = decided.error();
        st.counts.push_back(0);
        st.current.push_back(std::move(p));
      } else if (decided->empty() && st.current.empty()) {
        answer(p, accepted(st.state.version()));
      } else {
        if (ahead && !advance(*decided)) return stop(self, caf::sec::runtime_error);
        st.counts.push_back(decided->size());
        for (auto& event : *decided) events.push_back(std::move(event));
        st.current.push_back(std::move(p));
      }
      if (st.waiting.empty() || st.waiting.front().kind != pending::command ||
          st.current.size() >= max_batch)
        break;
      if (!ahead && !st.current.empty()) {
        open_ahead(st);
        if (!advance(events)) return stop(self, caf::sec::runtime_error);
      }
      p = std::move(st.waiting.front());
      st.waiting.pop_front();
    }
    if (events.empty()) {  // no-ops and refusals, answered: a batch opens with events
      if (ahead) st.spare = std::move(ahead);  // nothing was applied to it
      ahead.reset();
      continue;
    }
    persistence::append_request request;
    request.session_id = st.opts.session_id;
    request.expected_version = st.state.version();
    for (const auto& event : events) request.events.push_back(persistence::encode(event));
    // A snapshot that came due with the last append goes with this one, of the durable
    // state these events follow: serialized where it lies, not copied and advanced.
    if (st.snapshot_due) {
      st.state.SerializeToString(&request.snapshot);
      request.snapshot_first = true;
    }
    st.snapshot_bytes = request.snapshot.size();
    st.events = std::move(events);
    submit(self, std::move(request));
  }
}

void enqueue(self_ptr self, pending p) {
  self->state.last_activity = clock_type::now();
  self->state.waiting.push_back(std::move(p));
  process_next(self);
}

// The state at `until`: newest snapshot at or below it (its version in *snapshot_version
// when asked) plus the events after it.
result<v1::SessionState> load(const session_options& opts, uint64_t until,
                              uint64_t* snapshot_version = nullptr) {
  auto snapshot = opts.journal->snapshot_at_or_below(opts.session_id, until);
  if (!snapshot) return make_unexpected(snapshot.error());
  v1::SessionState state;
  if (*snapshot) {
    if (snapshot_version) *snapshot_version = (*snapshot)->version();
    state = std::move(**snapshot);
    if (auto error = upgrade_state(state)) return make_unexpected(*error);
  }
  if (auto error = opts.journal->visit_events(
          opts.session_id, state.version() + 1, until,
          [&](const v1::Event& event) { return apply_to(state, event); }))
    return make_unexpected(*error);
  return state;
}

// Whether an event changes what the session holds (the skus in its cart, its codes, its
// customer), given the state `before` it: the node's topic subscriptions follow those
// only. More of a sku already in the cart holds nothing new.
bool changes_holdings(const v1::SessionState& before, const v1::Event& event) {
  switch (event.body_case()) {
    case v1::Event::kCartItemAdded: {
      const auto& lines = before.cart().lines();
      const auto& sku = event.cart_item_added().sku();
      return std::none_of(lines.begin(), lines.end(),
                          [&](const v1::CartLine& line) { return line.sku() == sku; });
    }
    case v1::Event::kSessionStarted:
    case v1::Event::kCartItemRemoved:
    case v1::Event::kCartLineAdjusted:
    case v1::Event::kDiscountApplied:
    case v1::Event::kDiscountRevoked:
    case v1::Event::kRolledBackToCommitted:
      return true;
    default:
      return false;
  }
}

// Queues the commands that bring a re-activated cart up to date; they change nothing
// (no events) when nothing changed meanwhile.
void revalidate(self_ptr self) {
  auto& st = self->state;
  const auto phase = st.state.phase();
  if (st.state.cart().lines().empty() || phase == v1::CHECKOUT_PHASE_COMPLETED ||
      phase == v1::CHECKOUT_PHASE_PAYMENT_PENDING)
    return;
  auto command = [&](const std::string& what) {
    v1::Command c;
    c.set_command_id("activation-" + std::to_string(st.state.version()) + "-" + what);
    c.set_session_id(st.opts.session_id);
    c.set_agent_id("souk-runtime");
    return c;
  };
  for (const auto& line : st.state.cart().lines()) {
    auto available = st.opts.ctx->available(line.sku(), line.variant_id());
    if (!available || *available >= line.quantity()) continue;
    auto c = command(line.sku() + "/" + line.variant_id());
    c.mutable_reconcile_stock()->set_sku(line.sku());
    c.mutable_reconcile_stock()->set_variant_id(line.variant_id());
    c.mutable_reconcile_stock()->set_available(*available);
    st.waiting.push_back({pending::command, std::move(c), {}});
  }
  if (!st.state.cart().discounts().empty()) {
    auto c = command("discounts");
    c.mutable_revalidate_discounts();
    st.waiting.push_back({pending::command, std::move(c), {}});
  }
  process_next(self);
}

session_actor::behavior_type session_behavior(self_ptr self, session_options opts) {
  auto& st = self->state;
  st.opts = std::move(opts);
  const auto loading = clock_type::now();
  if (auto loaded = load(st.opts, UINT64_MAX, &st.last_snapshot)) {
    st.state = std::move(*loaded);
    // A snapshot that came due and was not written before the session stopped.
    const uint64_t every = std::max<uint64_t>(1, st.opts.snapshot_every);
    st.snapshot_due = st.state.version() / every != st.last_snapshot / every;
    if (st.opts.listener)
      st.opts.listener->activated(std::chrono::duration_cast<std::chrono::microseconds>(
                               clock_type::now() - loading),
                           st.state.version() - st.last_snapshot);
  } else {
    st.broken = std::make_unique<v1::Error>(loaded.error());
  }
  if (!st.broken) {
    if (st.opts.listener) st.opts.listener->holdings_changed(st.opts.session_id, st.state);
    if (st.opts.revalidate_on_activation) revalidate(self);
  }
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& observers = self->state.observers;
    observers.erase(std::remove_if(observers.begin(), observers.end(),
                                   [&](const caf::actor& a) { return a.address() == down.source; }),
                    observers.end());
  });
  self->delayed_send(self, st.opts.idle_timeout, idle_atom::value);
  return {
      [self](run_atom, v1::Command& command) -> caf::result<v1::Reply> {
        if (self->state.broken) return refused(*self->state.broken);
        if (auto denied = authorize(command)) return refused(*denied);
        auto promise = self->make_response_promise<v1::Reply>();
        enqueue(self, {pending::command, std::move(command), promise});
        return promise;
      },
      [self](run_atom, v1::Command& command, reply_callback& reply) {
        if (self->state.broken) return reply(refused(*self->state.broken));
        if (auto denied = authorize(command)) return reply(refused(*denied));
        enqueue(self, {pending::command, std::move(command), {}, std::move(reply)});
      },
      [self](state_atom) -> v1::StateReply {
        self->state.last_activity = clock_type::now();
        if (self->state.broken) return state_reply(make_unexpected(*self->state.broken));
        return state_reply(self->state.state);
      },
      [self](subscribe_atom, caf::actor observer) -> bool {
        self->monitor(observer);
        self->state.observers.push_back(std::move(observer));
        return true;
      },
      [self](unsub_atom, const caf::actor& observer) -> bool {
        auto& observers = self->state.observers;
        auto before = observers.size();
        observers.erase(std::remove(observers.begin(), observers.end(), observer),
                        observers.end());
        return observers.size() != before;
      },
      [self](checkpt_atom) -> caf::result<v1::Reply> {
        if (self->state.broken) return refused(*self->state.broken);
        auto promise = self->make_response_promise<v1::Reply>();
        enqueue(self, {pending::checkpoint, {}, promise});
        return promise;
      },
      [self](passivate_atom) -> caf::result<v1::Reply> {
        auto promise = self->make_response_promise<v1::Reply>();
        if (self->state.broken) {
          answer(promise, refused(*self->state.broken));
          stop(self);
          return promise;
        }
        enqueue(self, {pending::passivate, {}, promise});
        return promise;
      },
      [self](export_atom, const std::string& to_agent,
             const std::string& reason) -> v1::TransferReply {
        auto& st = self->state;
        v1::TransferReply reply;
        if (st.broken) {
          *reply.mutable_error() = *st.broken;
        } else if (st.state.version() == 0) {
          *reply.mutable_error() = make_error(v1::ERROR_CODE_SESSION_NOT_STARTED,
                                              "session " + st.opts.session_id + " has not started");
        } else {
          transfer_request request;
          request.transfer_id = st.opts.ctx->new_event_id();
          request.to_agent_id = to_agent;
          request.reason = reason;
          request.from_node = st.opts.node_id;
          request.agent.set_agent_id(st.state.owner_agent_id());
          if (!st.state.decisions().empty()) {
            const auto& last = *st.state.decisions().rbegin();
            *request.agent.mutable_fallbacks_tried() = last.fallbacks_tried();
            request.agent.set_confidence(last.confidence());
            request.agent.set_notes(last.kind() + ": " + last.reason());
          }
          static const session::transfer_keys none;
          *reply.mutable_transfer() =
              export_transfer(st.state, request, st.opts.ctx->now(),
                              st.opts.transfer_keys ? *st.opts.transfer_keys : none);
        }
        return reply;
      },
      [self](durable_atom, uint64_t version) {
        auto& st = self->state;
        if (st.current.empty()) return;
        std::vector<pending> batch = std::move(st.current);
        std::vector<std::size_t> counts = std::move(st.counts);
        std::vector<v1::Event> events = std::move(st.events);
        st.current.clear();
        st.counts.clear();
        st.events.clear();
        const auto kind = batch.front().kind;
        const uint64_t before = st.state.version();
        bool holdings_changed = false;
        // The state computed ahead becomes the state, and the one it replaces the spare,
        // which catches up: the spare takes every durable event, as the state does.
        const bool computed_ahead = st.ahead != nullptr;
        if (computed_ahead) {
          st.state.Swap(&*st.ahead);
          st.spare = std::move(st.ahead);
          st.ahead.reset();
        }
        for (const auto& event : events) {
          // The state as it was before this event: the spare's turn comes below.
          const v1::SessionState& before_event = computed_ahead ? *st.spare : st.state;
          holdings_changed = holdings_changed || changes_holdings(before_event, event);
          auto error = computed_ahead ? std::nullopt : apply_to(st.state, event);
          if (!error && st.spare) error = apply_to(*st.spare, event);
          if (error) {  // decide promised this cannot happen
            for (auto& done : batch) answer(done, refused(*error));
            return stop(self, caf::sec::runtime_error);
          }
        }
        const uint64_t every = std::max<uint64_t>(1, st.opts.snapshot_every);
        if (kind != pending::command) {
          st.last_snapshot = version;
        } else {
          if (st.snapshot_bytes > 0) {  // the one due, of the state before this batch
            st.last_snapshot = before;
            st.snapshot_due = false;
          }
          if (version / every != before / every) st.snapshot_due = true;
        }
        if (holdings_changed && st.opts.listener)
          st.opts.listener->holdings_changed(st.opts.session_id, st.state);
        for (const auto& observer : st.observers)
          for (const auto& event : events) caf::anon_send(observer, event_atom::value, event);
        if (kind != pending::command) {
          if (st.opts.listener)
            st.opts.listener->durable({}, std::chrono::duration_cast<std::chrono::microseconds>(
                                       clock_type::now() - batch.front().arrived),
                               st.snapshot_bytes);
          answer(batch.front(), accepted(version));
        } else {
          // Each command's reply: its own events, and the version after them.
          auto next = events.begin();
          uint64_t at = before;
          for (std::size_t i = 0; i < batch.size(); ++i) {
            std::vector<v1::Event> own(std::make_move_iterator(next),
                                       std::make_move_iterator(next + counts[i]));
            next += counts[i];
            at += counts[i];
            if (batch[i].refusal) {
              answer(batch[i], refused(*batch[i].refusal));
              continue;
            }
            if (st.opts.listener)
              st.opts.listener->durable(own, std::chrono::duration_cast<std::chrono::microseconds>(
                                          clock_type::now() - batch[i].arrived),
                                 i == 0 ? st.snapshot_bytes : 0);
            answer(batch[i], accepted(at, std::move(own)));
          }
        }
        st.snapshot_bytes = 0;
        if (st.waiting.empty()) st.spare.reset();  // the burst, if any, is over
        // Requests that came in during the final snapshot keep the session live.
        if (kind == pending::passivate &&
            std::none_of(st.waiting.begin(), st.waiting.end(),
                         [](const pending& w) { return w.kind != pending::passivate; })) {
          for (auto& other : st.waiting) answer(other, accepted(st.state.version()));
          return stop(self);
        }
        process_next(self);
      },
      [self](failed_atom, v1::Error& error) {
        // Nothing of the request was written. Stop, so that the next message finds a
        // fresh actor loaded from disk rather than a state that may be out of step.
        auto& st = self->state;
        for (auto& done : st.current) answer(done, refused(error));
        st.current.clear();
        st.counts.clear();
        for (auto& waiting : st.waiting)
          answer(waiting, refused(make_error(
              v1::ERROR_CODE_STORAGE_FAILURE,
              "session " + st.opts.session_id + " stopped after a storage failure (" +
                  error.message() + "); nothing of this request was written, send it again")));
        st.waiting.clear();
        stop(self, caf::sec::runtime_error);
      },
      [self](idle_atom) {
        auto& st = self->state;
        auto idle = clock_type::now() - st.last_activity;
        if (idle < st.opts.idle_timeout || !st.current.empty() || !st.waiting.empty()) {
          auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
              st.opts.idle_timeout - std::min<clock_type::duration>(idle, st.opts.idle_timeout));
          self->delayed_send(self, std::max(wait, std::chrono::milliseconds(1)), idle_atom::value);
          return;
        }
        // Passivate: the reply goes nowhere, the final snapshot to disk.
        enqueue(self, {pending::passivate, {}, {}});
      },
  };
}

}  // namespace

struct reply_callback::state {
  std::function<void(v1::Reply)> done;
  std::function<void()> dropped;
  std::atomic<bool> called{false};
  ~state() {
    if (!called && dropped) dropped();
  }
};

reply_callback::reply_callback(std::function<void(v1::Reply)> done, std::function<void()> dropped)
    : state_(std::make_shared<state>()) {
  state_->done = std::move(done);
  state_->dropped = std::move(dropped);
}

void reply_callback::operator()(v1::Reply reply) const {
  if (state_ && !state_->called.exchange(true)) state_->done(std::move(reply));
}

session_actor spawn_session(caf::actor_system& system, session_options options) {
  // lazy_init: the session loads on its first message, on a scheduler thread, not on
  // the thread that spawns it.
  return system.spawn<caf::lazy_init>(session_behavior, std::move(options));
}

void add_session_message_types(caf::actor_system_config& config) {
  config.add_message_type<v1::Command>("souk.v1.Command");
  config.add_message_type<v1::Reply>("souk.v1.Reply");
  config.add_message_type<v1::StateReply>("souk.v1.StateReply");
  config.add_message_type<v1::Event>("souk.v1.Event");
  config.add_message_type<v1::Error>("souk.v1.Error");
  config.add_message_type<v1::TransferReply>("souk.v1.TransferReply");
}

}  // namespace souk::session
