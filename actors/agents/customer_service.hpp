#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agents/session_client.hpp"
#include "persistence/reference_tables.hpp"
#include "session/errors.hpp"

namespace souk::agents {

/// The CRM: facts about a customer fetched when a conversation needs them (e.g.
/// "prime_member"). Nothing if the CRM does not know.
class customer_service {
 public:
  virtual ~customer_service() = default;
  virtual session::result<std::optional<std::string>> fetch(const std::string& customer_id,
                                                            const std::string& attribute) = 0;
};

/// The CRM as the node's customer records hold it; counts its lookups.
class stored_customer_service final : public customer_service {
 public:
  explicit stored_customer_service(std::shared_ptr<const persistence::reference_tables> tables);
  session::result<std::optional<std::string>> fetch(const std::string& customer_id,
                                                    const std::string& attribute) override;
  uint64_t fetches() const { return fetches_; }

 private:
  std::shared_ptr<const persistence::reference_tables> tables_;
  std::atomic<uint64_t> fetches_{0};
};

/// A customer attribute as the session knows it: the cached value while its TTL runs;
/// otherwise fetched from the CRM and recorded in the session (AttributeFetched) before
/// it is used. Nothing if the CRM does not know — never a guess, never a stale value.
session::result<std::optional<std::string>> customer_attribute(
    session_client& sessions, customer_service& crm, const std::string& session_id,
    const std::string& agent_id, const std::string& attribute, std::chrono::seconds ttl);

}  // namespace souk::agents
