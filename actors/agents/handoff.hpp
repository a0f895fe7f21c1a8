#pragma once

#include <string>

#include "agents/session_client.hpp"
#include "session/context.hpp"
#include "session/errors.hpp"
#include "souk/v1/transfer.pb.h"

namespace souk::agents {

struct handoff_result {
  bool accepted = false;
  std::string message;  // for the customer: a greeting, or why the handoff failed
};

/// The receiving side of a handoff: validates `transfer` against today's shop (ctx)
/// and, if it holds, takes the session over (HandOff, recording the transfer's
/// checksum) and greets the customer on `channel`. A transfer that fails validation —
/// tampered, unknown contract, prices or stock that no longer hold — changes nothing.
handoff_result accept_handoff(const v1::StateTransfer& transfer, const std::string& agent_id,
                              const std::string& channel, const session::context& ctx,
                              session_client& sessions);

/// A specialist: the sizing agent. Takes sessions over by handoff and advises a size
/// from what the customer told (preferences) and the product in focus.
class sizing_specialist {
 public:
  sizing_specialist(std::string agent_id, std::string channel, const session::context& ctx,
                    session_client& sessions);
  handoff_result take_over(const v1::StateTransfer& transfer);
  /// Records its advice as a decision and says it; an error if the session is unreachable.
  session::result<std::string> advise(const std::string& session_id);

 private:
  std::string agent_id_, channel_;
  const session::context& ctx_;
  session_client& sessions_;
  uint64_t commands_ = 0;
};

}  // namespace souk::agents
