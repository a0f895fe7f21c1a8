#pragma once

// Lets CAF carry souk.v1 messages: each is inspected as its binary protobuf encoding,
// so the same type works in-process and, once registered under the same name on both
// sides, between nodes. Include this wherever a souk.v1 message goes into a CAF message.
#include <string>
#include <type_traits>

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>
#include <google/protobuf/message.h>

namespace souk::v1 {

template <class Inspector, class Message>
std::enable_if_t<std::is_base_of<google::protobuf::Message, Message>::value,
                 typename Inspector::result_type>
inspect(Inspector& f, Message& x) {
  std::string bytes;
  if constexpr (Inspector::reads_state) x.SerializeToString(&bytes);
  auto load = caf::meta::load_callback([&]() -> caf::error {
    if (!x.ParseFromString(bytes)) return caf::sec::invalid_argument;
    return caf::none;
  });
  return f(caf::meta::type_name("souk.v1"), bytes, load);
}

}  // namespace souk::v1
