#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "souk/v1/state.pb.h"

namespace souk::runtime {

/// Who holds what: each live session is subscribed to the skus in its cart, the
/// discount codes applied to it and its customer id, so that an outside change reaches
/// exactly the sessions it affects.
/// Threading: all members may be called from any thread.
class topic_bus {
 public:
  static std::string sku_topic(const std::string& sku) { return "sku:" + sku; }
  static std::string code_topic(const std::string& code) { return "code:" + code; }
  static std::string customer_topic(const std::string& id) { return "customer:" + id; }

  /// Replaces the session's subscriptions with what `state` holds.
  void track(const std::string& session_id, const v1::SessionState& state);
  void forget(const std::string& session_id);
  std::vector<std::string> holders(const std::string& topic) const;

 private:
  // A topic's holders, by the address of their id in `topics_` (a map's keys stay put
  // while the session is tracked): a few in a vector, as most topics have (a customer,
  // a code), a hash set once one (a popular sku) has many. A set per topic and a copy
  // of the id per holder were ~0.3 KB of each live session.
  class holder_set {
   public:
    void insert(const std::string* id);
    void erase(const std::string* id);
    bool empty() const { return few_.empty() && (!many_ || many_->empty()); }
    std::vector<std::string> ids() const;

   private:
    static constexpr std::size_t most_few = 16;
    std::vector<const std::string*> few_;
    std::unique_ptr<std::unordered_set<const std::string*>> many_;  // then `few_` is empty
  };
  // Stops `id` holding `topic`; a topic nobody holds is dropped.
  void drop(const std::string& topic, const std::string* id);

  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::vector<std::string>> topics_;  // session -> topics, sorted
  std::unordered_map<std::string, holder_set> holders_;              // topic -> sessions
};

}  // namespace souk::runtime
