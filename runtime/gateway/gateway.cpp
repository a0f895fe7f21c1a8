#include "runtime/gateway/gateway.hpp"

#include <map>
#include <unordered_map>
#include <random>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>

#include "agents/handoff.hpp"
#include "runtime/gateway/event_stream.hpp"
#include "runtime/gateway/http_codec.hpp"
#include "runtime/gateway/verifier.hpp"
#include "runtime/inspect.hpp"
#include "runtime/node_client.hpp"
#include "session/scopes.hpp"
#include "session/ulid.hpp"
#include "session/validate.hpp"
#include "souk/clock.hpp"
#include "souk/v1/api.pb.h"

namespace souk::gateway {

// Work for a relay actor: it runs on the relay, which keeps the requests it sends.
struct relay_job {
  std::function<void(caf::event_based_actor*)> run;
};

}  // namespace souk::gateway

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(souk::gateway::relay_job)

namespace souk::gateway {
namespace {

namespace http = boost::beast::http;
using session::scope::session_read;
using session::scope::session_write;

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// A request's route with its ids left out ("/v1/sessions/{id}/commands"): what a
// refusal is logged under, so that no id a caller typed reaches the log.
std::string route_of(const std::vector<std::string>& path) {
  static const char* const known[] = {"healthz", "metrics", "viewer",    "v1",   "sessions",
                                      "commands", "events", "handoff",   "diff", "verify",
                                      "transfer", "transfers", "inventory", "discounts",
                                      "customers"};
  std::string route;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const bool id = i == 2 && path.size() > 2 && path[0] == "v1" &&
                    (path[1] == "sessions" || path[1] == "customers");
    bool word = false;
    for (const char* k : known) word = word || path[i] == k;
    route += "/";
    route += id ? "{id}" : word ? path[i] : "{other}";
  }
  return route.empty() ? "/" : route;
}

}  // namespace

struct gateway::impl {
  caf::actor_system& system;
  runtime::node& node;
  api_keys keys;
  verifier* checker;
  gateway_options options;
  std::mt19937_64 random{std::random_device{}()};
  std::mutex random_mutex;

  // The JSON of each session's state as last read, by version. A state at a version
  // never changes, and an acknowledged command's version is in the journal before its
  // reply: a read whose durable version matches the cached one may skip the actor.
  struct cached_state {
    uint64_t version = 0;
    std::shared_ptr<const std::string> json;  // shared: copied outside the lock
  };
  static constexpr std::size_t state_cache_limit = 20000;
  std::mutex cache_mutex;
  std::unordered_map<std::string, cached_state> state_cache;

  std::shared_ptr<const std::string> cached(const std::string& id, uint64_t version) {
    std::lock_guard<std::mutex> lock(cache_mutex);
    auto it = state_cache.find(id);
    if (it == state_cache.end() || it->second.version != version) return nullptr;
    return it->second.json;
  }
  void remember(const std::string& id, uint64_t version, const std::string& json) {
    auto shared = std::make_shared<const std::string>(json);
    std::lock_guard<std::mutex> lock(cache_mutex);
    if (state_cache.size() >= state_cache_limit && !state_cache.count(id)) state_cache.clear();
    state_cache[id] = {version, std::move(shared)};
  }

  // Long-lived actors that send the gateway's requests to sessions and take their
  // replies (one per scheduler thread; spawning one per request cost more).
  std::vector<caf::actor> relays;
  std::atomic<std::size_t> next_relay{0};

  impl(caf::actor_system& s, runtime::node& n, api_keys k, verifier* v, gateway_options o)
      : system(s), node(n), keys(std::move(k)), checker(v), options(o) {
    for (std::size_t i = 0; i < std::max<std::size_t>(1, options.relays); ++i)
      relays.push_back(system.spawn([](caf::event_based_actor* self) -> caf::behavior {
        return {[self](relay_job& job) { job.run(self); }};
      }));
  }
  // Stops the relays and waits until they are gone: no reply handler runs afterwards.
  ~impl() {
    caf::scoped_actor self{system};
    for (auto& relay : relays) {
      self->monitor(relay);
      self->send_exit(relay, caf::exit_reason::user_shutdown);
      self->receive([](const caf::down_msg&) {});
    }
  }

  // One exchange: the request, who made it, and the way back.
  struct exchange {
    http_request request;
    std::shared_ptr<responder> out;
    identity who;
    target where;
  };
  using exchange_ptr = std::shared_ptr<exchange>;

  void reply(const exchange& x, unsigned status, std::string body) {
    x.out->reply(json_response(x.request, status, std::move(body)));
  }
  void reply(const exchange& x, const google::protobuf::Message& message) {
    reply(x, 200, to_json(message));
  }

  // Every refusal is counted and logged (by the caller's identity, never its key).
  void refuse(const exchange& x, v1::Error error) {
    auto status = status_of(error.code());
    auto& m = node.metrics();
    switch (status) {
      case 401: m.refused_unauthenticated.add(); break;
      case 403: m.refused_forbidden.add(); break;
      case 409: m.conflicts.add(); break;
      case 422: m.refused_rule.add(); break;
      case 400: case 413: m.bad_requests.add(); break;
      case 503: m.overloaded.add(); break;
      default: break;
    }
    // Logged by code and field, never by message: a message may quote what the caller
    // sent (an address, a card number typed as a discount code).
    if (auto* log = node.log())
      log->refusal(static_cast<int>(status), x.who.agent_id.empty() ? "-" : x.who.agent_id,
                   std::string(x.request.method_string()), route_of(x.where.path),
                   v1::ErrorCode_Name(error.code()), error.field());
    reply(x, status, to_json(error));
  }
  void refuse(const exchange& x, v1::ErrorCode code, std::string message, uint64_t version = 0) {
    refuse(x, session::make_error(code, std::move(message), version));
  }
  // 400 for `field` of the request (a path segment, a query parameter, a header).
  void invalid(const exchange& x, std::string field, std::string message) {
    auto error = session::make_error(v1::ERROR_CODE_INVALID_ARGUMENT, std::move(message));
    error.set_field(std::move(field));
    refuse(x, std::move(error));
  }
  // Whether query parameter `name`, if given, is an identifier; refuses it if not.
  bool identifier_parameter(const exchange& x, const std::string& name) {
    auto it = x.where.query.find(name);
    if (it == x.where.query.end() || session::valid_identifier(it->second)) return true;
    invalid(x, name, "?" + name + " must be at most 128 bytes of UTF-8 without control characters");
    return false;
  }

  bool allowed(const exchange& x, std::string_view scope) {
    if (x.who.may(scope)) return true;
    refuse(x, v1::ERROR_CODE_PERMISSION_DENIED,
           "agent '" + x.who.agent_id + "' may not do this: it needs scope " + std::string(scope));
    return false;
  }

  // Sends `args` to the session's actor and hands its reply (type R) to `done`, from a
  // relay actor, so that no I/O thread waits. A session that stopped between lookup
  // and send is looked up (activated) once more. No CAF time-out: the HTTP server
  // answers 503 if this takes longer than its handler_timeout.
  template <class R, class Done, class... Ts>
  void ask(exchange_ptr x, const std::string& session_id, Done done, Ts... args) {
    relay_job job{[this, x, session_id, done, args...](caf::event_based_actor* self) {
      auto fail = [this, x, session_id](const caf::error& error) {
        refuse(*x, v1::ERROR_CODE_OVERLOADED,
               "session " + session_id + " did not answer: " + system.render(error));
      };
      self->request(node.session(session_id), caf::infinite, args...)
          .then([done](R& reply) { done(std::move(reply)); },
                [this, self, session_id, done, fail, args...](caf::error& error) {
                  if (error != caf::sec::request_receiver_down) return fail(error);
                  self->request(node.session(session_id), caf::infinite, args...)
                      .then([done](R& reply) { done(std::move(reply)); },
                            [fail](caf::error& again) { fail(again); });
                });
    }};
    caf::anon_send(relays[next_relay++ % relays.size()], std::move(job));
  }

  // Blocking work (LMDB writes, a handoff's several steps) on its own thread, joined by
  // the actor system at shutdown.
  template <class F>
  void offload(F work) {
    system.spawn<caf::detached>([work]() mutable { work(); });
  }

  std::string new_command_id() {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count();
    std::lock_guard<std::mutex> lock(random_mutex);
    return "http-" + session::make_ulid(static_cast<uint64_t>(ms),
                                        static_cast<uint16_t>(random()), random());
  }

  void handle(exchange_ptr x);
  void run_command(exchange_ptr x, const std::string& id);
  void send_command(exchange_ptr x, v1::Command command, bool may_resend);
  void get_state(exchange_ptr x, const std::string& id);
  void get_events(exchange_ptr x, const std::string& id);
  void stream_events(exchange_ptr x, const std::string& id, uint64_t after);
  void handoff(exchange_ptr x, const std::string& id);
  void take_over(const exchange_ptr& x, const v1::StateTransfer& transfer,
                 const agents::handoff_terms& terms);
  void list_sessions(exchange_ptr x);
  template <class M, class Publish>
  void publish(exchange_ptr x, std::string_view scope, Publish publish_fn);
};

gateway::gateway(caf::actor_system& system, runtime::node& node, api_keys keys,
                 verifier* checker, gateway_options options)
    : impl_(std::make_unique<impl>(system, node, std::move(keys), checker, options)) {}

gateway::~gateway() = default;

void gateway::handle(http_request request, std::shared_ptr<responder> respond) {
  auto x = std::make_shared<impl::exchange>();
  x->where = parse_target(sv(request.target()));
  x->request = std::move(request);
  x->out = std::move(respond);
  impl_->node.metrics().http_requests.add();
  impl_->handle(std::move(x));
}

// `why`, the server's own words, is left out of the log like every message.
void gateway::refused(unsigned status, std::string_view code, std::string_view /*why*/) {
  auto& m = impl_->node.metrics();
  if (status == 400 || status == 413 || status == 431) m.bad_requests.add();
  else m.overloaded.add();
  if (auto* log = impl_->node.log()) log->refusal(static_cast<int>(status), "-", "-", "-", code, "");
}

void gateway::impl::handle(exchange_ptr x) {
  const auto& path = x->where.path;
  const auto method = x->request.method();
  // HEAD is GET without the body (the server leaves it out).
  const bool get = method == http::verb::get || method == http::verb::head,
             post = method == http::verb::post;
  // Open: health, metrics (no personal data) and the viewer page (it asks for a key).
  if (path.size() == 1 && path[0] == "healthz" && get) {
    v1::Health health;
    health.set_status("ok");
    health.set_node_id(node.options().node_id);
    health.set_live_sessions(node.live_sessions());
    return reply(*x, health);
  }
  if (path.size() == 1 && path[0] == "metrics" && get) {
    http_response res{http::status::ok, x->request.version()};
    res.set(http::field::content_type, "text/plain; version=0.0.4");
    res.keep_alive(x->request.keep_alive());
    res.body() = node.metrics().render();
    res.prepare_payload();
    return x->out->reply(std::move(res));
  }
  if (path.size() == 1 && path[0] == "viewer" && get) {
    http_response res{http::status::ok, x->request.version()};
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.keep_alive(x->request.keep_alive());
    res.body() = viewer_html;
    res.prepare_payload();
    return x->out->reply(std::move(res));
  }
  if (path.empty() || path[0] != "v1")
    return refuse(*x, v1::ERROR_CODE_NOT_FOUND, "no such resource: " +
                                                    std::string(x->request.target()));

  auto who = keys.authenticate(sv(x->request[http::field::authorization]));
  if (!who) {
    const bool none = x->request[http::field::authorization].empty();
    x->request.set(http::field::authorization, "");  // never kept, never logged
    return refuse(*x, v1::ERROR_CODE_UNAUTHENTICATED,
                  none ? "this needs an API key: Authorization: Bearer <key>"
                       : "the API key is not one this node knows");
  }
  x->who = std::move(*who);

  auto wrong_method = [&](const char* allowed) {
    refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT,
           std::string(x->request.method_string()) + " is not allowed here; use " + allowed);
  };
  if (path.size() >= 2 && path[1] == "sessions") {
    if (path.size() == 2) return get ? list_sessions(x) : wrong_method("GET");
    const auto& id = path[2];
    if (!session::valid_session_id(id))
      return invalid(*x, "sessionId",
                     "a session id is 1-128 characters of letters, digits, '-', '_', '.', ':'");
    if (path.size() == 3) return get ? get_state(x, id) : wrong_method("GET");
    if (path.size() == 4 && path[3] == "commands") return post ? run_command(x, id) : wrong_method("POST");
    if (path.size() == 4 && path[3] == "events") return get ? get_events(x, id) : wrong_method("GET");
    if (path.size() == 4 && path[3] == "handoff") return post ? handoff(x, id) : wrong_method("POST");
    if (path.size() == 4 && path[3] == "diff") {
      if (!get) return wrong_method("GET");
      if (!allowed(*x, session_read)) return;
      auto now = now_timestamp();
      auto from = runtime::parse_point(x->where.query["from"], now);
      auto to = x->where.query.count("to") ? runtime::parse_point(x->where.query["to"], now)
                                           : session::result<runtime::history_point>(
                                                 runtime::history_point{node.journal().version(id)});
      if (!from) return refuse(*x, from.error());
      if (!to) return refuse(*x, to.error());
      auto d = runtime::diff(node.journal(), id, *from, *to);
      return d ? reply(*x, *d) : refuse(*x, d.error());
    }
    if (path.size() == 4 && path[3] == "verify") {
      if (!get) return wrong_method("GET");
      if (!allowed(*x, session_read)) return;
      if (!checker) return refuse(*x, v1::ERROR_CODE_NOT_FOUND, "this node runs no verifier");
      return offload([this, x, id] {
        auto report = checker->check(id);
        report ? reply(*x, *report) : refuse(*x, report.error());
      });
    }
    if (path.size() == 4 && path[3] == "transfer") {
      if (!get) return wrong_method("GET");
      if (!allowed(*x, session_read)) return;
      if (!identifier_parameter(*x, "to")) return;
      if (!session::valid_text(x->where.query["reason"], 4096))
        return invalid(*x, "reason", "?reason must be at most 4096 bytes of text");
      if (node.journal().version(id) == 0)
        return refuse(*x, v1::ERROR_CODE_NOT_FOUND, "no session " + id);
      return ask<v1::TransferReply>(
          x, id,
          [this, x](v1::TransferReply r) {
            r.has_transfer() ? reply(*x, r.transfer()) : refuse(*x, r.error());
          },
          session::export_atom::value, x->where.query["to"], x->where.query["reason"]);
    }
    return refuse(*x, v1::ERROR_CODE_NOT_FOUND, "no such resource: " +
                                                    std::string(x->request.target()));
  }
  if (path.size() == 2 && path[1] == "transfers") {
    // A StateTransfer exported elsewhere (soukctl export): validated, then taken over
    // for the agent it is addressed to. The caller is the one recorded as acting.
    if (!post) return wrong_method("POST");
    if (!allowed(*x, session_write)) return;
    v1::StateTransfer transfer;
    if (auto error = from_json(x->request.body(), transfer))
      return refuse(*x, *error);
    return offload([this, x, transfer] {
      const auto& p = transfer.payload();
      agents::handoff_terms terms{p.to_agent_id(), x->who.agent_id, "email"};
      take_over(x, transfer, terms);
    });
  }
  if (path.size() == 2 && path[1] == "inventory") {
    if (!post) return wrong_method("POST");
    return publish<v1::StockLevel>(x, session::scope::inventory_publish, [this](const v1::StockLevel& l, const identity& w) -> session::result<std::size_t> {
      if (l.sku().empty())
        return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT, "a stock level needs a sku");
      return node.publish_stock(l, w.agent_id);
    });
  }
  if (path.size() == 2 && path[1] == "discounts") {
    if (!post) return wrong_method("POST");
    return publish<v1::DiscountRule>(x, session::scope::inventory_publish, [this](const v1::DiscountRule& r, const identity& w) -> session::result<std::size_t> {
      if (r.code().empty())
        return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT, "a discount rule needs a code");
      return node.publish_discount(r, w.agent_id);
    });
  }
  if (path.size() == 3 && path[1] == "customers") {
    if (!post) return wrong_method("POST");
    auto id = path[2];
    if (id.empty() || !session::valid_identifier(id))
      return invalid(*x, "customerId",
                     "a customer id is 1-128 bytes of UTF-8 without control characters, "
                     "not \".\" or \"..\"");
    return publish<v1::CustomerRecord>(x, session::scope::customer_publish, [this, id](v1::CustomerRecord c, const identity& w) -> session::result<std::size_t> {
      if (!c.customer_id().empty() && c.customer_id() != id)
        return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                             "the body's customerId is not the path's");
      c.set_customer_id(id);
      return node.publish_customer(c, w.agent_id);
    });
  }
  refuse(*x, v1::ERROR_CODE_NOT_FOUND, "no such resource: " + std::string(x->request.target()));
}

void gateway::impl::run_command(exchange_ptr x, const std::string& id) {
  v1::Command command;
  if (auto error = from_json(x->request.body(), command))
    return refuse(*x, *error);
  if (command.body_case() == v1::Command::BODY_NOT_SET)
    return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT,
                  "the command has no body: give one of startSession, addToCart, ...");
  if (!command.session_id().empty() && command.session_id() != id)
    return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT,
                  "the body's sessionId '" + command.session_id() + "' is not the path's '" + id + "'");
  if (!command.agent_id().empty() && command.agent_id() != x->who.agent_id)
    return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT,
                  "the body's agentId '" + command.agent_id() + "' is not the caller's ('" +
                      x->who.agent_id + "'): the API key says who is acting");
  if (command.scopes_size() > 0)
    return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT,
                  "scopes come from the API key, not from the body");
  if (auto match = x->request[http::field::if_match]; !match.empty()) {
    std::string v(match);
    if (v.rfind("W/", 0) == 0) v = v.substr(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    auto version = parse_u64(v);
    if (!version)
      return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT,
                    "If-Match must be a session version, e.g. If-Match: \"3\"");
    if (command.has_expected_version() && command.expected_version() != *version)
      return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT,
                    "If-Match and expectedVersion disagree");
    command.set_expected_version(*version);
  }
  command.set_session_id(id);
  command.set_agent_id(x->who.agent_id);
  for (const auto& s : x->who.scopes) command.add_scopes(s);
  if (command.command_id().empty()) command.set_command_id(new_command_id());
  // The session checks the scopes too; refusing here spares it the message.
  if (!allowed(*x, session::required_scope(command))) return;
  send_command(x, std::move(command), true);
}

// Straight to the session, whose reply comes back through a callback on its thread: no
// relay, two fewer messages per request. A session that stopped before taking the
// message drops it; then it is sent once more, to the actor the node activates anew.
void gateway::impl::send_command(exchange_ptr x, v1::Command command, bool may_resend) {
  auto actor = node.session(command.session_id());
  session::reply_callback reply(
      [this, x](v1::Reply r) {
        if (r.has_error()) return refuse(*x, r.error());
        auto res = json_response(x->request, 200, to_json(r.accepted()));
        res.set(http::field::etag, "\"" + std::to_string(r.accepted().version()) + "\"");
        x->out->reply(std::move(res));
      },
      [this, x, command, may_resend] {
        if (may_resend) return send_command(x, command, false);
        refuse(*x, v1::ERROR_CODE_OVERLOADED,
               "session " + command.session_id() + " stopped twice before taking the command");
      });
  caf::anon_send(actor, session::run_atom::value, std::move(command), std::move(reply));
}

void gateway::impl::get_state(exchange_ptr x, const std::string& id) {
  if (!allowed(*x, session_read)) return;
  auto& q = x->where.query;
  if (q.count("version") || q.count("at")) {
    if (q.count("version") && q.count("at"))
      return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT, "give ?version=N or ?at=TIME, not both");
    auto point = q.count("version")
                     ? (parse_u64(q["version"]) ? session::result<runtime::history_point>(
                                                      runtime::history_point{*parse_u64(q["version"])})
                                                : session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                                                                "?version must be a number"))
                     : runtime::parse_point(q["at"], now_timestamp());
    if (!point) return refuse(*x, point.error());
    auto state = runtime::state_at(node.journal(), id, *point);
    return state ? reply(*x, *state) : refuse(*x, state.error());
  }
  // A session exists once its first event is durable (a refused command may have
  // activated an actor for a session that never started).
  const uint64_t durable = node.journal().version(id);
  if (durable == 0) return refuse(*x, v1::ERROR_CODE_NOT_FOUND, "no session " + id);
  auto answer = [x](uint64_t version, std::string json) {
    auto res = json_response(x->request, 200, std::move(json));
    res.set(http::field::etag, "\"" + std::to_string(version) + "\"");
    x->out->reply(std::move(res));
  };
  if (auto json = cached(id, durable)) return answer(durable, *json);
  ask<v1::StateReply>(
      x, id,
      [this, x, id, answer](v1::StateReply r) {
        if (r.has_error()) return refuse(*x, r.error());
        auto json = to_json(r.state());
        remember(id, r.state().version(), json);
        answer(r.state().version(), std::move(json));
      },
      session::state_atom::value);
}

void gateway::impl::get_events(exchange_ptr x, const std::string& id) {
  if (!allowed(*x, session_read)) return;
  auto& q = x->where.query;
  uint64_t after = 0;
  if (q.count("after")) {
    auto n = parse_u64(q["after"]);
    if (!n) return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT, "?after must be a number");
    after = *n;
  }
  const bool stream =
      x->request.method() == http::verb::get &&
      x->request[http::field::accept].find("text/event-stream") != boost::string_view::npos;
  if (stream) {
    if (auto last = x->request["Last-Event-ID"]; !last.empty()) {
      auto n = parse_u64(std::string(last));
      if (!n) return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT, "Last-Event-ID must be a seq");
      after = *n;
    }
    return stream_events(x, id, after);
  }
  std::size_t limit = options.max_page;
  if (q.count("limit")) {
    auto n = parse_u64(q["limit"]);
    if (!n || *n == 0) return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT, "?limit must be 1 or more");
    limit = std::min<std::size_t>(*n, options.max_page);
  }
  const uint64_t version = node.journal().version(id);
  if (version == 0) return refuse(*x, v1::ERROR_CODE_NOT_FOUND, "no session " + id);
  v1::EventPage page;
  page.set_version(version);
  if (after < version) {
    auto events = node.journal().events(id, after + 1, after + limit);
    if (!events) return refuse(*x, events.error());
    for (auto& e : *events) *page.add_events() = std::move(e);
  }
  reply(*x, page);
}

void gateway::impl::stream_events(exchange_ptr x, const std::string& id, uint64_t after) {
  if (node.journal().version(id) == 0 && !node.live_session(id))
    return refuse(*x, v1::ERROR_CODE_NOT_FOUND, "no session " + id);
  souk::gateway::stream_events(system, node, x->out, id, after,
                               {options.session_timeout, options.stream_heartbeat});
}

void gateway::impl::handoff(exchange_ptr x, const std::string& id) {
  if (!allowed(*x, session_write)) return;
  v1::HandoffRequest request;
  if (auto error = from_json(x->request.body(), request))
    return refuse(*x, *error);
  if (auto error = session::check_limits(request)) return refuse(*x, *error);
  if (request.to_agent_id().empty())
    return invalid(*x, "toAgentId", "a handoff needs toAgentId");
  if (node.journal().version(id) == 0)
    return refuse(*x, v1::ERROR_CODE_NOT_FOUND, "no session " + id);
  offload([this, x, id, request] {
    runtime::node_client sessions(system, node, options.session_timeout);
    auto exported = sessions.export_transfer(id, request.to_agent_id(),
                                             request.reason().empty() ? "handoff over HTTP"
                                                                      : request.reason());
    if (exported.has_error()) return refuse(*x, exported.error());
    agents::handoff_terms terms{request.to_agent_id(), x->who.agent_id,
                                request.channel().empty() ? "email" : request.channel()};
    take_over(x, exported.transfer(), terms);
  });
}

// Validates `transfer` against the shop, the node's keys and, where this node holds the
// session, its journal; takes the session over; answers 200 with the new version, or
// refuses with the reason's code (422 INVALID_TRANSFER, 409 when the session moved on).
void gateway::impl::take_over(const exchange_ptr& x, const v1::StateTransfer& transfer,
                              const agents::handoff_terms& terms) {
  const auto& p = transfer.payload();
  // What the journal holds is read (a replay) only for a transfer a known key sealed.
  const auto recorded = session::sealed_by(transfer, node.transfer_keys())
                            ? runtime::recorded_state(node.journal(), transfer)
                            : std::nullopt;
  runtime::node_client sessions(system, node, options.session_timeout);
  auto result = agents::accept_handoff(transfer, terms, node.context(), node.transfer_keys(),
                                       sessions, recorded ? &*recorded : nullptr);
  if (!result.accepted) return refuse(*x, result.error);
  v1::HandoffReply out;
  out.set_accepted(true);
  out.set_message(result.message);
  out.set_version(node.journal().version(p.session_id()));
  reply(*x, out);
}

void gateway::impl::list_sessions(exchange_ptr x) {
  if (!allowed(*x, session_read)) return;
  auto& q = x->where.query;
  std::size_t limit = 100;
  if (q.count("limit")) {
    auto n = parse_u64(q["limit"]);
    if (!n || *n == 0) return refuse(*x, v1::ERROR_CODE_INVALID_ARGUMENT, "?limit must be 1 or more");
    limit = std::min<std::size_t>(*n, 10000);
  }
  if (!identifier_parameter(*x, "customer") || !identifier_parameter(*x, "q")) return;
  const std::string customer = q.count("customer") ? q["customer"] : "";
  const std::string prefix = q.count("q") ? q["q"] : "";
  auto records = node.journal().sessions_by_activity(customer.empty() && prefix.empty() ? limit : SIZE_MAX);
  if (!records) return refuse(*x, records.error());
  v1::SessionList list;
  for (auto& r : *records) {
    if (!customer.empty() && r.customer_id() != customer) continue;
    if (!prefix.empty() && r.session_id().find(prefix) == std::string::npos &&
        r.customer_id().find(prefix) == std::string::npos)
      continue;
    *list.add_sessions() = std::move(r);
    if (static_cast<std::size_t>(list.sessions_size()) >= limit) break;
  }
  reply(*x, list);
}

template <class M, class Publish>
void gateway::impl::publish(exchange_ptr x, std::string_view scope, Publish publish_fn) {
  if (!allowed(*x, scope)) return;
  M message;
  if (auto error = from_json(x->request.body(), message))
    return refuse(*x, *error);
  if (auto error = session::check_limits(message)) return refuse(*x, *error);
  offload([this, x, message = std::move(message), publish_fn] {
    auto told = publish_fn(message, x->who);
    if (!told) return refuse(*x, told.error());
    v1::PublishReply out;
    out.set_sessions_told(*told);
    reply(*x, out);
  });
}

}  // namespace souk::gateway
