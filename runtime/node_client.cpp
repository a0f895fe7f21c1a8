#include "runtime/node_client.hpp"

#include <caf/actor_system.hpp>
#include <caf/scoped_actor.hpp>

namespace souk::runtime {
namespace {

v1::Error unreachable(const std::string& session_id, const std::string& why) {
  v1::Error error;
  error.set_code(v1::ERROR_CODE_STORAGE_FAILURE);
  error.set_message("session " + session_id + " did not answer: " + why);
  return error;
}

}  // namespace

node_client::node_client(caf::actor_system& system, node& n, std::chrono::milliseconds timeout)
    : system_(system), node_(n), timeout_(timeout) {}

v1::Reply node_client::run(const v1::Command& command) {
  v1::Reply out;
  // A session that stopped (passivated) between lookup and send drops the request
  // unprocessed, and the next lookup activates a fresh actor: only then is sending again
  // safe. A timeout is not retried: the command may have been applied.
  for (int attempt = 0; attempt < 2; ++attempt) {
    caf::scoped_actor self{system_};
    bool dropped = false;
    self->request(node_.session(command.session_id()), timeout_, session::run_atom::value,
                  command)
        .receive([&](v1::Reply& reply) { out = std::move(reply); },
                 [&](caf::error& error) {
                   dropped = error == caf::sec::request_receiver_down;
                   *out.mutable_error() = unreachable(command.session_id(), system_.render(error));
                 });
    if (!dropped) break;
  }
  return out;
}

v1::StateReply node_client::state(const std::string& session_id) {
  v1::StateReply out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    caf::scoped_actor self{system_};
    bool answered = false;
    self->request(node_.session(session_id), timeout_, session::state_atom::value)
        .receive([&](v1::StateReply& reply) { out = std::move(reply); answered = true; },
                 [&](caf::error& error) {
                   *out.mutable_error() = unreachable(session_id, system_.render(error));
                 });
    if (answered) break;
  }
  return out;
}

v1::Reply node_client::checkpoint(const std::string& session_id) {
  v1::Reply out;
  caf::scoped_actor self{system_};
  self->request(node_.session(session_id), timeout_, session::checkpt_atom::value)
      .receive([&](v1::Reply& reply) { out = std::move(reply); },
               [&](caf::error& error) {
                 *out.mutable_error() = unreachable(session_id, system_.render(error));
               });
  return out;
}

v1::TransferReply node_client::export_transfer(const std::string& session_id,
                                              const std::string& to_agent,
                                              const std::string& reason) {
  v1::TransferReply out;
  caf::scoped_actor self{system_};
  self->request(node_.session(session_id), timeout_, session::export_atom::value, to_agent, reason)
      .receive([&](v1::TransferReply& reply) { out = std::move(reply); },
               [&](caf::error& error) {
                 *out.mutable_error() = unreachable(session_id, system_.render(error));
               });
  return out;
}

}  // namespace souk::runtime
