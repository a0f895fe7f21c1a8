#include "validate.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "souk/utf8.hpp"
#include "souk/v1/api.pb.h"
#include "souk/v1/commands.pb.h"
#include "souk/v1/limits.pb.h"
#include "souk/v1/storage.pb.h"
#include "souk/v1/transfer.pb.h"

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
    // Printable ASCII, most of any text, eight bytes at a time: no byte of `w` is at or
    // above 0x7F, or below 0x20.
    if (s.size() - at >= 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + at, 8);
      constexpr uint64_t ones = 0x0101010101010101, highs = 0x8080808080808080;
      const uint64_t low = (w - 0x20 * ones) & ~w;           // a byte below 0x20
      const uint64_t high = (w + 0x01 * ones) | w;           // a byte at or above 0x7F
      if (((low | high) & highs) == 0) {
        at += 8;
        continue;
      }
    }
    auto b = static_cast<unsigned char>(s[at]);
    if (static_cast<unsigned char>(b - 0x20) < 0x5F) {  // printable ASCII
      ++at;
      continue;
    }
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
  const pb::Reflection* reflection = nullptr;  // every message of the type shares it
  bool timestamp = false;
  std::vector<rule> fields;  // by field index
  std::vector<int> plain;    // the fields in no oneof (proto3 optional ones included)
  std::vector<const pb::OneofDescriptor*> oneofs;  // of which one field at most is set
};

type_rules make_rules(const pb::Descriptor* type, const pb::Reflection* reflection) {
  type_rules rules;
  rules.reflection = reflection;
  rules.timestamp = type->full_name() == "google.protobuf.Timestamp";
  for (int i = 0; i < type->field_count() && !rules.timestamp; ++i) {
    const field* f = type->field(i);
    rule r;
    r.f = f;
    const auto& limits = f->options().GetExtension(v1::limits);
    if (limits.session_id()) r.text = kind::session_id;
    if (limits.identifier()) r.text = kind::identifier, r.max_bytes = identifier_bytes;
    if (limits.max_bytes() > 0) r.max_bytes = limits.max_bytes();  // longer or shorter
    if (limits.has_min()) r.min = limits.min();
    if (limits.has_max()) r.max = limits.max();
    if (limits.max_items() > 0) r.max_items = static_cast<int>(limits.max_items());
    r.quantity = limits.quantity();
    rules.fields.push_back(r);
    if (!f->real_containing_oneof()) rules.plain.push_back(i);
  }
  for (int i = 0; i < type->real_oneof_decl_count(); ++i)
    rules.oneofs.push_back(type->oneof_decl(i));
  return rules;
}

// The rules of every message type reachable from souk's roots, made once and read
// without a lock; a type outside them (none in souk's schema) gets its rules made on
// the spot.
class registry {
 public:
  registry() {
    for (const pb::Descriptor* root :
         {v1::Command::descriptor(), v1::Event::descriptor(), v1::SessionState::descriptor(),
          v1::StateTransfer::descriptor(), v1::ReferenceRecord::descriptor(),
          v1::HandoffRequest::descriptor()})
      add(root);
  }
  const type_rules* find(const pb::Descriptor* type) const {
    auto it = rules_.find(type);
    return it == rules_.end() ? nullptr : &it->second;
  }

 private:
  void add(const pb::Descriptor* type) {
    if (rules_.count(type)) return;
    const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(type);
    rules_.emplace(type, make_rules(type, prototype->GetReflection()));
    for (int i = 0; i < type->field_count(); ++i)
      if (const pb::Descriptor* inner = type->field(i)->message_type()) add(inner);
  }
  std::unordered_map<const pb::Descriptor*, type_rules> rules_;
};

const registry& rules_registry() {
  static const registry instance;
  return instance;
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

std::optional<failure> check_message(const pb::Message& m, const pb::Descriptor* type);

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
std::optional<failure> check_value(const pb::Message& m, const pb::Reflection* refl,
                                   const rule& r, int index) {
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
      return check_message(one ? refl->GetMessage(m, f) : refl->GetRepeatedMessage(m, f, index),
                           f->message_type());
  }
  return std::nullopt;
}

std::optional<failure> check_map(const pb::Message& m, const pb::Reflection* refl,
                                 const rule& r) {
  const pb::Descriptor* entry_type = r.f->message_type();
  const field* key = entry_type->map_key();
  rule value_rule = r;
  value_rule.f = entry_type->map_value();
  const int size = refl->FieldSize(m, r.f);
  for (int i = 0; i < size; ++i) {
    const pb::Message& entry = refl->GetRepeatedMessage(m, r.f, i);
    const pb::Reflection* entry_refl = entry.GetReflection();
    if (key->cpp_type() == field::CPPTYPE_STRING) {
      std::string scratch;
      const std::string& k = entry_refl->GetStringReference(entry, key, &scratch);
      if (k.empty() || string_problem(k, kind::identifier, identifier_bytes))
        return broken("has a key that is not an identifier (1-128 bytes of UTF-8, no control "
                      "characters)");
    }
    if (auto f = check_value(entry, entry_refl, value_rule, -1)) {
      f->path.push_back("[" + std::to_string(i) + "]");
      return f;
    }
  }
  return std::nullopt;
}

// `m`, of `type` (known to the caller: asking the message costs a virtual call and a
// once-flag per message, a fifth of the check's time).
std::optional<failure> check_message(const pb::Message& m, const pb::Descriptor* type) {
  const type_rules* known = rules_registry().find(type);
  std::optional<type_rules> made;
  if (!known) known = &made.emplace(make_rules(type, m.GetReflection()));
  const type_rules& rules = *known;
  const pb::Reflection* refl = rules.reflection;
  if (rules.timestamp) {
    const int64_t seconds = refl->GetInt64(m, type->FindFieldByNumber(1));
    const int32_t nanos = refl->GetInt32(m, type->FindFieldByNumber(2));
    if (seconds < min_timestamp || seconds > max_timestamp || nanos < 0 || nanos > 999'999'999)
      return broken("is not a time between 0001-01-01 and 9999-12-31");
    return std::nullopt;
  }
  // Each field in no oneof, then the one set field of each oneof (a command's body is
  // one of 26: looking at the one set beats asking each whether it is).
  auto check = [&](const rule& r) -> std::optional<failure> {
    const field* f = r.f;
    std::optional<failure> found;
    if (f->is_repeated()) {
      const int size = refl->FieldSize(m, f);
      if (size > r.max_items) {
        found = broken("holds more than " + std::to_string(r.max_items) + " entries");
      } else if (f->is_map()) {
        found = check_map(m, refl, r);
      } else {
        for (int i = 0; i < size && !found; ++i)
          if ((found = check_value(m, refl, r, i)))
            found->path.push_back("[" + std::to_string(i) + "]");
      }
    } else if (f->cpp_type() != field::CPPTYPE_MESSAGE || refl->HasField(m, f)) {
      found = check_value(m, refl, r, -1);
    }
    if (found) found->path.push_back(f->json_name());
    return found;
  };
  for (int index : rules.plain)
    if (auto found = check(rules.fields[static_cast<std::size_t>(index)])) return found;
  for (const pb::OneofDescriptor* oneof : rules.oneofs)
    if (const field* set = refl->GetOneofFieldDescriptor(m, oneof))
      if (auto found = check(rules.fields[static_cast<std::size_t>(set->index())])) return found;
  return std::nullopt;
}

}  // namespace

bool valid_identifier(std::string_view text) {
  return string_problem(text, kind::identifier, identifier_bytes) == nullptr;
}

bool valid_session_id(std::string_view text) {
  static constexpr auto allowed = [] {
    std::array<bool, 256> table{};
    for (char c = 'a'; c <= 'z'; ++c) table[static_cast<unsigned char>(c)] = true;
    for (char c = 'A'; c <= 'Z'; ++c) table[static_cast<unsigned char>(c)] = true;
    for (char c = '0'; c <= '9'; ++c) table[static_cast<unsigned char>(c)] = true;
    for (char c : {'-', '_', '.', ':'}) table[static_cast<unsigned char>(c)] = true;
    return table;
  }();
  if (text.empty() || text.size() > 128) return false;
  for (char c : text)
    if (!allowed[static_cast<unsigned char>(c)]) return false;
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
  auto found = check_message(message, message.GetDescriptor());
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
