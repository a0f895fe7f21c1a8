#include "runtime/node.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "runtime/transfer_keys.hpp"
#include "session/scopes.hpp"

namespace souk::runtime {

struct node::directory {
  struct entry {
    session::session_actor actor;
    std::list<std::string>::iterator recency;
  };
  std::mutex mutex;
  std::unordered_map<std::string, entry> live;
  std::list<std::string> recency;  // most recently used first

  // Called when an actor stops: forget it unless a newer one took its place.
  bool forget(const std::string& session_id, const caf::actor_addr& stopped) {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = live.find(session_id);
    if (it == live.end() || it->second.actor.address() != stopped) return false;
    recency.erase(it->second.recency);
    live.erase(it);
    return true;
  }
};

// The node's side of every session's life: topic subscriptions, metrics, the transition
// log, and forgetting an actor that stops. One for all the node's sessions.
class node::session_hooks final : public session::session_listener {
 public:
  session_hooks(std::weak_ptr<directory> dir, std::shared_ptr<topic_bus> bus,
                std::shared_ptr<node_metrics> metrics, transition_log* log)
      : dir_(std::move(dir)), bus_(std::move(bus)), metrics_(std::move(metrics)), log_(log) {}

  void holdings_changed(const std::string& session_id, const v1::SessionState& state) override {
    bus_->track(session_id, state);
  }
  void durable(const std::vector<v1::Event>& events, std::chrono::microseconds latency,
               std::size_t snapshot_bytes) override {
    auto& m = *metrics_;
    if (snapshot_bytes) m.state_bytes.observe(static_cast<double>(snapshot_bytes));
    if (events.empty()) return;
    m.commands_accepted.add();
    m.command_seconds.observe(static_cast<double>(latency.count()) / 1e6);
    for (const auto& event : events) {
      m.event_appended(event.body_case());
      if (log_) log_->transition(event, latency);
    }
  }
  // Forgets the actor (unless a newer one took its place): when it is about to quit,
  // and again when it has stopped (for ways out that skip the first).
  void stopping(const std::string& session_id, const caf::actor_addr& address) override {
    auto d = dir_.lock();
    if (d && d->forget(session_id, address)) bus_->forget(session_id);
  }
  void stopped(const std::string& session_id, const caf::actor_addr& address) {
    metrics_->passivations.add();
    stopping(session_id, address);
  }
  void activated(std::chrono::microseconds took, uint64_t) override {
    metrics_->activations.add();
    metrics_->activation_seconds.observe(static_cast<double>(took.count()) / 1e6);
  }

 private:
  std::weak_ptr<directory> dir_;  // the node's, while it lasts
  std::shared_ptr<topic_bus> bus_;
  std::shared_ptr<node_metrics> metrics_;
  transition_log* log_;  // not owned; outlives the node's sessions (node_options::log)
};

node::node(caf::actor_system& system, node_options options)
    : system_(system),
      options_(std::move(options)),
      directory_(std::make_shared<directory>()),
      metrics_(std::make_shared<node_metrics>()),
      hooks_(std::make_shared<session_hooks>(directory_, bus_, metrics_, options_.log)) {
  // Rendered through metrics(), so only while the node is.
  metrics_->live_sessions = [this] { return live_sessions(); };
  metrics_->journal_zeros_ahead = [this] { return journal_ ? journal_->stats().zeros_ahead : 0; };
}

result<std::unique_ptr<node>> node::open(caf::actor_system& system, node_options options) {
  std::unique_ptr<node> n(new node(system, std::move(options)));
  persistence::journal::options journal_options;
  journal_options.dir = n->options_.data_dir;
  journal_options.written_ahead = n->options_.journal_written_ahead;
  journal_options.on_commit = [m = n->metrics_](std::size_t, std::size_t events, uint64_t us) {
    m->commit_batch_events.observe(static_cast<double>(events));
    m->commit_seconds.observe(static_cast<double>(us) / 1e6);
  };
  auto journal = persistence::journal::open(journal_options);
  if (!journal) return make_unexpected(journal.error());
  n->journal_ = std::move(*journal);
  auto reference = persistence::reference_tables::open(n->options_.data_dir);
  if (!reference) return make_unexpected(reference.error());
  n->reference_ = std::move(*reference);
  n->context_ = std::make_unique<session::stored_context>(n->reference_);
  auto keys = load_transfer_keys(n->options_.data_dir, n->options_.transfer_keys, true);
  if (!keys) return make_unexpected(keys.error());
  n->transfer_keys_ = std::move(*keys);
  return n;
}

node::~node() { shutdown(); }

session::session_actor node::session(const std::string& session_id) {
  std::vector<session::session_actor> evicted;
  session::session_actor actor;
  {
    std::lock_guard<std::mutex> lock(directory_->mutex);
    auto& dir = *directory_;
    if (auto it = dir.live.find(session_id); it != dir.live.end()) {
      dir.recency.splice(dir.recency.begin(), dir.recency, it->second.recency);
      return it->second.actor;
    }
    session::session_options opts;
    opts.session_id = session_id;
    opts.journal = journal_.get();
    opts.ctx = context_.get();
    opts.snapshot_every = options_.snapshot_every;
    opts.node_id = options_.node_id;
    opts.transfer_keys = &transfer_keys_;
    opts.idle_timeout = options_.idle_timeout;
    opts.listener = hooks_;
    actor = session::spawn_session(system_, std::move(opts));
    dir.recency.push_front(session_id);
    dir.live.emplace(session_id, directory::entry{actor, dir.recency.begin()});
    auto address = actor.address();
    caf::actor_cast<caf::strong_actor_ptr>(actor)->get()->attach_functor(
        [hooks = hooks_, session_id, address](const caf::error&) {
          hooks->stopped(session_id, address);
        });
    // Over the cap: the least recently used passivate (they leave the directory when
    // they stop, so a message for them meanwhile still reaches the old actor).
    std::size_t over = dir.live.size() > options_.max_live_sessions
                           ? dir.live.size() - options_.max_live_sessions
                           : 0;
    for (auto it = dir.recency.rbegin(); over > 0 && it != dir.recency.rend(); ++it, --over)
      evicted.push_back(dir.live.at(*it).actor);
  }
  for (auto& old : evicted) caf::anon_send(old, session::passivate_atom::value);
  return actor;
}

result<std::size_t> node::store_and_tell(const v1::ReferenceRecord& record,
                                         const std::string& topic, const std::string& agent_id,
                                         std::string_view scope,
                                         const std::vector<v1::Command>& bodies) {
  if (auto error = reference_->put(record)) return make_unexpected(*error);
  auto holders = bus_->holders(topic);
  for (const auto& session_id : holders)
    for (const auto& body : bodies) {
      v1::Command c = body;
      c.set_command_id(agent_id + "-" + std::to_string(++published_));
      c.set_session_id(session_id);
      c.set_agent_id(agent_id);
      c.add_scopes(std::string(scope));
      caf::anon_send(session(session_id), session::run_atom::value, std::move(c));
    }
  return holders.size();
}

result<std::size_t> node::publish_stock(const v1::StockLevel& level,
                                        const std::string& agent_id) {
  v1::ReferenceRecord record;
  *record.mutable_stock() = level;
  v1::Command reconcile;
  auto& body = *reconcile.mutable_reconcile_stock();
  body.set_sku(level.sku());
  body.set_variant_id(level.variant_id());
  body.set_available(level.available());
  return store_and_tell(record, topic_bus::sku_topic(level.sku()), agent_id,
                        session::scope::inventory_publish, {reconcile});
}

result<std::size_t> node::publish_discount(const v1::DiscountRule& rule,
                                           const std::string& agent_id) {
  v1::ReferenceRecord record;
  *record.mutable_discount() = rule;
  v1::Command revalidate;
  revalidate.mutable_revalidate_discounts();
  return store_and_tell(record, topic_bus::code_topic(rule.code()), agent_id,
                        session::scope::inventory_publish, {revalidate});
}

result<std::size_t> node::publish_customer(const v1::CustomerRecord& customer,
                                           const std::string& agent_id) {
  v1::ReferenceRecord record;
  *record.mutable_customer() = customer;
  std::vector<v1::Command> facts;
  for (const auto& [name, value] : customer.attributes()) {
    auto& body = *facts.emplace_back().mutable_record_attribute();
    body.set_name(name);
    body.set_value(value);
    body.set_source("crm");
    body.set_ttl_seconds(24 * 3600);  // a pushed fact is fresh; it lasts a day
  }
  // Recording a fact is a session write: the node relays what the caller (scope
  // customer:publish, checked by the gateway) was allowed to publish.
  return store_and_tell(record, topic_bus::customer_topic(customer.customer_id()), agent_id,
                        session::scope::session_write, facts);
}

std::optional<session::session_actor> node::live_session(const std::string& session_id) const {
  std::lock_guard<std::mutex> lock(directory_->mutex);
  auto it = directory_->live.find(session_id);
  if (it == directory_->live.end()) return std::nullopt;
  return it->second.actor;
}

std::size_t node::live_sessions() const {
  std::lock_guard<std::mutex> lock(directory_->mutex);
  return directory_->live.size();
}

void node::shutdown() {
  if (!journal_ || stopped_.exchange(true)) return;  // a failed open has no journal
  std::vector<session::session_actor> live;
  {
    std::lock_guard<std::mutex> lock(directory_->mutex);
    for (auto& [id, entry] : directory_->live) live.push_back(entry.actor);
  }
  {
    caf::scoped_actor self{system_};
    for (auto& actor : live)
      self->request(actor, std::chrono::seconds(30), session::passivate_atom::value)
          .receive([](const v1::Reply&) {}, [](const caf::error&) {});
  }
  journal_->close();
}

}  // namespace souk::runtime
