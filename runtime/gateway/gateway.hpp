#pragma once

// The HTTP gateway of a node: souk.v1 over HTTP/1.1 as protobuf's JSON mapping. It
// authenticates callers (bearer API keys), checks their scopes (and hands them to the
// session actor, which checks again), turns requests into messages to session actors
// and answers when they reply — an I/O thread never waits on a session or on disk
// writes. Routes: README.md ("HTTP API").
#include <chrono>
#include <memory>
#include <string>

#include <caf/fwd.hpp>

#include "runtime/gateway/api_keys.hpp"
#include "runtime/gateway/http_server.hpp"
#include "runtime/node.hpp"

namespace souk::gateway {

class verifier;

struct gateway_options {
  std::chrono::milliseconds session_timeout{10000};  // handoffs and stream subscriptions
  std::chrono::seconds stream_heartbeat{15};          // SSE comment lines while quiet
  std::size_t max_page = 1000;                        // events per history page
  std::size_t relays = 4;  // actors relaying requests to sessions
};

class gateway final : public request_handler {
 public:
  /// `node` and `verifier` (may be null) outlive the gateway.
  gateway(caf::actor_system& system, runtime::node& node, api_keys keys,
          verifier* verifier, gateway_options options = {});
  ~gateway() override;
  void handle(http_request request, std::shared_ptr<responder> respond) override;
  void refused(unsigned status, std::string_view code, std::string_view why) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The page served at GET /viewer (runtime/gateway/viewer.html, compiled in).
extern const char* const viewer_html;

}  // namespace souk::gateway
