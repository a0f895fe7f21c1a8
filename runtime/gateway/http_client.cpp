#include "runtime/gateway/http_client.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace souk::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct http_client::impl {
  std::string host, port, key;
  net::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  beast::error_code connect() {
    beast::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return ec;
    stream.emplace(ioc);
    stream->connect(endpoints, ec);
    if (!ec) stream->socket().set_option(tcp::no_delay(true), ec);
    return ec;
  }
};

http_client::http_client(std::string base, std::string api_key) : impl_(std::make_unique<impl>()) {
  if (base.rfind("http://", 0) == 0) base = base.substr(7);
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto colon = base.rfind(':');
  impl_->host = base.substr(0, colon);
  impl_->port = colon == std::string::npos ? "80" : base.substr(colon + 1);
  impl_->key = std::move(api_key);
}

http_client::~http_client() = default;

http_reply http_client::request(const std::string& method, const std::string& target,
                                const std::string& body,
                                const std::map<std::string, std::string>& headers) {
  // Beast throws on what it cannot put in a request (a field over 64 KiB, say): an
  // answer of no status, like any other failure to ask.
  try {
    return exchange(method, target, body, headers);
  } catch (const std::exception& e) {
    impl_->stream.reset();
    impl_->buffer.clear();
    http_reply out;
    out.body = std::string("cannot send the request: ") + e.what();
    return out;
  }
}

http_reply http_client::exchange(const std::string& method, const std::string& target,
                                 const std::string& body,
                                 const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, impl_->host);
  req.keep_alive(true);
  if (!impl_->key.empty()) req.set(http::field::authorization, "Bearer " + impl_->key);
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  http_reply out;
  // A kept-alive connection the server closed meanwhile fails at once: reconnect once.
  for (int attempt = 0; attempt < 2; ++attempt) {
    beast::error_code ec;
    if (!impl_->stream) ec = impl_->connect();
    if (!ec) http::write(*impl_->stream, req, ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    parser.skip(req.method() == http::verb::head);  // its Content-Length is GET's body
    if (!ec) http::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      impl_->stream.reset();
      impl_->buffer.clear();
      out.body = ec.message();
      continue;
    }
    auto res = parser.release();
    out.status = res.result_int();
    out.body = std::move(res.body());
    for (const auto& field : res) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      out.headers[name] = std::string(field.value());
    }
    if (!res.keep_alive()) impl_->stream.reset();
    return out;
  }
  return out;
}

}  // namespace souk::gateway
