#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "session/errors.hpp"
#include "souk/v1/commands.pb.h"
#include "souk/v1/reference.pb.h"
#include "souk/v1/state.pb.h"

namespace souk::agents {

/// What an agent may look up about the shop while deciding. Threading: const calls
/// from any thread.
class catalog {
 public:
  virtual ~catalog() = default;
  virtual const std::vector<v1::Product>& products() const = 0;
  virtual std::optional<v1::Product> product(const std::string& sku) const = 0;
  /// Units available; nothing if not stock-tracked.
  virtual std::optional<int64_t> stock(const std::string& sku,
                                       const std::string& variant_id) const = 0;
};

/// What a brain makes of one customer message: the commands to run, in order (bodies
/// only; the agent fills in ids), what to answer, and the decision to record.
struct turn_plan {
  std::vector<v1::Command> commands;
  std::string reply;
  v1::RecordDecision decision;
};

/// Turns a customer's message, in the context of the session's state, into a plan.
/// Implementations: rule_brain (deterministic, below) and an OpenAI-compatible one.
class brain {
 public:
  virtual ~brain() = default;
  virtual session::result<turn_plan> plan(const v1::SessionState& state,
                                          const std::string& message) = 0;
  /// Whether planning leaves the process (a model behind the network): agents then
  /// make the session durable as a snapshot first.
  virtual bool slow() const { return false; }
};

/// A deterministic brain with a small grammar against the catalog:
/// "show me the trail jacket", "do you have it in blue?", "in size L", "add two",
/// "apply MARCH10", "ship to 1 Main St, Springfield, US", "check out". Anything else
/// gets a fallback answer (recorded as such). Every plan carries its reason.
class rule_brain final : public brain {
 public:
  explicit rule_brain(std::shared_ptr<const catalog> shop);
  session::result<turn_plan> plan(const v1::SessionState& state,
                                  const std::string& message) override;

 private:
  std::shared_ptr<const catalog> shop_;
};

}  // namespace souk::agents
