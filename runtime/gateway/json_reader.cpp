#include "runtime/gateway/json_reader.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "souk/utf8.hpp"
#include "souk/v1/common.pb.h"

namespace souk::gateway {
namespace {

namespace pb = google::protobuf;
using field = pb::FieldDescriptor;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// -?(0|[1-9][0-9]*): a plain integer; "-0" and leading zeros are left to protobuf.
bool plain_integer(std::string_view t) {
  std::size_t i = t.size() > 0 && t[0] == '-' ? 1 : 0;
  if (i == t.size()) return false;
  if (t[i] == '0') return t.size() == i + 1 && i == 0;
  for (; i < t.size(); ++i)
    if (!is_digit(t[i])) return false;
  return true;
}

template <class Int>
bool to_integer(std::string_view t, Int& out) {
  if (!plain_integer(t)) return false;
  auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), out);
  return error == std::errc() && end == t.data() + t.size();
}

int days_in_month(int64_t year, int64_t month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : days[month - 1];
}

// "YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM)" (RFC 3339) to seconds and nanos since
// the epoch, within 0001-01-01T00:00:00Z..9999-12-31T23:59:59.999999999Z.
bool to_timestamp(std::string_view t, int64_t& seconds, int32_t& nanos) {
  auto number = [&](std::size_t at, std::size_t length, int64_t& out) {
    out = 0;
    if (at + length > t.size()) return false;
    for (std::size_t i = at; i < at + length; ++i) {
      if (!is_digit(t[i])) return false;
      out = out * 10 + (t[i] - '0');
    }
    return true;
  };
  if (t.size() < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' || t[13] != ':' ||
      t[16] != ':')
    return false;
  int64_t year, month, day, hour, minute, second;
  if (!number(0, 4, year) || !number(5, 2, month) || !number(8, 2, day) ||
      !number(11, 2, hour) || !number(14, 2, minute) || !number(17, 2, second))
    return false;
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 59)
    return false;
  nanos = 0;
  std::size_t at = 19;
  if (t[at] == '.') {
    std::size_t end = ++at;
    while (end < t.size() && is_digit(t[end])) ++end;
    const std::size_t fraction = end - at;
    if (fraction < 1 || fraction > 9) return false;
    int64_t digits;
    if (!number(at, fraction, digits)) return false;
    for (std::size_t i = fraction; i < 9; ++i) digits *= 10;
    nanos = static_cast<int32_t>(digits);
    at = end;
  }
  int64_t offset = 0;  // seconds east of UTC
  if (at + 1 == t.size() && t[at] == 'Z') {
  } else if (at + 6 == t.size() && (t[at] == '+' || t[at] == '-') && t[at + 3] == ':') {
    int64_t hours, minutes;
    if (!number(at + 1, 2, hours) || !number(at + 4, 2, minutes) || hours > 23 || minutes > 59)
      return false;
    offset = (t[at] == '+' ? 1 : -1) * (hours * 3600 + minutes * 60);
  } else {
    return false;
  }
  // Days since 1970-01-01 (H. Hinnant's days_from_civil).
  int64_t y = year - (month <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset;
  return seconds >= -62135596800 && seconds <= 253402300799;
}

class reader {
 public:
  explicit reader(std::string_view in) : in_(in) {}

  bool document(pb::Message& m) {
    space();
    if (!message(m)) return false;
    space();
    if (at_ != in_.size()) return fail("more after the end of the object");
    return true;
  }

  // Where and why the input was refused: "at byte 12 (addToCart.quantity): ...", and
  // the field's path.
  v1::Error error() const {
    v1::Error e;
    e.set_code(v1::ERROR_CODE_INVALID_ARGUMENT);
    e.set_message("at byte " + std::to_string(error_at_) +
                  (field_.empty() ? "" : " (" + field_ + ")") + ": " + why_);
    e.set_field(field_);
    return e;
  }

 private:
  bool fail(std::string why) {
    if (why_.empty()) {
      why_ = std::move(why);
      error_at_ = at_;
      for (const auto& segment : path_) {
        if (!field_.empty() && segment.front() != '[') field_ += '.';
        field_ += segment;
      }
    }
    return false;
  }

  void space() {
    while (at_ < in_.size() &&
           (in_[at_] == ' ' || in_[at_] == '\n' || in_[at_] == '\t' || in_[at_] == '\r'))
      ++at_;
  }
  bool next_is(char c) {
    space();
    return at_ < in_.size() && in_[at_] == c;
  }
  bool take(char c) {
    if (!next_is(c)) return false;
    ++at_;
    return true;
  }
  bool expect(char c) {
    if (take(c)) return true;
    return fail(std::string("expected '") + c + "'");
  }

  bool hex4(unsigned& out) {
    if (in_.size() - at_ < 4) return false;
    out = 0;
    for (int i = 0; i < 4; ++i) {
      char c = in_[at_++];
      unsigned digit = is_digit(c)            ? c - '0'
                       : c >= 'a' && c <= 'f' ? c - 'a' + 10
                       : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                              : 16;
      if (digit == 16) return false;
      out = out << 4 | digit;
    }
    return true;
  }

  // A JSON string, unescaped, into `out`; well-formed UTF-8 only.
  bool string(std::string& out) {
    out.clear();
    if (!take('"')) return fail("expected a string");
    std::size_t plain = at_;
    while (at_ < in_.size()) {
      auto b = static_cast<unsigned char>(in_[at_]);
      if (b == '"') {
        out.append(in_.data() + plain, at_ - plain);
        ++at_;
        return true;
      }
      if (b < 0x20) return fail("a control character inside a string (escape it)");
      if (b >= 0x80) {
        char32_t c;
        if (!decode_utf8(in_, at_, c)) return fail("a string that is not well-formed UTF-8");
        continue;
      }
      if (b != '\\') {
        ++at_;
        continue;
      }
      out.append(in_.data() + plain, at_ - plain);
      if (++at_ == in_.size()) break;
      char e = in_[at_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned unit;
          if (!hex4(unit)) return fail("a \\u escape needs four hex digits");
          char32_t c = unit;
          if (unit >= 0xDC00 && unit <= 0xDFFF) return fail("a lone low surrogate");
          if (unit >= 0xD800 && unit <= 0xDBFF) {
            unsigned low;
            if (in_.substr(at_, 2) != "\\u") return fail("a lone high surrogate");
            at_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return fail("a lone high surrogate");
            c = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, c);
          break;
        }
        default:
          return fail("an unknown escape in a string");
      }
      plain = at_;
    }
    return fail("a string that does not end");
  }

  // A JSON number's text: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?
  bool number(std::string_view& out) {
    space();
    std::size_t start = at_;
    auto digits = [&] {
      std::size_t from = at_;
      while (at_ < in_.size() && is_digit(in_[at_])) ++at_;
      return at_ > from;
    };
    if (at_ < in_.size() && in_[at_] == '-') ++at_;
    if (at_ < in_.size() && in_[at_] == '0')
      ++at_;
    else if (!digits())
      return fail("expected a number");
    if (at_ < in_.size() && in_[at_] == '.') {
      ++at_;
      if (!digits()) return fail("expected a number");
    }
    if (at_ < in_.size() && (in_[at_] == 'e' || in_[at_] == 'E')) {
      ++at_;
      if (at_ < in_.size() && (in_[at_] == '+' || in_[at_] == '-')) ++at_;
      if (!digits()) return fail("expected a number");
    }
    out = in_.substr(start, at_ - start);
    return true;
  }

  bool literal(std::string_view word) {
    space();
    if (in_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  // `key` names a field by its JSON name or its proto name, and not two fields.
  static const field* find_field(const pb::Descriptor* type, const std::string& key) {
    const field* by_json = type->FindFieldByCamelcaseName(key);
    if (by_json && by_json->json_name() != key) by_json = nullptr;
    const field* by_name = type->FindFieldByName(key);
    if (by_json && by_name && by_json != by_name) return nullptr;
    return by_json ? by_json : by_name;
  }

  bool message(pb::Message& m) {
    if (++depth_ > 32) return fail("objects nested deeper than 32");
    const pb::Descriptor* type = m.GetDescriptor();
    if (!expect('{')) return false;
    std::vector<bool> seen(static_cast<std::size_t>(type->field_count()));
    std::vector<bool> oneof_seen(static_cast<std::size_t>(type->oneof_decl_count()));
    if (!take('}')) {
      do {
        std::string key;
        if (!string(key) || !expect(':')) return false;
        const field* f = find_field(type, key);
        if (!f) return fail("no field \"" + key + "\" in " + type->full_name());
        path_.push_back(f->json_name());
        if (seen[static_cast<std::size_t>(f->index())]) return fail("the field is given twice");
        seen[static_cast<std::size_t>(f->index())] = true;
        if (const pb::OneofDescriptor* o = f->containing_oneof()) {
          if (oneof_seen[static_cast<std::size_t>(o->index())])
            return fail("only one field of '" + o->name() + "' may be given");
          oneof_seen[static_cast<std::size_t>(o->index())] = true;
        }
        // null: the field's default, as if it were absent.
        if (!literal("null")) {
          bool ok = f->is_map()        ? map(m, f)
                    : f->is_repeated() ? list(m, f)
                                       : value(m, f, false);
          if (!ok) return false;
        }
        path_.pop_back();
      } while (take(','));
      if (!expect('}')) return false;
    }
    --depth_;
    return true;
  }

  bool list(pb::Message& m, const field* f) {
    if (!take('[')) return fail("expected an array");
    if (take(']')) return true;
    std::size_t index = 0;
    do {
      path_.push_back("[" + std::to_string(index++) + "]");
      if (!value(m, f, true)) return false;
      path_.pop_back();
    } while (take(','));
    return expect(']');
  }

  bool map(pb::Message& m, const field* f) {
    const field* key = f->message_type()->map_key();
    const field* val = f->message_type()->map_value();
    if (key->cpp_type() != field::CPPTYPE_STRING) return fail("a map this reader cannot read");
    if (!take('{')) return fail("expected an object");
    if (take('}')) return true;
    std::unordered_set<std::string> keys;  // a hash: a 1 MiB body holds 90k of them
    do {
      std::string k;
      if (!string(k) || !expect(':')) return false;
      if (!keys.insert(k).second) return fail("a key given twice");
      pb::Message* entry = m.GetReflection()->AddMessage(&m, f);
      entry->GetReflection()->SetString(entry, key, std::move(k));
      if (!value(*entry, val, false)) return false;
    } while (take(','));
    return expect('}');
  }

  // A value for field `f` of `m`: set it, or append it when `add`.
  bool value(pb::Message& m, const field* f, bool add) {
    const pb::Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case field::CPPTYPE_INT32:
        return integer<int32_t>(
            [&](int32_t v) { add ? r->AddInt32(&m, f, v) : r->SetInt32(&m, f, v); });
      case field::CPPTYPE_INT64:
        return integer<int64_t>(
            [&](int64_t v) { add ? r->AddInt64(&m, f, v) : r->SetInt64(&m, f, v); });
      case field::CPPTYPE_UINT32:
        return integer<uint32_t>(
            [&](uint32_t v) { add ? r->AddUInt32(&m, f, v) : r->SetUInt32(&m, f, v); });
      case field::CPPTYPE_UINT64:
        return integer<uint64_t>(
            [&](uint64_t v) { add ? r->AddUInt64(&m, f, v) : r->SetUInt64(&m, f, v); });
      case field::CPPTYPE_DOUBLE: {
        std::string_view t;
        if (!number(t)) return false;
        // protobuf reads a number without '.' or exponent as a 64-bit integer (so "-0"
        // is 0), then rounds it to the nearest double, as its printer writes doubles of
        // up to 17 digits; a longer one this reader refuses.
        bool integral = t.find_first_of(".eE") == std::string_view::npos;
        int64_t whole = 0;
        if (integral && t != "-0" && !to_integer(t, whole)) return fail("a number out of range");
        double v;
        auto [end, error] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (error != std::errc() || end != t.data() + t.size())
          return fail("a number out of range");
        if (integral && v == 0) v = 0;
        add ? r->AddDouble(&m, f, v) : r->SetDouble(&m, f, v);
        return true;
      }
      case field::CPPTYPE_BOOL: {
        bool v;
        if (literal("true"))
          v = true;
        else if (literal("false"))
          v = false;
        else
          return fail("expected true or false");
        add ? r->AddBool(&m, f, v) : r->SetBool(&m, f, v);
        return true;
      }
      case field::CPPTYPE_ENUM: {
        const pb::EnumValueDescriptor* v = nullptr;
        if (next_is('"')) {
          std::string name;
          if (!string(name)) return false;
          v = f->enum_type()->FindValueByName(name);
        } else {
          std::string_view t;
          int number_value;
          if (!number(t) || !to_integer(t, number_value)) return fail("expected a value of " + f->enum_type()->name());
          v = f->enum_type()->FindValueByNumber(number_value);
        }
        if (!v) return fail("not a value of " + f->enum_type()->name());
        add ? r->AddEnumValue(&m, f, v->number()) : r->SetEnumValue(&m, f, v->number());
        return true;
      }
      case field::CPPTYPE_STRING: {
        std::string v;
        if (f->type() == field::TYPE_BYTES) return fail("a bytes field this reader cannot read");
        if (!string(v)) return false;
        add ? r->AddString(&m, f, std::move(v)) : r->SetString(&m, f, std::move(v));
        return true;
      }
      case field::CPPTYPE_MESSAGE: {
        pb::Message* sub = add ? r->AddMessage(&m, f) : r->MutableMessage(&m, f);
        const std::string& type = f->message_type()->full_name();
        if (type == "google.protobuf.Timestamp") return timestamp(*sub);
        if (f->message_type()->file()->name().rfind("google/protobuf/", 0) == 0)
          return fail("a " + type + " this reader cannot read");
        return message(*sub);
      }
      default:
        return fail("a float this reader cannot read");  // not in souk's schema
    }
  }

  template <class Int, class Set>
  bool integer(Set set) {
    std::string_view t;
    std::string quoted;
    if (next_is('"')) {
      if (!string(quoted)) return false;
      t = quoted;
    } else if (!number(t)) {
      return fail("expected an integer");
    }
    Int v;
    if (!plain_integer(t)) return fail("expected an integer, written as digits");
    if (!to_integer(t, v)) return fail("an integer out of range");
    set(v);
    return true;
  }

  bool timestamp(pb::Message& m) {
    std::string text;
    int64_t seconds;
    int32_t nanos;
    if (!string(text)) return false;
    if (!to_timestamp(text, seconds, nanos))
      return fail("expected a time in RFC 3339 between years 1 and 9999, e.g. 2026-11-27T10:00:00Z");
    const pb::Descriptor* type = m.GetDescriptor();
    m.GetReflection()->SetInt64(&m, type->FindFieldByNumber(1), seconds);
    m.GetReflection()->SetInt32(&m, type->FindFieldByNumber(2), nanos);
    return true;
  }

  std::string_view in_;
  std::size_t at_ = 0;
  int depth_ = 0;
  std::vector<std::string> path_;  // JSON names and [indexes] down to the value read
  std::string why_, field_;
  std::size_t error_at_ = 0;
};

}  // namespace

std::optional<v1::Error> read_json(std::string_view json, google::protobuf::Message& message) {
  message.Clear();
  reader in(json);
  if (in.document(message)) return std::nullopt;
  message.Clear();
  return in.error();
}

}  // namespace souk::gateway
