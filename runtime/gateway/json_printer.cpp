#include "runtime/gateway/json_printer.hpp"

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <type_traits>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "souk/utf8.hpp"

namespace souk::gateway {
namespace {

namespace pb = google::protobuf;
using field = pb::FieldDescriptor;

// The code points above U+007F that protobuf 3.21's JSON escaping writes as \u escapes
// (format and invisible characters), as inclusive ranges.
constexpr std::pair<char32_t, char32_t> escaped_ranges[] = {
    {0x7f, 0x9f},       {0xad, 0xad},       {0x600, 0x603},     {0x6dd, 0x6dd},
    {0x70f, 0x70f},     {0x17b4, 0x17b5},   {0x200b, 0x200f},   {0x2028, 0x202e},
    {0x2060, 0x2064},   {0x206a, 0x206f},   {0xfeff, 0xfeff},   {0xfff9, 0xfffb},
    {0x1d173, 0x1d17a}, {0xe0001, 0xe0001}, {0xe0020, 0xe007f},
};

bool escaped(char32_t c) {
  for (auto [low, high] : escaped_ranges)
    if (c >= low && c <= high) return true;
  return false;
}

void append_u_escape(std::string& out, unsigned unit) {
  static constexpr char hex[] = "0123456789abcdef";
  const char text[6] = {'\\',
                        'u',
                        hex[unit >> 12 & 0xF],
                        hex[unit >> 8 & 0xF],
                        hex[unit >> 4 & 0xF],
                        hex[unit & 0xF]};
  out.append(text, 6);
}

// A string that is not well-formed UTF-8 (from a record written before input was
// checked) gets U+FFFD for each byte that does not decode: the output stays JSON.
void append_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t plain = 0;  // start of the run not yet copied
  for (std::size_t at = 0; at < s.size();) {
    auto b = static_cast<unsigned char>(s[at]);
    if (b >= 0x80) {
      std::size_t start = at;
      char32_t c;
      if (!decode_utf8(s, at, c)) {
        out.append(s.data() + plain, start - plain);
        out += "\\ufffd";
        plain = ++at;
        continue;
      }
      if (!escaped(c)) continue;
      out.append(s.data() + plain, start - plain);
      if (c >= 0x10000) {
        append_u_escape(out, 0xD800 + ((c - 0x10000) >> 10));
        append_u_escape(out, 0xDC00 + ((c - 0x10000) & 0x3FF));
      } else {
        append_u_escape(out, c);
      }
      plain = at;
      continue;
    }
    if (b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != 0x7F) {
      ++at;
      continue;
    }
    out.append(s.data() + plain, at - plain);
    switch (b) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        append_u_escape(out, b);
    }
    plain = ++at;
  }
  out.append(s.data() + plain, s.size() - plain);
  out += '"';
}

template <class Int>
void append_int(std::string& out, Int value) {
  char text[24];
  auto end = std::to_chars(text, text + sizeof text, value).ptr;
  out.append(text, end);
}

template <class Int>
void append_quoted_int(std::string& out, Int value) {
  out += '"';
  append_int(out, value);
  out += '"';
}

// protobuf's SimpleDtoa / SimpleFtoa: the shortest of DIG and DIG + 2 (3 for float)
// significant digits that reads back exactly; non-finite values as quoted names.
template <class Real>
void append_real(std::string& out, Real value) {
  if (std::isnan(value)) {
    out += "\"NaN\"";
    return;
  }
  if (std::isinf(value)) {
    out += value > 0 ? "\"Infinity\"" : "\"-Infinity\"";
    return;
  }
  constexpr bool is_double = std::is_same_v<Real, double>;
  constexpr int digits = is_double ? DBL_DIG : FLT_DIG;
  char text[40];
  int n = std::snprintf(text, sizeof text, "%.*g", digits, static_cast<double>(value));
  bool exact = is_double ? std::strtod(text, nullptr) == static_cast<double>(value)
                         : std::strtof(text, nullptr) == static_cast<float>(value);
  if (!exact)
    n = std::snprintf(text, sizeof text, "%.*g", is_double ? DBL_DIG + 2 : FLT_DIG + 3,
                      static_cast<double>(value));
  out.append(text, static_cast<std::size_t>(n));
}

void append_base64(std::string& out, const std::string& bytes) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out += '"';
  std::size_t i = 0;
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  for (; i + 3 <= bytes.size(); i += 3) {
    unsigned v = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    const char quad[4] = {alphabet[v >> 18], alphabet[v >> 12 & 63],
                          alphabet[v >> 6 & 63], alphabet[v & 63]};
    out.append(quad, 4);
  }
  if (bytes.size() - i == 1) {
    unsigned v = at(i) << 16;
    const char quad[4] = {alphabet[v >> 18], alphabet[v >> 12 & 63], '=', '='};
    out.append(quad, 4);
  } else if (bytes.size() - i == 2) {
    unsigned v = at(i) << 16 | at(i + 1) << 8;
    const char quad[4] = {alphabet[v >> 18], alphabet[v >> 12 & 63],
                          alphabet[v >> 6 & 63], '='};
    out.append(quad, 4);
  }
  out += '"';
}

// ".fff", ".ffffff" or ".fffffffff": the fewest groups of three that hold `nanos` (> 0).
void append_nanos(std::string& out, int32_t nanos) {
  char text[10];
  std::snprintf(text, sizeof text, "%09d", nanos);
  std::size_t digits = nanos % 1000000 == 0 ? 3 : nanos % 1000 == 0 ? 6 : 9;
  out += '.';
  out.append(text, digits);
}

void append_digits(std::string& out, int64_t value, int width) {
  char text[24];
  int n =
      std::snprintf(text, sizeof text, "%0*lld", width, static_cast<long long>(value));
  out.append(text, static_cast<std::size_t>(n));
}

// RFC 3339 in UTC, 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. A time
// outside (from a record written before input was checked) is shown at the nearer end.
void append_timestamp(std::string& out, int64_t seconds, int32_t nanos) {
  if (seconds < -62135596800) seconds = -62135596800, nanos = 0;
  if (seconds > 253402300799) seconds = 253402300799, nanos = 999999999;
  nanos = std::clamp(nanos, 0, 999999999);
  int64_t days = seconds / 86400, second_of_day = seconds % 86400;
  if (second_of_day < 0) second_of_day += 86400, --days;
  // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t day = doy - (153 * mp + 2) / 5 + 1;
  int64_t month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2);
  out += '"';
  append_digits(out, year, 4);
  out += '-';
  append_digits(out, month, 2);
  out += '-';
  append_digits(out, day, 2);
  out += 'T';
  append_digits(out, second_of_day / 3600, 2);
  out += ':';
  append_digits(out, second_of_day / 60 % 60, 2);
  out += ':';
  append_digits(out, second_of_day % 60, 2);
  if (nanos) append_nanos(out, nanos);
  out += "Z\"";
}

// "-3.500s": seconds and nanos share a sign, |seconds| <= 10,000 years (beyond: the
// nearer end).
void append_duration(std::string& out, int64_t seconds, int32_t nanos) {
  constexpr int64_t most = 315576000000;
  if (nanos < -999999999 || nanos > 999999999 || (seconds < 0 && nanos > 0) ||
      (seconds > 0 && nanos < 0))
    nanos = 0;
  if (seconds < -most || seconds > most) seconds = seconds < 0 ? -most : most, nanos = 0;
  out += '"';
  if (seconds < 0 || nanos < 0) out += '-';
  append_int(out, seconds < 0 ? -seconds : seconds);
  if (nanos) append_nanos(out, nanos < 0 ? -nanos : nanos);
  out += "s\"";
}

class printer {
 public:
  explicit printer(std::string& out) : out_(out) {}

  bool message(const pb::Message& m) {
    const pb::Descriptor* type = m.GetDescriptor();
    if (type->file()->name().rfind("google/protobuf/", 0) == 0)
      return well_known(m, type);
    std::vector<const field*> fields;
    m.GetReflection()->ListFields(m, &fields);
    out_ += '{';
    bool first = true;
    for (const field* f : fields) {
      if (f->is_extension()) return false;
      if (!first) out_ += ',';
      first = false;
      out_ += '"';
      out_ += f->json_name();
      out_ += "\":";
      if (!(f->is_map() ? map(m, f) : f->is_repeated() ? list(m, f) : value(m, f, -1)))
        return false;
    }
    out_ += '}';
    return true;
  }

 private:
  // Timestamp, Duration and the wrappers; any other well-known type that is not an
  // ordinary message (Any, Struct, Value, ListValue, FieldMask) is left to protobuf.
  bool well_known(const pb::Message& m, const pb::Descriptor* type) {
    const std::string& name = type->full_name();
    const pb::Reflection* r = m.GetReflection();
    if (name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration") {
      const field* seconds = type->FindFieldByNumber(1);
      const field* nanos = type->FindFieldByNumber(2);
      int64_t s = r->GetInt64(m, seconds);
      int32_t n = r->GetInt32(m, nanos);
      if (name == "google.protobuf.Timestamp")
        append_timestamp(out_, s, n);
      else
        append_duration(out_, s, n);
      return true;
    }
    static constexpr std::string_view wrappers[] = {
        "google.protobuf.DoubleValue", "google.protobuf.FloatValue",
        "google.protobuf.Int64Value",  "google.protobuf.UInt64Value",
        "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
        "google.protobuf.BoolValue",   "google.protobuf.StringValue",
        "google.protobuf.BytesValue"};
    if (std::find(std::begin(wrappers), std::end(wrappers), name) != std::end(wrappers))
      return value(m, type->FindFieldByNumber(1), -1);
    if (name == "google.protobuf.Any" || name == "google.protobuf.Struct" ||
        name == "google.protobuf.Value" || name == "google.protobuf.ListValue" ||
        name == "google.protobuf.FieldMask")
      return false;
    // An ordinary message that happens to live in google/protobuf (Empty, Type, ...).
    std::vector<const field*> fields;
    r->ListFields(m, &fields);
    if (!fields.empty()) return false;  // not needed by souk; protobuf knows them
    out_ += "{}";
    return true;
  }

  bool list(const pb::Message& m, const field* f) {
    int size = m.GetReflection()->FieldSize(m, f);
    out_ += '[';
    for (int i = 0; i < size; ++i) {
      if (i) out_ += ',';
      if (!value(m, f, i)) return false;
    }
    out_ += ']';
    return true;
  }

  // Entries in key order, as deterministic serialization writes them. souk's maps all
  // have string keys; others are left to protobuf (false).
  bool map(const pb::Message& m, const field* f) {
    const field* key = f->message_type()->map_key();
    const field* val = f->message_type()->map_value();
    if (key->cpp_type() != field::CPPTYPE_STRING) return false;
    const pb::Reflection* r = m.GetReflection();
    const int size = r->FieldSize(m, f);
    std::vector<std::string> scratch(static_cast<std::size_t>(size));
    std::vector<std::pair<const std::string*, const pb::Message*>> entries;
    entries.reserve(scratch.size());
    for (int i = 0; i < size; ++i) {
      const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
      entries.emplace_back(
          &entry.GetReflection()->GetStringReference(entry, key, &scratch[i]), &entry);
    }
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return *a.first < *b.first; });
    out_ += '{';
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (i) out_ += ',';
      append_string(out_, *entries[i].first);
      out_ += ':';
      if (!value(*entries[i].second, val, -1)) return false;
    }
    out_ += '}';
    return true;
  }

  // Field `f` of `m`: its value, or its element `index` when repeated (index >= 0).
  bool value(const pb::Message& m, const field* f, int index) {
    const pb::Reflection* r = m.GetReflection();
    bool one = index < 0;
    switch (f->cpp_type()) {
      case field::CPPTYPE_INT32:
        append_int(out_, one ? r->GetInt32(m, f) : r->GetRepeatedInt32(m, f, index));
        return true;
      case field::CPPTYPE_UINT32:
        append_int(out_, one ? r->GetUInt32(m, f) : r->GetRepeatedUInt32(m, f, index));
        return true;
      case field::CPPTYPE_INT64:
        append_quoted_int(out_,
                          one ? r->GetInt64(m, f) : r->GetRepeatedInt64(m, f, index));
        return true;
      case field::CPPTYPE_UINT64:
        append_quoted_int(out_,
                          one ? r->GetUInt64(m, f) : r->GetRepeatedUInt64(m, f, index));
        return true;
      case field::CPPTYPE_DOUBLE:
        append_real(out_, one ? r->GetDouble(m, f) : r->GetRepeatedDouble(m, f, index));
        return true;
      case field::CPPTYPE_FLOAT:
        append_real(out_, one ? r->GetFloat(m, f) : r->GetRepeatedFloat(m, f, index));
        return true;
      case field::CPPTYPE_BOOL:
        out_ +=
            (one ? r->GetBool(m, f) : r->GetRepeatedBool(m, f, index)) ? "true" : "false";
        return true;
      case field::CPPTYPE_ENUM: {
        if (f->enum_type()->full_name() == "google.protobuf.NullValue") return false;
        int number = one ? r->GetEnumValue(m, f) : r->GetRepeatedEnumValue(m, f, index);
        if (const pb::EnumValueDescriptor* v =
                f->enum_type()->FindValueByNumber(number)) {
          out_ += '"';
          out_ += v->name();
          out_ += '"';
        } else {
          append_int(out_, number);
        }
        return true;
      }
      case field::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& s = one ? r->GetStringReference(m, f, &scratch)
                                   : r->GetRepeatedStringReference(m, f, index, &scratch);
        if (f->type() == field::TYPE_BYTES) {
          append_base64(out_, s);
          return true;
        }
        append_string(out_, s);
        return true;
      }
      case field::CPPTYPE_MESSAGE:
        return message(one ? r->GetMessage(m, f) : r->GetRepeatedMessage(m, f, index));
    }
    return false;
  }

  std::string& out_;
};

}  // namespace

bool print_json(const google::protobuf::Message& message, std::string& out) {
  return printer(out).message(message);
}

}  // namespace souk::gateway
