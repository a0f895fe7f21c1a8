#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "agents/session_client.hpp"
#include "session/errors.hpp"
#include "souk/v1/common.pb.h"

namespace souk::agents {

struct payment_outcome {
  bool authorized = false;
  std::string provider_reference;  // when authorized
  std::string failure_reason;      // when not
};

/// Charges a customer. Every call carries an idempotency key (souk derives it from the
/// session and seq of the PaymentInitiated event): asked twice with one key, a provider
/// must answer the same and charge once — that is what makes a resume after a crash safe.
class payment_provider {
 public:
  virtual ~payment_provider() = default;
  virtual session::result<payment_outcome> authorize(const std::string& idempotency_key,
                                                     const v1::Money& amount) = 0;
};

/// A stand-in for a card processor: configurable latency and failure rate (seeded, so
/// runs repeat), keys that must fail, idempotent by key, and a count of real charges.
class simulated_payment_provider final : public payment_provider {
 public:
  struct options {
    std::chrono::milliseconds latency{0};
    double failure_rate = 0.0;
    uint64_t seed = 1;
  };
  explicit simulated_payment_provider(options opts);

  session::result<payment_outcome> authorize(const std::string& idempotency_key,
                                             const v1::Money& amount) override;
  /// The next authorization with this key is declined.
  void decline(const std::string& idempotency_key);
  /// Distinct keys charged (authorized) so far.
  std::size_t charges() const;

 private:
  options opts_;
  mutable std::mutex mutex_;
  std::mt19937_64 random_;
  std::map<std::string, payment_outcome> answered_;
  std::set<std::string> to_decline_;
};

/// The payment agent: settles a session's pending payment with the provider and records
/// the result; on a decline the session rolls back to what the customer last confirmed
/// and the agent tells the customer on `channel`.
class payment_agent {
 public:
  payment_agent(std::string agent_id, payment_provider& provider, session_client& sessions);

  /// What settle() did.
  struct settled {
    bool had_pending = false;
    bool authorized = false;
    std::string message;  // what the customer was told, if anything
  };
  session::result<settled> settle(const std::string& session_id, const std::string& channel);

 private:
  v1::Command command(const std::string& session_id, const std::string& what);

  std::string agent_id_;
  payment_provider& provider_;
  session_client& sessions_;
};

}  // namespace souk::agents
