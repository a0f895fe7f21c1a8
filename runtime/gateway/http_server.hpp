#pragma once

// An asynchronous HTTP/1.1 server on Boost.Beast: keep-alive connections served by a
// few I/O threads, each connection by one of them. It knows nothing of souk: a request_handler
// answers each request, possibly later and from another thread, through its responder.
//
// Limits keep a slow or hostile client from stalling the node: a request must arrive
// whole within `request_timeout` (headers and body; a keep-alive connection that stays
// quiet that long is closed), bodies above `body_limit` get 413, headers above
// `header_limit` get 431, a handler silent for `handler_timeout` gets 503, and beyond
// `max_connections` a new connection gets 503 and is closed. Requests on one
// connection are answered in order, one at a time.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace souk::gateway {

using http_request = boost::beast::http::request<boost::beast::http::string_body>;
using http_response = boost::beast::http::response<boost::beast::http::string_body>;

struct http_limits {
  std::size_t body_limit = std::size_t{1} << 20;
  std::size_t header_limit = 16 * 1024;
  std::chrono::milliseconds request_timeout{15000};
  std::chrono::milliseconds write_timeout{15000};
  /// A handler that has not answered by then gets its request answered 503
  /// (ERROR_CODE_TIMEOUT); its late answer is dropped.
  std::chrono::milliseconds handler_timeout{10000};
  std::size_t max_connections = 1024;
};

/// The way back to one request's connection. Thread-safe; calls after the connection
/// closed, or after the handler timed out, do nothing. Either reply() once, or open_stream() then send() any number of
/// times and end() (the connection closes after a stream).
class responder {
 public:
  virtual ~responder() = default;
  virtual void reply(http_response response) = 0;
  virtual void open_stream(const std::string& content_type) = 0;
  virtual void send(std::string data) = 0;
  virtual void end() = 0;
  /// Whether the peer has gone (a stream's source stops then).
  virtual bool closed() const = 0;
};

class request_handler {
 public:
  virtual ~request_handler() = default;
  virtual void handle(http_request request, std::shared_ptr<responder> respond) = 0;
  /// The server refused something itself (413, 431, 503 over the connection cap or a
  /// handler's time limit), for counting and logging; called on an I/O thread.
  virtual void refused(unsigned status, std::string_view code, std::string_view why) = 0;
};

/// Listens on host:port until stop(). `handler` outlives the server.
class http_server {
 public:
  http_server(request_handler& handler, http_limits limits);
  ~http_server();  // stop()
  /// Binds and starts `threads` I/O threads; an error message when it cannot bind.
  std::string start(const std::string& host, unsigned short port, std::size_t threads = 1);
  unsigned short port() const;  // the bound port (useful with port 0)
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// A response with `status`, a JSON body and the request's keep-alive and version.
http_response json_response(const http_request& request, unsigned status, std::string body);

}  // namespace souk::gateway
