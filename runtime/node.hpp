#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <caf/fwd.hpp>

#include "agents/inventory_sync.hpp"
#include "persistence/journal.hpp"
#include "runtime/metrics.hpp"
#include "runtime/topic_bus.hpp"
#include "runtime/transition_log.hpp"
#include "persistence/reference_tables.hpp"
#include "session/session_actor.hpp"
#include "session/stored_context.hpp"

namespace souk::runtime {

using persistence::result;

struct node_options {
  std::string data_dir = "data";
  std::string node_id = "node-1";
  uint64_t snapshot_every = 100;
  std::chrono::milliseconds idle_timeout{std::chrono::hours(1)};
  std::size_t max_live_sessions = 100000;  // beyond it, the least recently used passivate
  /// Zeros the journal keeps written past its end (journal::options::written_ahead).
  std::size_t journal_written_ahead = 0;
  /// Where every durable transition is logged (JSON lines); none when null. Not owned:
  /// outlives the node.
  transition_log* log = nullptr;
  /// Keys that seal and check StateTransfers, "ID:HEX" (runtime/transfer_keys.hpp); the
  /// data directory's own key is always added.
  std::vector<std::string> transfer_keys;
};

/// Which node owns a session. This build has one node, so the answer is always "here";
/// the cluster fills this in.
class placement {
 public:
  virtual ~placement() = default;
  virtual bool is_local(const std::string& session_id) const = 0;
};

class single_node_placement final : public placement {
 public:
  bool is_local(const std::string&) const override { return true; }
};

/// A node: the journal and reference data of one data directory, and the directory of
/// live session actors — exactly one per session id, activated on first use,
/// forgotten when it stops (passivation after idle or under the live-session cap,
/// or a failure), so that the next use activates a fresh one from disk.
/// Threading: session() may be called from any thread.
class node final : public agents::stock_publisher {
 public:
  static result<std::unique_ptr<node>> open(caf::actor_system& system, node_options options);
  ~node() override;  // shutdown()

  /// The live actor of a session, activating it if needed.
  session::session_actor session(const std::string& session_id);
  /// The actor of a session if it is live now; never activates one.
  std::optional<session::session_actor> live_session(const std::string& session_id) const;
  std::size_t live_sessions() const;
  /// Passivates every live session (final snapshots) and waits for them, then closes
  /// the journal. Acknowledged changes are on disk before it returns. Afterwards the
  /// node only answers questions about its journal: session() must not be called.
  void shutdown();

  /// Upstream changes: stored in the reference tables, then sent to exactly the live
  /// sessions that hold the item (ReconcileStock / RevalidateDiscounts as `agent_id`).
  /// Passivated sessions catch up when they are activated. Returns how many sessions
  /// were told.
  result<std::size_t> publish_stock(const v1::StockLevel& level,
                                    const std::string& agent_id) override;
  result<std::size_t> publish_discount(const v1::DiscountRule& rule, const std::string& agent_id);
  /// A CRM update: stored, then each live session of that customer records the
  /// record's attributes afresh (RecordAttribute, source "crm").
  result<std::size_t> publish_customer(const v1::CustomerRecord& customer,
                                       const std::string& agent_id);

  node_metrics& metrics() { return *metrics_; }
  transition_log* log() { return options_.log; }

  topic_bus& bus() { return *bus_; }
  /// The context sessions decide in (reference data, clock, ids); agents validating a
  /// handoff check against the same.
  const session::context& context() const { return *context_; }
  /// The keys this node seals exported transfers with and checks received ones by.
  const session::transfer_keys& transfer_keys() const { return transfer_keys_; }
  persistence::journal& journal() { return *journal_; }
  persistence::reference_tables& reference() { return *reference_; }
  const node_options& options() const { return options_; }

 private:
  struct directory;
  class session_hooks;
  node(caf::actor_system& system, node_options options);
  /// Stores an upstream change, then sends every live session holding `topic` each of
  /// `bodies` (commands with only a body) as `agent_id` with `scope`. How many were told.
  result<std::size_t> store_and_tell(const v1::ReferenceRecord& record, const std::string& topic,
                                     const std::string& agent_id, std::string_view scope,
                                     const std::vector<v1::Command>& bodies);

  caf::actor_system& system_;
  node_options options_;
  std::unique_ptr<persistence::journal> journal_;
  std::shared_ptr<persistence::reference_tables> reference_;
  std::unique_ptr<session::stored_context> context_;
  session::transfer_keys transfer_keys_;
  std::shared_ptr<directory> directory_;  // its sessions' hooks hold it weakly
  std::shared_ptr<node_metrics> metrics_;  // shared with the hooks of actors and journal
  std::shared_ptr<topic_bus> bus_ = std::make_shared<topic_bus>();
  std::shared_ptr<session_hooks> hooks_;  // every session's listener
  std::atomic<uint64_t> published_ = 0;
  std::atomic<bool> stopped_{false};
};

}  // namespace souk::runtime
