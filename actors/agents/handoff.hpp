#pragma once

#include <string>

#include "agents/session_client.hpp"
#include "session/context.hpp"
#include "session/errors.hpp"
#include "session/transfer.hpp"
#include "souk/v1/transfer.pb.h"

namespace souk::agents {

struct handoff_result {
  bool accepted = false;
  std::string message;  // for the customer: a greeting, or why the handoff failed
  v1::Error error;      // when refused: why, with a stable code (INVALID_TRANSFER, ...)
};

/// Who takes a session over, and who asks.
struct handoff_terms {
  std::string receiving_agent;  // must be the transfer's to_agent_id
  // The authenticated identity that asks (over HTTP, the caller's key): it is the agent
  // recorded on the handoff's event. Only when it is the receiving agent itself does it
  // greet the customer, in its own name.
  std::string acting_agent;
  std::string channel = "email";  // where the greeting goes
};

/// The receiving side of a handoff: validates `transfer` against today's shop (ctx),
/// its MAC against `keys` and, when given, its state against `recorded` (the journal's
/// state of the session at the transfer's version); if it holds, takes the session over
/// (HandOff, recording the transfer's checksum). A transfer that fails validation —
/// tampered, unsigned, unknown contract, prices or stock that no longer hold — changes
/// nothing.
handoff_result accept_handoff(const v1::StateTransfer& transfer, const handoff_terms& terms,
                              const session::context& ctx, const session::transfer_keys& keys,
                              session_client& sessions,
                              const v1::SessionState* recorded = nullptr);

/// A specialist: the sizing agent. Takes sessions over by handoff and advises a size
/// from what the customer told (preferences) and the product in focus.
class sizing_specialist {
 public:
  sizing_specialist(std::string agent_id, std::string channel, const session::context& ctx,
                    const session::transfer_keys& keys, session_client& sessions);
  handoff_result take_over(const v1::StateTransfer& transfer);
  /// Records its advice as a decision and says it; an error if the session is unreachable.
  session::result<std::string> advise(const std::string& session_id);

 private:
  std::string agent_id_, channel_;
  const session::context& ctx_;
  const session::transfer_keys& keys_;
  session_client& sessions_;
  uint64_t commands_ = 0;
};

}  // namespace souk::agents
