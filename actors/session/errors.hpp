#pragma once

#include <string>

#include "souk/expected.hpp"
#include "souk/v1/common.pb.h"

namespace souk::session {

/// The session core's result type: a value, or a v1::Error that says what was wrong.
template <class T>
using result = expected<T, v1::Error>;

inline v1::Error make_error(v1::ErrorCode code, std::string message,
                            uint64_t current_version = 0) {
  v1::Error error;
  error.set_code(code);
  error.set_message(std::move(message));
  error.set_current_version(current_version);
  return error;
}

inline unexpected<v1::Error> fail(v1::ErrorCode code, std::string message,
                                  uint64_t current_version = 0) {
  return make_unexpected(make_error(code, std::move(message), current_version));
}

}  // namespace souk::session
