// soukctl: the support and admin CLI. Offline it reads a node's data directory
// (read-only, safe while the node runs); with --url it asks a running node's HTTP
// gateway the same questions. `soukctl --help` lists the commands.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "agents/handoff.hpp"
#include "persistence/journal.hpp"
#include "persistence/reference_tables.hpp"
#include "runtime/gateway/api_keys.hpp"
#include "runtime/gateway/http_client.hpp"
#include "runtime/inspect.hpp"
#include "runtime/node.hpp"
#include "runtime/node_client.hpp"
#include "runtime/transfer_keys.hpp"
#include "session/session_actor.hpp"
#include "session/stored_context.hpp"
#include "session/transfer.hpp"
#include "session/validate.hpp"
#include "souk/clock.hpp"
#include "souk/v1/api.pb.h"
#include "tools/soukctl/soukctl.hpp"

namespace {

using namespace souk;
using google::protobuf::util::TimeUtil;

// Exit codes: what happened, for scripts.
enum exit_code { ok = 0, problems = 1, usage_error = 2, unusable = 3, not_found = 4 };

const char* help_text = R"(usage: soukctl [--data-dir DIR | --url URL [--key KEY]] [--json] <command> [args]

support
  sessions [--customer ID] [--since TIME] [--limit N]
                                         sessions, most recently active first
  state ID [--at TIME | --version N]     the state now, at a time or at a version
  history ID [--since TIME]              the events, oldest first
  diff ID A B                            what changed in cart and context from A to B
  why ID                                 the agents' decisions, with their reasons
  verify [ID...] [--threads N]           replay sessions from their first event and
                                         compare with snapshot and materialized state
                                         (all sessions when none named; offline on N
                                         threads, default one per core; progress on stderr)
  export ID [--to AGENT] [--reason R]    the session as a StateTransfer (JSON)
  import FILE                            validate a StateTransfer and hand the session
                                         to the agent it names (offline: the node must
                                         be stopped)
admin (offline)
  load-catalog FILE                      load reference data (JSON lines of
                                         souk.v1.ReferenceRecord) in one transaction
  retention [--archive-after-days N] [--snapshot-days N]
                                         archive old events, thin snapshots (node stopped)
  hash-key < KEYFILE                     what to put in souk-node's gateway.api-keys for
                                         the key on standard input (never an argument)

  TIME is RFC 3339 (2026-11-27T10:00:00Z) or a while ago (-30s, -5m, -2h, -1d);
  A and B are versions or TIMEs.
  --data-dir DIR   the node's data directory (default ./data)
  --url URL        a node's gateway (http://HOST:PORT); --key or $SOUK_API_KEY is the
                   API key (scope session:read; import needs session:write)
  --json           protobuf JSON (one object per line) instead of tables

exit codes: 0 fine, 1 problems found (divergence, corruption, a refused import),
            2 usage, 3 data directory or node unusable, 4 no such session or point
)";

struct cli {
  std::string dir = "data", url, key;
  bool json = false;
  std::vector<std::string> args;
  std::unique_ptr<persistence::journal> journal;
  std::unique_ptr<gateway::http_client> http;

  bool online() const { return !url.empty(); }
};

int usage(int code) {
  (code == 0 ? std::cout : std::cerr) << help_text;
  return code;
}

int fail(const v1::Error& error) {
  std::cerr << "soukctl: " << error.message() << "\n";
  switch (error.code()) {
    case v1::ERROR_CODE_NOT_FOUND: return not_found;
    case v1::ERROR_CODE_INVALID_ARGUMENT: return usage_error;
    case v1::ERROR_CODE_CORRUPT_RECORD:
    case v1::ERROR_CODE_INVALID_TRANSFER:
    case v1::ERROR_CODE_VERSION_CONFLICT:
      return problems;
    default: return unusable;
  }
}

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

// Asks the node's gateway and parses its answer into `out`, or says what went wrong.
std::optional<int> fetch(cli& c, const std::string& target, google::protobuf::Message& out,
                         const std::string& method = "GET", const std::string& body = {}) {
  auto reply = c.http->request(method, target, body);
  if (reply.status == 0) {
    std::cerr << "soukctl: " << c.url << ": " << reply.body << "\n";
    return unusable;
  }
  if (reply.status != 200) {
    v1::Error error;
    if (!google::protobuf::util::JsonStringToMessage(reply.body, &error).ok())
      error.set_message("HTTP " + std::to_string(reply.status) + ": " + reply.body);
    if (reply.status == 401 || reply.status == 403) error.set_code(v1::ERROR_CODE_PERMISSION_DENIED);
    return fail(error);
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // a newer node may say more
  if (!google::protobuf::util::JsonStringToMessage(reply.body, &out, options).ok()) {
    std::cerr << "soukctl: the node's answer is not a " << out.GetDescriptor()->full_name() << "\n";
    return unusable;
  }
  return std::nullopt;
}

std::optional<int> open_journal(cli& c) {
  if (c.journal) return std::nullopt;
  auto j = persistence::journal::open_read_only(c.dir);
  if (!j) return fail(j.error());
  c.journal = std::move(*j);
  return std::nullopt;
}

std::string when(const google::protobuf::Timestamp& t) {
  return t.seconds() ? TimeUtil::ToString(t) : "-";
}
std::string money(const v1::Money& m) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << m.minor_units() / 100.0 << " " << m.currency();
  return out.str();
}
std::string event_type(const v1::Event& e) {
  const auto* f = v1::Event::descriptor()->FindFieldByNumber(e.body_case());
  return f ? f->name() : "unknown";
}

// Takes "--name value" out of the arguments.
std::optional<std::string> option(std::vector<std::string>& args, const std::string& name) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i)
    if (args[i] == name) {
      auto value = args[i + 1];
      args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
      return value;
    }
  return std::nullopt;
}

// A TIME argument (not a version), or an error saying so.
session::result<google::protobuf::Timestamp> time_arg(const std::string& flag, const std::string& text) {
  auto p = runtime::parse_point(text, souk::now_timestamp());
  if (!p || !std::holds_alternative<google::protobuf::Timestamp>(*p))
    return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT,
                         flag + " wants a TIME: RFC 3339 or a while ago (-5m)");
  return std::get<google::protobuf::Timestamp>(*p);
}

int sessions(cli& c) {
  auto customer = option(c.args, "--customer");
  auto since_text = option(c.args, "--since");
  auto limit = option(c.args, "--limit").value_or("50");
  if (!c.args.empty() || limit.find_first_not_of("0123456789") != std::string::npos)
    return usage(usage_error);
  google::protobuf::Timestamp since;
  if (since_text) {
    auto t = time_arg("--since", *since_text);
    if (!t) return fail(t.error());
    since = *t;
  }
  v1::SessionList list;
  if (c.online()) {
    if (auto e = fetch(c, "/v1/sessions?limit=" + limit + (customer ? "&customer=" + *customer : ""), list)) return *e;
  } else {
    if (auto e = open_journal(c)) return *e;
    auto records = c.journal->sessions_by_activity(SIZE_MAX);
    if (!records) return fail(records.error());
    for (auto& r : *records) {
      if (customer && r.customer_id() != *customer) continue;
      if (list.sessions_size() >= std::atoi(limit.c_str())) break;
      *list.add_sessions() = std::move(r);
    }
  }
  if (since_text) {  // sessions come most recent first: cut at the first older one
    auto& all = *list.mutable_sessions();
    auto older = std::find_if(all.begin(), all.end(),
                              [&](const v1::SessionRecord& r) { return r.last_activity() < since; });
    all.erase(older, all.end());
  }
  if (c.json) {
    for (const auto& s : list.sessions()) std::cout << to_json(s) << "\n";
    return ok;
  }
  std::cout << std::left << std::setw(24) << "session" << std::setw(14) << "customer" << std::setw(9)
            << "version" << "last activity\n";
  for (const auto& s : list.sessions())
    std::cout << std::setw(24) << s.session_id() << std::setw(14) << s.customer_id() << std::setw(9)
              << s.last_seq() << when(s.last_activity()) << "\n";
  return ok;
}

std::optional<int> load_state(cli& c, const std::string& id, const std::string& point,
                              v1::SessionState& out) {
  if (c.online()) {
    std::string query;
    if (!point.empty())
      query = (point.find_first_not_of("0123456789") == std::string::npos ? "?version=" : "?at=") + point;
    return fetch(c, "/v1/sessions/" + id + query, out);
  }
  if (auto e = open_journal(c)) return e;
  auto p = runtime::parse_point(point.empty() ? std::to_string(c.journal->version(id)) : point,
                                souk::now_timestamp());
  if (!p) return fail(p.error());
  auto s = runtime::state_at(*c.journal, id, *p);
  if (!s) return fail(s.error());
  out = std::move(*s);
  return std::nullopt;
}

int state(cli& c) {
  auto at = option(c.args, "--at");
  auto version = option(c.args, "--version");
  if (c.args.size() != 1 || (at && version)) return usage(usage_error);
  v1::SessionState s;
  if (auto e = load_state(c, c.args[0], at ? *at : version.value_or(""), s)) return *e;
  if (c.json) {
    std::cout << to_json(s) << "\n";
    return ok;
  }
  std::cout << "session " << s.session_id() << " at version " << s.version() << " ("
            << when(s.updated_at()) << "), " << v1::CheckoutPhase_Name(s.phase())
            << ", agent " << s.owner_agent_id() << "\n"
            << "customer " << s.customer().customer_id() << " " << s.customer().loyalty_tier() << "\n"
            << "focus    " << (s.conversation().focus_sku().empty() ? "-" : s.conversation().focus_sku())
            << "\ncart\n";
  for (const auto& l : s.cart().lines())
    std::cout << "  " << std::left << std::setw(12) << l.sku() << std::setw(12) << l.variant_id()
              << "x" << std::setw(4) << l.quantity() << std::setw(14) << money(l.unit_price())
              << v1::MutationStatus_Name(l.status()) << "\n";
  if (s.cart().lines().empty()) std::cout << "  (empty)\n";
  for (const auto& d : s.cart().discounts())
    std::cout << "discount " << d.code() << " " << d.percent_off_bp() / 100.0 << "%"
              << (d.expires_at().seconds() ? " until " + when(d.expires_at()) : "") << "\n";
  if (!s.decisions().empty()) {
    const auto& d = *s.decisions().rbegin();
    std::cout << "last decision: " << d.agent_id() << " " << d.kind() << ": " << d.reason() << "\n";
  }
  return ok;
}

int history(cli& c) {
  auto since = option(c.args, "--since");
  if (c.args.size() != 1) return usage(usage_error);
  const auto& id = c.args[0];
  v1::EventPage page;
  if (c.online()) {
    for (uint64_t after = 0;;) {
      v1::EventPage part;
      if (auto e = fetch(c, "/v1/sessions/" + id + "/events?after=" + std::to_string(after), part)) return *e;
      for (auto& ev : *part.mutable_events()) *page.add_events() = std::move(ev);
      if (part.events().empty() || page.events().rbegin()->seq() >= part.version()) break;
      after = page.events().rbegin()->seq();
    }
  } else {
    if (auto e = open_journal(c)) return *e;
    auto events = c.journal->events(id);
    if (!events) return fail(events.error());
    if (events->empty()) return fail(session::make_error(v1::ERROR_CODE_NOT_FOUND, "no session " + id));
    for (auto& ev : *events) *page.add_events() = std::move(ev);
  }
  google::protobuf::Timestamp from;
  if (since) {
    auto t = time_arg("--since", *since);
    if (!t) return fail(t.error());
    from = *t;
  }
  if (!c.json)
    std::cout << std::left << std::setw(6) << "seq" << std::setw(22) << "time" << std::setw(16)
              << "agent" << std::setw(28) << "type" << "event id\n";
  for (const auto& e : page.events()) {
    if (since && e.at() < from) continue;
    if (c.json) {
      std::cout << to_json(e) << "\n";
      continue;
    }
    std::cout << std::setw(6) << e.seq() << std::setw(22) << when(e.at()) << std::setw(16)
              << e.agent_id() << std::setw(28) << event_type(e) << e.event_id() << "\n";
  }
  return ok;
}

int diff(cli& c) {
  if (c.args.size() != 3) return usage(usage_error);
  v1::StateDiff d;
  if (c.online()) {
    if (auto e = fetch(c, "/v1/sessions/" + c.args[0] + "/diff?from=" + c.args[1] + "&to=" + c.args[2], d)) return *e;
  } else {
    if (auto e = open_journal(c)) return *e;
    auto now = souk::now_timestamp();
    auto a = runtime::parse_point(c.args[1], now), b = runtime::parse_point(c.args[2], now);
    if (!a) return fail(a.error());
    if (!b) return fail(b.error());
    auto r = runtime::diff(*c.journal, c.args[0], *a, *b);
    if (!r) return fail(r.error());
    d = std::move(*r);
  }
  if (c.json) {
    std::cout << to_json(d) << "\n";
    return ok;
  }
  std::cout << "version " << d.from_version() << " -> " << d.to_version() << "\n";
  for (const auto& change : d.changes()) std::cout << "  " << change << "\n";
  if (d.changes().empty()) std::cout << "  (no change)\n";
  return ok;
}

int why(cli& c) {
  if (c.args.size() != 1) return usage(usage_error);
  v1::SessionState s;
  if (auto e = load_state(c, c.args[0], "", s)) return *e;
  if (s.folded_decisions())
    std::cerr << "(" << s.folded_decisions() << " older decisions: soukctl history "
              << c.args[0] << " shows them as decision_recorded)\n";
  if (!c.json)
    std::cout << std::left << std::setw(6) << "seq" << std::setw(22) << "time" << std::setw(16)
              << "agent" << std::setw(16) << "decision" << std::setw(6) << "conf" << "reason\n";
  for (const auto& d : s.decisions()) {
    if (c.json) {
      std::cout << to_json(d) << "\n";
      continue;
    }
    std::ostringstream conf;
    conf << std::fixed << std::setprecision(2) << d.confidence();
    std::cout << std::setw(6) << d.seq() << std::setw(22) << when(d.at()) << std::setw(16)
              << d.agent_id() << std::setw(16) << d.kind() << std::setw(6) << conf.str()
              << d.reason();
    if (!d.fallbacks_tried().empty()) {
      std::cout << " [tried:";
      for (const auto& f : d.fallbacks_tried()) std::cout << " " << f;
      std::cout << "]";
    }
    std::cout << "\n";
  }
  return ok;
}

int verify(cli& c) {
  unsigned threads = std::max(1u, std::thread::hardware_concurrency());
  if (auto t = option(c.args, "--threads")) {
    if (t->empty() || t->size() > 3 || t->find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(*t) == 0) {
      std::cerr << "soukctl: --threads wants a number from 1 to 999, got '" << *t << "'\n";
      return usage_error;
    }
    threads = static_cast<unsigned>(std::stoi(*t));
  }
  std::vector<std::string> ids = c.args;
  if (ids.empty()) {
    if (c.online()) {
      v1::SessionList list;
      if (auto e = fetch(c, "/v1/sessions?limit=10000", list)) return *e;
      for (const auto& s : list.sessions()) ids.push_back(s.session_id());
    } else {
      if (auto e = open_journal(c)) return *e;
      auto all = c.journal->sessions_by_activity(SIZE_MAX);
      if (!all) return fail(all.error());
      for (const auto& r : *all) ids.push_back(r.session_id());
    }
  }
  int found = 0;
  std::size_t done = 0;
  const bool bar = ids.size() > 1 && !c.json;
  // One session's outcome: its report, or what kept it from one (said already when the
  // gateway's answer was not a report).
  auto show = [&](const std::string& id, const v1::VerifyReport* report, const std::string& why) {
    if (!report) {
      ++found;
      if (!why.empty()) std::cout << id << ": " << why << "\n";
      return;
    }
    ++done;
    if (c.json) std::cout << to_json(*report) << "\n";
    if (report->diverged()) {
      ++found;
      if (!c.json)
        std::cout << id << ": DIVERGED: "
                  << (report->snapshot_difference().empty()
                          ? "materialized state differs from replay: " + report->materialized_difference()
                          : "snapshot v" + std::to_string(report->snapshot_version()) +
                                " differs from replay: " + report->snapshot_difference())
                  << "\n";
    }
    if (bar) {
      const std::size_t width = 30, filled = width * done / ids.size();
      std::cerr << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] "
                << done << "/" << ids.size() << std::flush;
    }
  };
  if (c.online()) {
    for (const auto& id : ids) {
      v1::VerifyReport report;
      bool failed = fetch(c, "/v1/sessions/" + id + "/verify", report).has_value();
      show(id, failed ? nullptr : &report, "");
    }
  } else {
    if (auto e = open_journal(c)) return *e;
    runtime::verify_sessions(*c.journal, ids, threads,
                             [&](std::size_t i, session::result<v1::VerifyReport> r) {
                               show(ids[i], r ? &*r : nullptr, r ? "" : r.error().message());
                             });
  }
  if (bar) std::cerr << "\n";
  if (!c.json)
    std::cout << "verified " << ids.size() << " sessions: "
              << (found ? std::to_string(found) + " problems" : std::string("no divergence")) << "\n";
  return found ? problems : ok;
}

int export_session(cli& c) {
  auto to = option(c.args, "--to").value_or("");
  auto reason = option(c.args, "--reason").value_or("exported by soukctl");
  if (c.args.size() != 1) return usage(usage_error);
  v1::StateTransfer transfer;
  if (c.online()) {
    if (auto e = fetch(c, "/v1/sessions/" + c.args[0] + "/transfer?to=" + to + "&reason=soukctl", transfer)) return *e;
  } else {
    v1::SessionState s;
    if (auto e = load_state(c, c.args[0], "", s)) return *e;
    session::transfer_request request;
    auto now = souk::now_timestamp();
    request.transfer_id = "soukctl-" + c.args[0] + "-" + std::to_string(s.version());
    request.to_agent_id = to;
    request.reason = reason;
    request.from_node = "soukctl";
    request.agent.set_agent_id(s.owner_agent_id());
    auto keys = runtime::load_transfer_keys(c.dir, {}, false);
    if (!keys) return fail(keys.error());
    transfer = session::export_transfer(s, request, now, *keys);
  }
  std::cout << to_json(transfer) << "\n";
  return ok;
}

int import_transfer(cli& c) {
  if (c.args.size() != 1) return usage(usage_error);
  std::ifstream in(c.args[0]);
  std::stringstream text;
  text << in.rdbuf();
  v1::StateTransfer transfer;
  if (!in || !google::protobuf::util::JsonStringToMessage(text.str(), &transfer).ok())
    return fail(session::make_error(v1::ERROR_CODE_INVALID_ARGUMENT,
                                    c.args[0] + " is not a souk.v1.StateTransfer in JSON"));
  v1::HandoffReply reply;
  if (c.online()) {
    if (auto e = fetch(c, "/v1/transfers", reply, "POST", text.str())) return *e;
  } else {
    struct config : caf::actor_system_config {
      config() { session::add_session_message_types(*this); }
    } cfg;
    caf::actor_system system{cfg};
    runtime::node_options options;
    options.data_dir = c.dir;
    auto node = runtime::node::open(system, options);
    if (!node) return fail(node.error());
    runtime::node_client sessions(system, **node);
    // Offline, the operator acts: the handoff is recorded as soukctl's.
    const auto recorded = runtime::recorded_state((*node)->journal(), transfer);
    auto result = agents::accept_handoff(transfer, {transfer.payload().to_agent_id(), "soukctl", "email"},
                                         (*node)->context(), (*node)->transfer_keys(), sessions,
                                         recorded ? &*recorded : nullptr);
    reply.set_accepted(result.accepted);
    reply.set_message(result.message);
    reply.set_version((*node)->journal().version(transfer.payload().session_id()));
    (*node)->shutdown();
  }
  if (c.json) std::cout << to_json(reply) << "\n";
  else
    std::cout << (reply.accepted() ? "accepted" : "refused") << ": " << reply.message() << "\n";
  return reply.accepted() ? ok : problems;
}

int load_catalog(cli& c) {
  if (c.args.size() != 1) return usage(usage_error);
  std::ifstream in(c.args[0]);
  if (!in) {
    std::cerr << "soukctl: cannot read " << c.args[0] << "\n";
    return usage_error;
  }
  auto tables = persistence::reference_tables::open(c.dir);
  if (!tables) return fail(tables.error());
  auto counts = (*tables)->load_jsonl(in, session::check_limits);
  if (!counts) {
    std::cerr << "soukctl: " << c.args[0] << ": " << counts.error().message()
              << " (nothing was loaded)\n";
    return problems;
  }
  std::cout << "loaded " << counts->products << " products, " << counts->stock_levels
            << " stock levels, " << counts->discounts << " discounts, " << counts->customers
            << " customers into " << c.dir << "/reference\n";
  return ok;
}

int retention(cli& c) {
  persistence::retention_options opts;
  opts.now = souk::now_timestamp();
  // Whole days, 1 to 36,500: digits only (an empty or signed value, or one whose hours
  // would overflow, is a usage error, never an archive of everything).
  auto days = [&](const std::string& name, std::chrono::seconds& into) -> bool {
    auto v = option(c.args, name);
    if (!v) return true;
    if (v->empty() || v->size() > 5 || v->find_first_not_of("0123456789") != std::string::npos)
      return false;
    const long n = std::stol(*v);
    if (n < 1 || n > 36500) return false;
    into = std::chrono::hours(24 * n);
    return true;
  };
  if (!days("--archive-after-days", opts.archive_events_older_than) ||
      !days("--snapshot-days", opts.drop_snapshots_older_than) || !c.args.empty())
    return usage(usage_error);
  persistence::journal::options jopts;
  jopts.dir = c.dir;
  auto j = persistence::journal::open(jopts);
  if (!j) return fail(j.error());
  auto report = (*j)->run_retention(opts);
  if (!report) return fail(report.error());
  std::cout << "archived " << report->events_archived << " events; snapshots: "
            << report->snapshots_dropped << " dropped, " << report->snapshots_kept
            << " kept; " << report->sessions_touched << " sessions touched\n";
  return ok;
}

}  // namespace

int soukctl_main(int argc, char** argv) {
  cli c;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (const char* key = std::getenv("SOUK_API_KEY")) c.key = key;
  while (!args.empty() && args[0].rfind("--", 0) == 0) {
    auto flag = args[0];
    args.erase(args.begin());
    if (flag == "--help" || flag == "-h") return usage(ok);
    if (flag == "--json") {
      c.json = true;
      continue;
    }
    if (args.empty()) return usage(usage_error);
    if (flag == "--data-dir") c.dir = args[0];
    else if (flag == "--url") c.url = args[0];
    else if (flag == "--key") c.key = args[0];
    else return usage(usage_error);
    args.erase(args.begin());
  }
  if (args.empty()) return usage(usage_error);
  std::string command = args[0];
  args.erase(args.begin());
  if (command == "help") return usage(ok);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return usage(ok);
  for (std::size_t i = 0; i < args.size(); ++i)
    if (args[i] == "--json") {
      c.json = true;
      args.erase(args.begin() + static_cast<long>(i--));
    }
  c.args = std::move(args);
  if (c.online()) c.http = std::make_unique<gateway::http_client>(c.url, c.key);
  if (command == "sessions") return sessions(c);
  if (command == "state") return state(c);
  if (command == "history") return history(c);
  if (command == "diff") return diff(c);
  if (command == "why") return why(c);
  if (command == "verify") return verify(c);
  if (command == "export") return export_session(c);
  if (command == "import") return import_transfer(c);
  if (command == "hash-key") {
    // From standard input only: a key on the command line shows in `ps` and in the
    // shell's history.
    if (!c.args.empty()) {
      std::cerr << "soukctl: hash-key reads the key from standard input, not the command "
                   "line (where ps and shell history would show it): soukctl hash-key < FILE, "
                   "or type it and press Ctrl-D\n";
      return usage_error;
    }
    std::string key;
    std::getline(std::cin, key);
    if (!key.empty() && key.back() == '\r') key.pop_back();
    if (key.empty()) {
      std::cerr << "soukctl: hash-key: no key on standard input\n";
      return usage_error;
    }
    std::cout << gateway::hash_key(key) << "\n";
    return ok;
  }
  if (c.online() && (command == "load-catalog" || command == "retention")) {
    std::cerr << "soukctl: " << command << " works on a data directory (--data-dir), not --url\n";
    return usage_error;
  }
  if (command == "load-catalog") return load_catalog(c);
  if (command == "retention") return retention(c);
  std::cerr << "soukctl: unknown command " << command << "\n";
  return usage(usage_error);
}
