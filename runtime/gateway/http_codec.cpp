#include "runtime/gateway/http_codec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/type.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver.h>
#include <google/protobuf/util/type_resolver_util.h>

#include "runtime/gateway/json_printer.hpp"
#include "runtime/gateway/json_reader.hpp"

namespace souk::gateway {
namespace {

std::string percent_decode(std::string_view in) {
  std::string out;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(in[i + 1]) && std::isxdigit(in[i + 2])) {
      out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += in[i] == '+' ? ' ' : in[i];
    }
  }
  return out;
}

}  // namespace

namespace {

// protobuf's JSON functions describe every message type afresh on each call (their
// type resolver converts descriptors to google.protobuf.Type each time): this one keeps
// each description once made. ~24 -> ~18 us per command parsed and reply printed.
class cached_type_resolver final : public google::protobuf::util::TypeResolver {
 public:
  using status = google::protobuf::util::Status;
  status ResolveMessageType(const std::string& url, google::protobuf::Type* type) override {
    return resolve(url, *type, types_,
                   [&](google::protobuf::Type& t) { return inner_->ResolveMessageType(url, &t); });
  }
  status ResolveEnumType(const std::string& url, google::protobuf::Enum* e) override {
    return resolve(url, *e, enums_,
                   [&](google::protobuf::Enum& t) { return inner_->ResolveEnumType(url, &t); });
  }

 private:
  template <class T, class Make>
  status resolve(const std::string& url, T& out, std::map<std::string, T>& cache, Make make) {
    {
      std::shared_lock<std::shared_mutex> lock(mutex_);
      if (auto it = cache.find(url); it != cache.end()) {
        out = it->second;
        return status();
      }
    }
    T made;
    if (auto s = make(made); !s.ok()) return s;
    std::unique_lock<std::shared_mutex> lock(mutex_);
    out = cache.emplace(url, std::move(made)).first->second;
    return status();
  }

  std::unique_ptr<google::protobuf::util::TypeResolver> inner_{
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool())};
  std::shared_mutex mutex_;
  std::map<std::string, google::protobuf::Type> types_;
  std::map<std::string, google::protobuf::Enum> enums_;
};

cached_type_resolver& resolver() {
  static cached_type_resolver instance;
  return instance;
}

std::string type_url(const google::protobuf::Message& message) {
  return "type.googleapis.com/" + message.GetDescriptor()->full_name();
}

}  // namespace

std::string to_json(const google::protobuf::Message& message) {
  std::string out;
  if (print_json(message, out)) return out;
  out.clear();
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::BinaryToJsonString(&resolver(), type_url(message),
                                                   message.SerializeAsString(), &out, options);
  return out;
}

// Strict: an unknown field is an error, not silently dropped.
std::optional<std::string> from_json(const std::string& body, google::protobuf::Message& message) {
  if (read_json(body, message)) return std::nullopt;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  std::string binary;
  auto status = google::protobuf::util::JsonToBinaryString(&resolver(), type_url(message), body,
                                                           &binary, options);
  if (status.ok() && message.ParseFromString(binary)) return std::nullopt;
  return "the body is not a valid " + message.GetDescriptor()->full_name() + " in JSON: " +
         (status.ok() ? std::string("it does not decode") : std::string(status.message()));
}

unsigned status_of(v1::ErrorCode code) {
  switch (code) {
    case v1::ERROR_CODE_VERSION_CONFLICT: return 409;
    case v1::ERROR_CODE_PERMISSION_DENIED: return 403;
    case v1::ERROR_CODE_UNAUTHENTICATED: return 401;
    case v1::ERROR_CODE_NOT_FOUND: return 404;
    case v1::ERROR_CODE_PAYLOAD_TOO_LARGE: return 413;
    case v1::ERROR_CODE_INVALID_ARGUMENT:
    case v1::ERROR_CODE_UNSUPPORTED_SCHEMA_VERSION:
    case v1::ERROR_CODE_UNKNOWN_EVENT:
      return 400;
    case v1::ERROR_CODE_CORRUPT_RECORD: return 500;
    case v1::ERROR_CODE_STORAGE_FAILURE:
    case v1::ERROR_CODE_OVERLOADED:
    case v1::ERROR_CODE_TIMEOUT:
      return 503;
    default: return 422;  // a business rule (or a transfer that does not hold)
  }
}

target parse_target(std::string_view raw) {
  target t;
  auto q = raw.find('?');
  auto path = raw.substr(0, q);
  for (std::size_t at = 0; at < path.size();) {
    auto end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    if (end > at) t.path.push_back(percent_decode(path.substr(at, end - at)));
    at = end + 1;
  }
  if (q == std::string_view::npos) return t;
  auto query = raw.substr(q + 1);
  for (std::size_t at = 0; at < query.size();) {
    auto end = query.find('&', at);
    if (end == std::string_view::npos) end = query.size();
    auto pair = query.substr(at, end - at);
    auto eq = pair.find('=');
    t.query[percent_decode(pair.substr(0, eq))] =
        eq == std::string_view::npos ? "" : percent_decode(pair.substr(eq + 1));
    at = end + 1;
  }
  return t;
}

bool valid_session_id(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

std::optional<uint64_t> parse_u64(const std::string& text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string sse_frame(const v1::Event& event) {
  const auto* field = v1::Event::descriptor()->FindFieldByNumber(event.body_case());
  return "id: " + std::to_string(event.seq()) + "\nevent: " + (field ? field->name() : "event") +
         "\ndata: " + to_json(event) + "\n\n";
}

}  // namespace souk::gateway
