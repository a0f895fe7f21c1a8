#include "agents/openai_brain.hpp"

#include <cstdlib>
#include <regex>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

namespace souk::agents {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

unexpected<v1::Error> llm_error(const std::string& what) {
  return session::fail(v1::ERROR_CODE_STORAGE_FAILURE, "language model: " + what);
}

struct endpoint {
  bool tls = false;
  std::string host, port, path;  // path: the base URL's, e.g. "/v1"
};

session::result<endpoint> parse_url(const std::string& url) {
  static const std::regex pattern(R"((https?)://([^/:]+)(?::(\d+))?(/.*)?)");
  std::smatch m;
  if (!std::regex_match(url, m, pattern))
    return session::fail(v1::ERROR_CODE_INVALID_ARGUMENT, "not an http(s) URL: " + url);
  endpoint e;
  e.tls = m[1] == "https";
  e.host = m[2];
  e.port = m[3].matched ? std::string(m[3]) : (e.tls ? "443" : "80");
  e.path = m[4].matched ? std::string(m[4]) : "";
  while (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
  return e;
}

// One POST, answered in full; the stream is closed afterwards.
template <class Stream>
session::result<std::string> exchange(Stream& stream, http::request<http::string_body>& request) {
  beast::error_code ec;
  http::write(stream, request, ec);
  if (ec) return llm_error("sending: " + ec.message());
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  if (ec) return llm_error("reading: " + ec.message());
  if (response.result() != http::status::ok)
    return llm_error("HTTP " + std::to_string(response.result_int()) + ": " +
                     response.body().substr(0, 200));
  return response.body();
}

session::result<std::string> post(const endpoint& e, const std::string& target,
                                  const std::string& api_key, const std::string& idempotency_key,
                                  const std::string& body, std::chrono::milliseconds timeout) {
  net::io_context io;
  net::ip::tcp::resolver resolver(io);
  beast::error_code ec;
  auto addresses = resolver.resolve(e.host, e.port, ec);
  if (ec) return llm_error("resolving " + e.host + ": " + ec.message());
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, e.host);
  request.set(http::field::content_type, "application/json");
  request.set(http::field::user_agent, "souk");
  if (!api_key.empty()) request.set(http::field::authorization, "Bearer " + api_key);
  request.set("Idempotency-Key", idempotency_key);
  request.body() = body;
  request.prepare_payload();
  if (!e.tls) {
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(addresses, ec);
    if (ec) return llm_error("connecting to " + e.host + ":" + e.port + ": " + ec.message());
    auto out = exchange(stream, request);
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
    return out;
  }
  net::ssl::context tls(net::ssl::context::tls_client);
  tls.set_default_verify_paths();
  tls.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  SSL_set_tlsext_host_name(stream.native_handle(), e.host.c_str());
  beast::get_lowest_layer(stream).expires_after(timeout);
  beast::get_lowest_layer(stream).connect(addresses, ec);
  if (ec) return llm_error("connecting to " + e.host + ":" + e.port + ": " + ec.message());
  stream.handshake(net::ssl::stream_base::client, ec);
  if (ec) return llm_error("TLS with " + e.host + ": " + ec.message());
  auto out = exchange(stream, request);
  stream.shutdown(ec);
  return out;
}

std::string json(const google::protobuf::Message& m) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(m, &out);
  return out;
}

}  // namespace

openai_brain::options openai_brain::from_environment() {
  options o;
  if (const char* v = std::getenv("SOUK_LLM_BASE_URL")) o.base_url = v;
  if (const char* v = std::getenv("SOUK_LLM_MODEL")) o.model = v;
  if (const char* v = std::getenv("OPENAI_API_KEY")) o.api_key = v;
  if (const char* v = std::getenv("SOUK_LLM_API_KEY")) o.api_key = v;
  return o;
}

openai_brain::openai_brain(options opts, std::shared_ptr<const catalog> shop)
    : opts_(std::move(opts)), shop_(std::move(shop)) {}

std::string openai_brain::prompt(const v1::SessionState& state) const {
  std::string out =
      "You are a shop assistant. Answer with one JSON object and nothing else: "
      "{\"reply\": text for the customer, \"commands\": [souk.v1.Command bodies in protobuf "
      "JSON, e.g. {\"viewProduct\": {\"sku\": \"SKU-123\"}}, {\"selectVariant\": {\"sku\": ..., "
      "\"variantId\": ...}}, {\"addToCart\": {\"sku\": ..., \"quantity\": 2}}, "
      "{\"applyDiscount\": {\"code\": ...}}, {\"setShippingAddress\": {\"address\": {\"lines\": "
      "[...], \"city\": ..., \"country\": ...}}}, {\"checkout\": {}}], \"decision\": {\"kind\": "
      "..., \"reason\": ..., \"confidence\": 0..1, \"fallbacksTried\": [...]}}. Use only skus "
      "and variant ids listed below.\n";
  const auto& focus = state.conversation().focus_sku();
  if (!focus.empty())
    if (auto p = shop_->product(focus)) out += "Product in focus: " + json(*p) + "\n";
  out += "Cart: " + json(state.cart()) + "\n";
  out += "Customer preferences: " + json(state.customer()) + "\n";
  out += "Recent conversation:\n";
  for (const auto& turn : state.conversation().transcript())
    out += (turn.role() == v1::ROLE_CUSTOMER ? "customer: " : "agent: ") + turn.text() + "\n";
  out += "Catalog (sku: name):\n";
  std::size_t listed = 0;
  for (const auto& p : shop_->products()) {
    if (++listed > 400) break;
    out += p.sku() + ": " + p.name() + "\n";
  }
  return out;
}

session::result<turn_plan> openai_brain::plan(const v1::SessionState& state,
                                              const std::string& message) {
  auto e = parse_url(opts_.base_url);
  if (!e) return make_unexpected(e.error());
  // The request, built as a protobuf Struct so that the JSON is escaped correctly.
  google::protobuf::Struct request;
  auto& fields = *request.mutable_fields();
  fields["model"].set_string_value(opts_.model);
  fields["temperature"].set_number_value(0);
  auto& messages = *fields["messages"].mutable_list_value();
  auto add = [&](const char* role, const std::string& content) {
    auto& m = *messages.add_values()->mutable_struct_value()->mutable_fields();
    m["role"].set_string_value(role);
    m["content"].set_string_value(content);
  };
  add("system", prompt(state));
  add("user", message);
  std::string body;
  (void)google::protobuf::util::MessageToJsonString(request, &body);

  // Fenced like every outbound effect: keyed by the session and the seq it is about.
  auto key = state.session_id() + ":" + std::to_string(state.version() + 1);
  auto answer = post(*e, e->path + "/chat/completions", opts_.api_key, key, body, opts_.timeout);
  if (!answer) return make_unexpected(answer.error());
  google::protobuf::Struct response;
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(*answer, &response, lenient).ok())
    return llm_error("the response is not JSON");
  const auto& choices = response.fields().find("choices");
  if (choices == response.fields().end() || choices->second.list_value().values().empty())
    return llm_error("the response has no choices");
  const auto& choice = choices->second.list_value().values(0).struct_value().fields();
  auto message_it = choice.find("message");
  if (message_it == choice.end()) return llm_error("the first choice has no message");
  const auto& content_fields = message_it->second.struct_value().fields();
  auto content = content_fields.find("content");
  if (content == content_fields.end()) return llm_error("the message has no content");
  std::string text = content->second.string_value();
  // Models like to fence JSON in ```json ... ```; take what is between the braces.
  auto open = text.find('{'), close = text.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open)
    return llm_error("the answer is not a JSON object: " + text.substr(0, 200));
  v1::BrainPlan parsed;
  auto status =
      google::protobuf::util::JsonStringToMessage(text.substr(open, close - open + 1), &parsed);
  if (!status.ok())
    return llm_error("the answer is not a BrainPlan: " + std::string(status.message()));
  if (parsed.reply().empty()) return llm_error("the answer has no reply for the customer");
  turn_plan out;
  out.reply = parsed.reply();
  out.commands.assign(parsed.commands().begin(), parsed.commands().end());
  out.decision = parsed.decision();
  if (out.decision.kind().empty()) out.decision.set_kind("llm");
  if (out.decision.reason().empty()) out.decision.set_reason("as the language model planned");
  out.decision.add_fallbacks_tried("model " + opts_.model);
  return out;
}

}  // namespace souk::agents
