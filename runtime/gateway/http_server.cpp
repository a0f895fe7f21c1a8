#include "runtime/gateway/http_server.hpp"

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace souk::gateway {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class connection;

// A response as it goes on the wire: its status line and header fields in one buffer,
// then its body as it is. Beast's serializer walks the status line, each field and the
// body through several layers of buffer views on every write, which was ~15% of an I/O
// thread's time serving state reads. Every response here has its Content-Length set
// (prepare_payload), none is chunked.
struct wire_response {
  explicit wire_response(http_response res)
      : body(std::move(res.body())), keep_alive(res.keep_alive()) {
    const auto reason = res.reason();
    std::size_t size = 32 + reason.size();
    for (const auto& field : res) size += field.name_string().size() + field.value().size() + 4;
    head.reserve(size);
    head += res.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
    head += std::to_string(res.result_int());
    head += ' ';
    head.append(reason.data(), reason.size());
    head += "\r\n";
    for (const auto& field : res) {
      head.append(field.name_string().data(), field.name_string().size());
      head += ": ";
      head.append(field.value().data(), field.value().size());
      head += "\r\n";
    }
    head += "\r\n";
  }
  std::array<net::const_buffer, 2> buffers() const {
    return {net::buffer(head), net::buffer(body)};
  }
  std::string head, body;
  bool keep_alive;
};

struct shared_state {
  shared_state(request_handler& h, http_limits l) : handler(h), limits(l) {}
  request_handler& handler;
  http_limits limits;
  std::atomic<std::size_t> connections{0};
};

class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(tcp::socket socket, std::shared_ptr<shared_state> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    ++shared_->connections;
  }
  ~connection() { --shared_->connections; }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  // Too many connections: say so and close.
  void refuse() {
    auto res = std::make_shared<http_response>(http::status::service_unavailable, 11);
    res->set(http::field::content_type, "application/json");
    res->set(http::field::retry_after, "1");
    res->keep_alive(false);
    res->body() = R"({"code":"ERROR_CODE_OVERLOADED","message":"too many connections"})";
    res->prepare_payload();
    shared_->handler.refused(503, "ERROR_CODE_OVERLOADED", "too many connections");
    write(res);
  }

  // Responder side: other threads post to the connection's io_context, whose one thread
  // runs all of the connection's handlers.
  void deliver(http_response response) {
    // Serialized here, on the handler's thread, so that the I/O thread only sends it.
    auto res = std::make_shared<wire_response>(std::move(response));
    net::post(stream_.get_executor(), [self = shared_from_this(), res] {
      if (!self->stop_waiting()) return;  // timed out meanwhile: already answered
      // HEAD: the headers GET would have (Content-Length included), no body.
      if (self->head_) res->body.clear();
      self->write(res);
    });
  }
  void open_stream(const std::string& content_type) {
    net::post(stream_.get_executor(), [self = shared_from_this(), content_type] {
      if (!self->stop_waiting()) return;
      self->streaming_ = true;
      auto header = std::make_shared<std::string>(
          "HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
          "\r\nCache-Control: no-cache\r\nConnection: close\r\nServer: souk\r\n\r\n");
      self->queue_raw(header);
      self->watch_for_close();
    });
  }
  void send(std::string data) {
    auto chunk = std::make_shared<std::string>(std::move(data));
    net::post(stream_.get_executor(), [self = shared_from_this(), chunk] {
      if (self->streaming_) self->queue_raw(chunk);
    });
  }
  void end() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      self->ending_ = true;
      if (self->raw_.empty()) self->close();
    });
  }
  bool closed() const { return closed_.load(); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(shared_->limits.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.header_limit));
    stream_.expires_after(shared_->limits.request_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      bool body = ec == http::error::body_limit;
      auto res = std::make_shared<http_response>(
          body ? http::status::payload_too_large
               : http::status::request_header_fields_too_large, 11);
      res->set(http::field::content_type, "application/json");
      res->keep_alive(false);
      const std::string why =
          body ? "the body is larger than " + std::to_string(shared_->limits.body_limit) + " bytes"
               : std::string("the headers are too large");
      res->body() = R"({"code":"ERROR_CODE_PAYLOAD_TOO_LARGE","message":")" + why + "\"}";
      res->prepare_payload();
      shared_->handler.refused(res->result_int(), "ERROR_CODE_PAYLOAD_TOO_LARGE", why);
      return write(res);
    }
    // A request Beast cannot parse (a bad method, target or header) gets 400, then the
    // connection closes: what follows it on the wire cannot be framed.
    if (ec && ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      auto res = std::make_shared<http_response>(http::status::bad_request, 11);
      res->set(http::field::content_type, "application/json");
      res->keep_alive(false);
      res->body() = R"({"code":"ERROR_CODE_INVALID_ARGUMENT","message":"not an HTTP/1.1 request: )" +
                    ec.message() + "\"}";
      res->prepare_payload();
      shared_->handler.refused(400, "ERROR_CODE_INVALID_ARGUMENT", ec.message());
      return write(res);
    }
    if (ec) return close();
    stream_.expires_never();  // the handler answers, within handler_timeout
    waiting_ = true;
    timer_.expires_after(shared_->limits.handler_timeout);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || !self->stop_waiting()) return;
      auto res = std::make_shared<http_response>(http::status::service_unavailable, 11);
      res->set(http::field::content_type, "application/json");
      res->keep_alive(false);
      res->body() =
          R"({"code":"ERROR_CODE_TIMEOUT","message":"the node did not answer in time; retry"})";
      res->prepare_payload();
      self->shared_->handler.refused(503, "ERROR_CODE_TIMEOUT", "the handler did not answer in time");
      self->write(res);
    });
    head_ = parser_->get().method() == http::verb::head;
    shared_->handler.handle(parser_->release(), std::make_shared<connection_responder>(
                                                    shared_from_this()));
  }

  // On the connection's thread: whether a request was waiting for its handler (and now is not).
  bool stop_waiting() {
    if (!waiting_) return false;
    waiting_ = false;
    timer_.cancel();
    return true;
  }

  void write(std::shared_ptr<http_response> res) {
    write(std::make_shared<wire_response>(std::move(*res)));
  }
  void write(std::shared_ptr<wire_response> res) {
    stream_.expires_after(shared_->limits.write_timeout);
    net::async_write(stream_, res->buffers(),
                     [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                       if (ec || !res->keep_alive) return self->close();
                       self->read();
                     });
  }

  void queue_raw(std::shared_ptr<std::string> data) {
    raw_.push_back(std::move(data));
    if (raw_.size() == 1) write_raw();
  }
  void write_raw() {
    stream_.expires_after(shared_->limits.write_timeout);
    net::async_write(stream_, net::buffer(*raw_.front()),
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->raw_.pop_front();
                       if (!self->raw_.empty()) return self->write_raw();
                       self->stream_.expires_never();
                       if (self->ending_) self->close();
                     });
  }
  // A stream's peer sends nothing; a receive that completes means it left (or sent
  // junk, which ends the stream too).
  void watch_for_close() {
    peek_buffer_.resize(1);
    stream_.socket().async_receive(net::buffer(peek_buffer_), [self = shared_from_this()](
                                                                  beast::error_code, std::size_t) {
      self->close();
    });
  }

  void close() {
    if (closed_.exchange(true)) return;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  // Weak: a handler may keep its responder after the server and its io_contexts are
  // gone, and a connection must not outlive them (its socket and timer would reach
  // into a destroyed io_context). While a request waits for its handler, the pending
  // handler timer (or a stream's close watch) keeps the connection alive.
  struct connection_responder final : responder {
    explicit connection_responder(const std::shared_ptr<connection>& c) : conn(c) {}
    void reply(http_response response) override {
      if (auto c = conn.lock()) c->deliver(std::move(response));
    }
    void open_stream(const std::string& content_type) override {
      if (auto c = conn.lock()) c->open_stream(content_type);
    }
    void send(std::string data) override {
      if (auto c = conn.lock()) c->send(std::move(data));
    }
    void end() override {
      if (auto c = conn.lock()) c->end();
    }
    bool closed() const override {
      auto c = conn.lock();
      return !c || c->closed();
    }
    std::weak_ptr<connection> conn;
  };

  beast::tcp_stream stream_;
  net::steady_timer timer_{stream_.get_executor()};  // the handler's time limit
  bool waiting_ = false;                              // for the handler's answer
  bool head_ = false;                                 // the request waiting is a HEAD
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<shared_state> shared_;
  std::deque<std::shared_ptr<std::string>> raw_;  // a stream's pending writes
  std::vector<char> peek_buffer_;
  bool streaming_ = false, ending_ = false;
  std::atomic<bool> closed_{false};
};

}  // namespace

struct http_server::impl {
  impl(request_handler& handler, http_limits limits)
      : shared(std::make_shared<shared_state>(handler, limits)) {}
  // One io_context per I/O thread, each connection on one of them for its whole life:
  // a connection's handlers then never run concurrently (no strand needed) and the
  // threads do not contend for one scheduler's lock. The acceptor lives on the first.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> keep_running;
  std::size_t next_context = 0;  // round robin; only the acceptor's thread touches it
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> retry;  // after a failed accept, on the acceptor's thread
  std::shared_ptr<shared_state> shared;
  std::vector<std::thread> threads;

  void accept() {
    auto& context = *contexts[next_context++ % contexts.size()];
    acceptor->async_accept(context, [this](beast::error_code ec, tcp::socket s) {
      if (ec == net::error::operation_aborted) return;
      if (ec) {
        // Out of file descriptors (EMFILE) and the like: accepting again at once would
        // spin a core until one is free. Try again a little later.
        retry->expires_after(std::chrono::milliseconds(50));
        retry->async_wait([this](beast::error_code waited) {
          if (waited != net::error::operation_aborted) accept();
        });
        return;
      }
      s.set_option(tcp::no_delay(true), ec);
      auto c = std::make_shared<connection>(std::move(s), shared);
      if (shared->connections > shared->limits.max_connections)
        c->refuse();
      else
        c->start();
      accept();
    });
  }
};

http_server::http_server(request_handler& handler, http_limits limits)
    : impl_(std::make_unique<impl>(handler, limits)) {}

http_server::~http_server() { stop(); }

std::string http_server::start(const std::string& host, unsigned short port,
                               std::size_t threads) {
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return "not an IP address: " + host;
  tcp::endpoint endpoint{address, port};
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) {
    impl_->contexts.push_back(std::make_unique<net::io_context>(1));
    impl_->keep_running.push_back(net::make_work_guard(*impl_->contexts.back()));
  }
  auto& acceptor = impl_->acceptor.emplace(*impl_->contexts.front());
  impl_->retry.emplace(*impl_->contexts.front());
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return "cannot listen on " + host + ":" + std::to_string(port) + ": " + ec.message();
  impl_->accept();
  for (auto& context : impl_->contexts)
    impl_->threads.emplace_back([&context = *context] { context.run(); });
  return {};
}

unsigned short http_server::port() const {
  beast::error_code ec;
  return impl_->acceptor ? impl_->acceptor->local_endpoint(ec).port() : 0;
}

void http_server::stop() {
  if (impl_->threads.empty()) return;
  for (auto& context : impl_->contexts) context->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
}

http_response json_response(const http_request& request, unsigned status, std::string body) {
  http_response res{static_cast<http::status>(status), request.version()};
  res.set(http::field::server, "souk");
  res.set(http::field::content_type, "application/json");
  res.keep_alive(request.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

}  // namespace souk::gateway
