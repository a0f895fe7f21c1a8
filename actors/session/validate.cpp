#include "validate.hpp"

#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "souk/utf8.hpp"
#include "souk/v1/limits.pb.h"

namespace souk::session {
namespace {

namespace pb = google::protobuf;
using field = pb::FieldDescriptor;

constexpr std::size_t text_bytes = 4096;
constexpr std::size_t identifier_bytes = 128;
constexpr int default_max_items = 64;
constexpr int64_t min_timestamp = -62'135'596'800;  // 0001-01-01T00:00:00Z
constexpr int64_t max_timestamp = 253'402'300'799;  // 9999-12-31T23:59:59Z

enum class kind { text, identifier, session_id };

// Why `s` is not a string of `k` within `max_bytes`, or null when it is.
const char* string_problem(std::string_view s, kind k, std::size_t max_bytes) {
  if (k == kind::session_id)
    return valid_session_id(s) ? nullptr
                               : "is not a session id: 1-128 characters of ASCII letters, "
                                 "digits, '-', '_', '.', ':'";
  if (s.size() > max_bytes) return "is too long";
  for (std::size_t at = 0; at < s.size();) {
    auto b = static_cast<unsigned char>(s[at]);
    if (b < 0x80) {
      const bool line_break = b == '\t' || b == '\n' || b == '\r';
      if ((b < 0x20 && (k != kind::text || !line_break)) || b == 0x7F)
        return "holds a control character";
      ++at;
      continue;
    }
    char32_t c;
    if (!decode_utf8(s, at, c)) return "is not well-formed UTF-8";
    if (c <= 0x9F) return "holds a control character";  // C1
  }
  if (k == kind::identifier && (s == "." || s == "..")) return "may not be \".\" or \"..\"";
  return nullptr;
}

// A field's rules, read once from its (souk.v1.limits) option.
struct rule {
  const field* f;
  kind text = kind::text;
  std::size_t max_bytes = text_bytes;
  std::optional<int64_t> min, max;
  int max_items = default_max_items;
  bool quantity = false;
};

struct type_rules {
  bool timestamp = false;
  std::vector<rule> fields;
};

const type_rules& rules_for(const pb::Descriptor* type) {
  // Per thread: built on first use without a lock, read without one after.
  thread_local std::unordered_map<const pb::Descriptor*, type_rules> cache;
  auto found = cache.find(type);
  if (found != cache.end()) return found->second;
  type_rules rules;
  rules.timestamp = type->full_name() == "google.protobuf.Timestamp";
  for (int i = 0; i < type->field_count() && !rules.timestamp; ++i) {
    const field* f = type->field(i);
    rule r;
    r.f = f;
    const auto& limits = f->options().GetExtension(v1::limits);
    if (limits.session_id()) r.text = kind::session_id;
    if (limits.identifier()) r.text = kind::identifier, r.max_bytes = identifier_bytes;
    if (limits.max_bytes() > 0) r.max_bytes = std::min<std::size_t>(r.max_bytes, limits.max_bytes());
    if (limits.has_min()) r.min = limits.min();
    if (limits.has_max()) r.max = limits.max();
    if (limits.max_items() > 0) r.max_items = static_cast<int>(limits.max_items());
    r.quantity = limits.quantity();
    rules.fields.push_back(r);
  }
  return cache.emplace(type, std::move(rules)).first->second;
}

// A broken rule: where (path segments, innermost first) and what.
struct failure {
  std::vector<std::string> path;
  std::string why;
  v1::ErrorCode code = v1::ERROR_CODE_INVALID_ARGUMENT;
};

std::optional<failure> broken(std::string why, v1::ErrorCode code = v1::ERROR_CODE_INVALID_ARGUMENT) {
  return failure{{}, std::move(why), code};
}

std::optional<failure> check_message(const pb::Message& m);

std::optional<failure> check_integer(const rule& r, int64_t value) {
  if ((r.min && value < *r.min) || (r.max && value > *r.max))
    return broken("must be between " + std::to_string(r.min.value_or(INT64_MIN)) + " and " +
                      std::to_string(r.max.value_or(INT64_MAX)),
                  r.quantity ? v1::ERROR_CODE_INVALID_QUANTITY : v1::ERROR_CODE_INVALID_ARGUMENT);
  return std::nullopt;
}

std::optional<failure> check_unsigned(const rule& r, uint64_t value) {
  if (value > static_cast<uint64_t>(INT64_MAX)) {
    if (r.max) return check_integer(r, INT64_MAX);  // above any bound the schema sets
    return std::nullopt;
  }
  return check_integer(r, static_cast<int64_t>(value));
}

// The value of `r.f` in `m` (element `index` when repeated, else -1).
std::optional<failure> check_value(const pb::Message& m, const rule& r, int index) {
  const pb::Reflection* refl = m.GetReflection();
  const field* f = r.f;
  const bool one = index < 0;
  switch (f->cpp_type()) {
    case field::CPPTYPE_INT32:
      return check_integer(r, one ? refl->GetInt32(m, f) : refl->GetRepeatedInt32(m, f, index));
    case field::CPPTYPE_INT64:
      return check_integer(r, one ? refl->GetInt64(m, f) : refl->GetRepeatedInt64(m, f, index));
    case field::CPPTYPE_UINT32:
      return check_unsigned(r, one ? refl->GetUInt32(m, f) : refl->GetRepeatedUInt32(m, f, index));
    case field::CPPTYPE_UINT64:
      return check_unsigned(r, one ? refl->GetUInt64(m, f) : refl->GetRepeatedUInt64(m, f, index));
    case field::CPPTYPE_DOUBLE:
    case field::CPPTYPE_FLOAT: {
      double v = f->cpp_type() == field::CPPTYPE_FLOAT
                     ? (one ? refl->GetFloat(m, f) : refl->GetRepeatedFloat(m, f, index))
                     : (one ? refl->GetDouble(m, f) : refl->GetRepeatedDouble(m, f, index));
      if (!std::isfinite(v)) return broken("must be a finite number");
      return std::nullopt;
    }
    case field::CPPTYPE_BOOL:
      return std::nullopt;
    case field::CPPTYPE_ENUM: {
      int v = one ? refl->GetEnumValue(m, f) : refl->GetRepeatedEnumValue(m, f, index);
      if (!f->enum_type()->FindValueByNumber(v))
        return broken("is not a value of " + f->enum_type()->name());
      return std::nullopt;
    }
    case field::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& s = one ? refl->GetStringReference(m, f, &scratch)
                                 : refl->GetRepeatedStringReference(m, f, index, &scratch);
      if (f->type() == field::TYPE_BYTES) {
        if (s.size() > r.max_bytes) return broken("is too long");
        return std::nullopt;
      }
      if (const char* problem = string_problem(s, r.text, r.max_bytes)) {
        std::string why = problem;
        if (why == "is too long") why += " (at most " + std::to_string(r.max_bytes) + " bytes)";
        return broken(std::move(why));
      }
      return std::nullopt;
    }
    case field::CPPTYPE_MESSAGE:
      return check_message(one ? refl->GetMessage(m, f) : refl->GetRepeatedMessage(m, f, index));
  }
  return std::nullopt;
}

std::optional<failure> check_map(const pb::Message& m, const rule& r) {
  const pb::Reflection* refl = m.GetReflection();
  const pb::Descriptor* entry_type = r.f->message_type();
  const field* key = entry_type->map_key();
  rule value_rule = r;
  value_rule.f = entry_type->map_value();
  const int size = refl->FieldSize(m, r.f);
  for (int i = 0; i < size; ++i) {
    const pb::Message& entry = refl->GetRepeatedMessage(m, r.f, i);
    if (key->cpp_type() == field::CPPTYPE_STRING) {
      std::string scratch;
      const std::string& k = entry.GetReflection()->GetStringReference(entry, key, &scratch);
      if (k.empty() || string_problem(k, kind::identifier, identifier_bytes))
        return broken("has a key that is not an identifier (1-128 bytes of UTF-8, no control "
                      "characters)");
    }
    if (auto f = check_value(entry, value_rule, -1)) {
      f->path.push_back("[" + std::to_string(i) + "]");
      return f;
    }
  }
  return std::nullopt;
}

std::optional<failure> check_message(const pb::Message& m) {
  const type_rules& rules = rules_for(m.GetDescriptor());
  const pb::Reflection* refl = m.GetReflection();
  if (rules.timestamp) {
    const pb::Descriptor* type = m.GetDescriptor();
    const int64_t seconds = refl->GetInt64(m, type->FindFieldByNumber(1));
    const int32_t nanos = refl->GetInt32(m, type->FindFieldByNumber(2));
    if (seconds < min_timestamp || seconds > max_timestamp || nanos < 0 || nanos > 999'999'999)
      return broken("is not a time between 0001-01-01 and 9999-12-31");
    return std::nullopt;
  }
  for (const rule& r : rules.fields) {
    const field* f = r.f;
    std::optional<failure> found;
    if (f->is_repeated()) {
      const int size = refl->FieldSize(m, f);
      if (size > r.max_items) {
        found = broken("holds more than " + std::to_string(r.max_items) + " entries");
      } else if (f->is_map()) {
        found = check_map(m, r);
      } else {
        for (int i = 0; i < size && !found; ++i)
          if ((found = check_value(m, r, i))) found->path.push_back("[" + std::to_string(i) + "]");
      }
    } else if (f->cpp_type() != field::CPPTYPE_MESSAGE || refl->HasField(m, f)) {
      found = check_value(m, r, -1);
    }
    if (found) {
      found->path.push_back(f->json_name());
      return found;
    }
  }
  return std::nullopt;
}

}  // namespace

bool valid_identifier(std::string_view text) {
  return string_problem(text, kind::identifier, identifier_bytes) == nullptr;
}

bool valid_session_id(std::string_view text) {
  if (text.empty() || text.size() > 128) return false;
  for (char c : text)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '_' || c == '.' || c == ':'))
      return false;
  return true;
}

bool valid_text(std::string_view text, std::size_t max_bytes) {
  return string_problem(text, kind::text, max_bytes) == nullptr;
}

bool valid_timestamp(const google::protobuf::Timestamp& at) {
  return at.seconds() >= min_timestamp && at.seconds() <= max_timestamp && at.nanos() >= 0 &&
         at.nanos() <= 999'999'999;
}

std::optional<v1::Error> check_limits(const google::protobuf::Message& message) {
  auto found = check_message(message);
  if (!found) return std::nullopt;
  std::string path;
  for (auto it = found->path.rbegin(); it != found->path.rend(); ++it) {
    if (!path.empty() && it->front() != '[') path += '.';
    path += *it;
  }
  auto error = make_error(found->code, path + " " + found->why);
  error.set_field(path);
  return error;
}

}  // namespace souk::session
