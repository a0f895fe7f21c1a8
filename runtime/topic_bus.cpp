#include "runtime/topic_bus.hpp"

#include <algorithm>
#include <iterator>

namespace souk::runtime {

void topic_bus::holder_set::insert(const std::string* id) {
  if (many_) {
    many_->insert(id);
  } else if (std::find(few_.begin(), few_.end(), id) == few_.end()) {
    few_.push_back(id);
    if (few_.size() > most_few) {
      many_ = std::make_unique<std::unordered_set<const std::string*>>(few_.begin(), few_.end());
      std::vector<const std::string*>().swap(few_);
    }
  }
}

void topic_bus::holder_set::erase(const std::string* id) {
  if (many_) {
    many_->erase(id);
  } else if (auto it = std::find(few_.begin(), few_.end(), id); it != few_.end()) {
    *it = few_.back();
    few_.pop_back();
  }
}

std::vector<std::string> topic_bus::holder_set::ids() const {
  std::vector<std::string> out;
  if (many_)
    for (const auto* id : *many_) out.push_back(*id);
  for (const auto* id : few_) out.push_back(*id);
  return out;
}

void topic_bus::drop(const std::string& topic, const std::string* id) {
  auto holders = holders_.find(topic);
  if (holders == holders_.end()) return;
  holders->second.erase(id);
  if (holders->second.empty()) holders_.erase(holders);
}

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
  auto& [id, held] = *topics_.try_emplace(session_id).first;
  if (held == topics) return;
  std::vector<std::string> gone, added;
  std::set_difference(held.begin(), held.end(), topics.begin(), topics.end(),
                      std::back_inserter(gone));
  std::set_difference(topics.begin(), topics.end(), held.begin(), held.end(),
                      std::back_inserter(added));
  for (const auto& topic : gone) drop(topic, &id);
  for (const auto& topic : added) holders_[topic].insert(&id);
  held = std::move(topics);
}

void topic_bus::forget(const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = topics_.find(session_id);
  if (it == topics_.end()) return;
  for (const auto& topic : it->second) drop(topic, &it->first);
  topics_.erase(it);
}

std::vector<std::string> topic_bus::holders(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = holders_.find(topic);
  if (it == holders_.end()) return {};
  return it->second.ids();
}

}  // namespace souk::runtime
