#pragma once

// Random souk.v1 messages for the JSON tests, and protobuf's own JSON for them.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>
#include <boost/test/unit_test.hpp>

#include "souk/utf8.hpp"
#include "souk/v1/api.pb.h"
#include "souk/v1/commands.pb.h"
#include "souk/v1/events.pb.h"
#include "souk/v1/reference.pb.h"
#include "souk/v1/state.pb.h"
#include "souk/v1/storage.pb.h"
#include "souk/v1/transfer.pb.h"

namespace souk::json_test {

namespace pb = google::protobuf;
using field = pb::FieldDescriptor;

inline std::string utf8(char32_t c) {
  std::string s;
  souk::append_utf8(s, c);
  return s;
}

// Fills messages through reflection with values chosen to reach every branch of the
// printer: escapes at the edges of each escaped range, doubles that need 17 digits,
// times at each fraction width, enum numbers without a name.
class filler {
 public:
  explicit filler(uint64_t seed) : rng_(seed) {}

  void fill(pb::Message& m, int depth) {
    const pb::Descriptor* type = m.GetDescriptor();
    if (type->full_name() == "google.protobuf.Timestamp") return time(m, false);
    if (type->full_name() == "google.protobuf.Duration") return time(m, true);
    for (int i = 0; i < type->field_count(); ++i) {
      const field* f = type->field(i);
      if (!chance(0.6)) continue;
      if (f->cpp_type() == field::CPPTYPE_MESSAGE && depth >= 4 && !f->is_map()) continue;
      if (f->is_map()) {
        int n = pick(0, 4);
        for (int k = 0; k < n; ++k) {
          pb::Message* entry = m.GetReflection()->AddMessage(&m, f);
          const field* key = f->message_type()->map_key();
          // Distinct keys: a repeated key would be one entry of the map.
          if (key->cpp_type() == field::CPPTYPE_STRING)
            entry->GetReflection()->SetString(entry, key, std::to_string(k) + text());
          else
            set_scalar(*entry, key, -1, k);
          add_value(*entry, f->message_type()->map_value(), depth);
        }
      } else if (f->is_repeated()) {
        int n = pick(1, 3);
        for (int k = 0; k < n; ++k) add_value(m, f, depth);
      } else {
        add_value(m, f, depth);
      }
    }
  }

 private:
  bool chance(double p) { return std::uniform_real_distribution<>(0, 1)(rng_) < p; }
  int pick(int low, int high) { return std::uniform_int_distribution<>(low, high)(rng_); }

  std::string text() {
    static const std::vector<std::string> pieces = {"a",    "Trail jacket ",
                                                    "42",   "\"",
                                                    "\\",   "<b>",
                                                    "&",    "/",
                                                    "\n",   "\t",
                                                    "\r",   "\b",
                                                    "\f",   std::string(1, '\0'),
                                                    "\x01", "\x1f",
                                                    "\x7f", " ",
                                                    "'"};
    static const std::vector<char32_t> points = {
        0x80,    0x9f,    0xa0,    0xad,    0xe9,    0x5ff,   0x600,   0x603,   0x604,
        0x6dd,   0x70f,   0x17b4,  0x17b5,  0x17b6,  0x200a,  0x200b,  0x200f,  0x2010,
        0x2027,  0x2028,  0x202e,  0x202f,  0x2060,  0x2064,  0x2065,  0x206a,  0x206f,
        0x4e2d,  0xfeff,  0xfff8,  0xfff9,  0xfffb,  0xfffc,  0x1d172, 0x1d173, 0x1d17a,
        0x1d17b, 0x1f600, 0xe0001, 0xe0020, 0xe007f, 0xe0080, 0x10ffff};
    std::string s;
    int n = pick(0, 6);
    for (int i = 0; i < n; ++i)
      s += chance(0.5) ? pieces[pick(0, static_cast<int>(pieces.size()) - 1)]
                       : utf8(points[pick(0, static_cast<int>(points.size()) - 1)]);
    return s;
  }

  double real() {
    static const std::vector<double> tricky = {0,
                                               -0.0,
                                               0.1,
                                               1.0 / 3,
                                               1e20,
                                               1e21,
                                               1e-7,
                                               123456789012345678.0,
                                               5e-324,
                                               2.5,
                                               -19.99,
                                               1.7976931348623157e308,
                                               std::numeric_limits<double>::infinity(),
                                               -std::numeric_limits<double>::infinity(),
                                               std::numeric_limits<double>::quiet_NaN()};
    if (chance(0.5)) return tricky[pick(0, static_cast<int>(tricky.size()) - 1)];
    return std::uniform_real_distribution<>(-1e6, 1e6)(rng_);
  }

  void time(pb::Message& m, bool duration) {
    static const std::vector<int32_t> nanos = {0,         1,    999999999, 500000000,
                                               120000000, 1000, 123456000, 7};
    int64_t seconds =
        std::uniform_int_distribution<int64_t>(-62135596800, 253402300799)(rng_);
    int32_t n = nanos[pick(0, static_cast<int>(nanos.size()) - 1)];
    if (duration) {
      seconds = std::uniform_int_distribution<int64_t>(-315576000000, 315576000000)(rng_);
      if (chance(0.2)) seconds = 0;
      if (seconds < 0 || (seconds == 0 && chance(0.5))) n = -n;
    }
    const pb::Reflection* r = m.GetReflection();
    if (seconds || chance(0.5))
      r->SetInt64(&m, m.GetDescriptor()->FindFieldByNumber(1), seconds);
    if (n) r->SetInt32(&m, m.GetDescriptor()->FindFieldByNumber(2), n);
  }

  // Sets (index < 0) or adds a scalar; `number` seeds integers.
  void set_scalar(pb::Message& m, const field* f, int index, int64_t number) {
    const pb::Reflection* r = m.GetReflection();
    bool add = f->is_repeated() && index >= 0;
    switch (f->cpp_type()) {
      case field::CPPTYPE_INT32: {
        auto v = static_cast<int32_t>(number);
        add ? r->AddInt32(&m, f, v) : r->SetInt32(&m, f, v);
        break;
      }
      case field::CPPTYPE_INT64:
        add ? r->AddInt64(&m, f, number) : r->SetInt64(&m, f, number);
        break;
      case field::CPPTYPE_UINT32: {
        auto v = static_cast<uint32_t>(number);
        add ? r->AddUInt32(&m, f, v) : r->SetUInt32(&m, f, v);
        break;
      }
      case field::CPPTYPE_UINT64: {
        auto v = static_cast<uint64_t>(number);
        add ? r->AddUInt64(&m, f, v) : r->SetUInt64(&m, f, v);
        break;
      }
      case field::CPPTYPE_BOOL:
        add ? r->AddBool(&m, f, number & 1) : r->SetBool(&m, f, number & 1);
        break;
      default:
        break;
    }
  }

  void add_value(pb::Message& m, const field* f, int depth) {
    const pb::Reflection* r = m.GetReflection();
    bool add = f->is_repeated();
    int64_t number = chance(0.5) ? pick(-1000, 1000) : static_cast<int64_t>(rng_());
    switch (f->cpp_type()) {
      case field::CPPTYPE_INT32:
      case field::CPPTYPE_INT64:
      case field::CPPTYPE_UINT32:
      case field::CPPTYPE_UINT64:
      case field::CPPTYPE_BOOL:
        set_scalar(m, f, add ? 0 : -1, number);
        break;
      case field::CPPTYPE_DOUBLE:
        add ? r->AddDouble(&m, f, real()) : r->SetDouble(&m, f, real());
        break;
      case field::CPPTYPE_FLOAT: {
        auto v = static_cast<float>(real());
        add ? r->AddFloat(&m, f, v) : r->SetFloat(&m, f, v);
        break;
      }
      case field::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* e = f->enum_type();
        int v = chance(0.2) ? 1000 + pick(0, 9)
                            : e->value(pick(0, e->value_count() - 1))->number();
        add ? r->AddEnumValue(&m, f, v) : r->SetEnumValue(&m, f, v);
        break;
      }
      case field::CPPTYPE_STRING: {
        std::string v = text();
        if (f->type() == field::TYPE_BYTES)
          for (int i = pick(0, 5); i > 0; --i) v += static_cast<char>(rng_());
        add ? r->AddString(&m, f, v) : r->SetString(&m, f, v);
        break;
      }
      case field::CPPTYPE_MESSAGE:
        fill(add ? *r->AddMessage(&m, f) : *r->MutableMessage(&m, f), depth + 1);
        break;
    }
  }

  std::mt19937_64 rng_;
};

// protobuf's own printer, fed a deterministic serialization (map entries by key).
inline std::string protobuf_json(const pb::Message& m) {
  static std::unique_ptr<pb::util::TypeResolver> resolver(
      pb::util::NewTypeResolverForDescriptorPool("type.googleapis.com",
                                                 pb::DescriptorPool::generated_pool()));
  std::string binary;
  {
    pb::io::StringOutputStream stream(&binary);
    pb::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    m.SerializeToCodedStream(&out);
  }
  std::string json;
  auto status = pb::util::BinaryToJsonString(
      resolver.get(), "type.googleapis.com/" + m.GetDescriptor()->full_name(), binary,
      &json);
  BOOST_REQUIRE_MESSAGE(status.ok(), status.ToString());
  return json;
}

inline std::vector<const pb::Descriptor*> souk_message_types() {
  // Naming one type of each file links its descriptors in.
  const pb::FileDescriptor* files[] = {
      v1::Event::descriptor()->file(),        v1::Command::descriptor()->file(),
      v1::SessionState::descriptor()->file(), v1::StateTransfer::descriptor()->file(),
      v1::Health::descriptor()->file(),       v1::Error::descriptor()->file(),
      v1::Product::descriptor()->file(),      v1::SessionRecord::descriptor()->file()};
  std::vector<const pb::Descriptor*> types;
  std::vector<const pb::Descriptor*> todo;
  for (const auto* file : files)
    for (int i = 0; i < file->message_type_count(); ++i)
      todo.push_back(file->message_type(i));
  while (!todo.empty()) {
    const pb::Descriptor* d = todo.back();
    todo.pop_back();
    if (d->options().map_entry()) continue;
    types.push_back(d);
    for (int i = 0; i < d->nested_type_count(); ++i) todo.push_back(d->nested_type(i));
  }
  return types;
}

}  // namespace souk::json_test
