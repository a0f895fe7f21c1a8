#include "runtime/topic_bus.hpp"

#include <algorithm>

namespace souk::runtime {

void topic_bus::track(const std::string& session_id, const v1::SessionState& state) {
  std::vector<std::string> topics;
  for (const auto& line : state.cart().lines()) topics.push_back(sku_topic(line.sku()));
  for (const auto& discount : state.cart().discounts())
    topics.push_back(code_topic(discount.code()));
  if (!state.customer().customer_id().empty())
    topics.push_back(customer_topic(state.customer().customer_id()));
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  std::lock_guard<std::mutex> lock(mutex_);
  auto& held = topics_[session_id];
  if (held == topics) return;
  for (const auto& topic : held) holders_[topic].erase(session_id);
  for (const auto& topic : topics) holders_[topic].insert(session_id);
  held = std::move(topics);
}

void topic_bus::forget(const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = topics_.find(session_id);
  if (it == topics_.end()) return;
  for (const auto& topic : it->second) {
    auto holders = holders_.find(topic);
    holders->second.erase(session_id);
    if (holders->second.empty()) holders_.erase(holders);
  }
  topics_.erase(it);
}

std::vector<std::string> topic_bus::holders(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = holders_.find(topic);
  if (it == holders_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

}  // namespace souk::runtime
