#pragma once

// A small blocking HTTP/1.1 client over one keep-alive connection, for soukctl's online
// mode, souk-bench and the gateway's tests. Not thread-safe: one per thread.
#include <map>
#include <memory>
#include <string>

namespace souk::gateway {

struct http_reply {
  unsigned status = 0;  // 0: no answer (see body for why)
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names
};

class http_client {
 public:
  /// `base` is "http://HOST:PORT"; connects on first use and again after a close.
  explicit http_client(std::string base, std::string api_key = {});
  ~http_client();
  /// Never throws: a request it cannot make or send has status 0 and says why in body.
  http_reply request(const std::string& method, const std::string& target,
                     const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});
  http_reply get(const std::string& target) { return request("GET", target); }
  http_reply post(const std::string& target, const std::string& body) {
    return request("POST", target, body);
  }

 private:
  http_reply exchange(const std::string& method, const std::string& target,
                      const std::string& body, const std::map<std::string, std::string>& headers);
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace souk::gateway
