#pragma once

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
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_set<std::string>> holders_;  // topic -> sessions
  std::unordered_map<std::string, std::vector<std::string>> topics_;         // session -> topics
};

}  // namespace souk::runtime
