#pragma once

#include <chrono>

#include <google/protobuf/timestamp.pb.h>

namespace souk {

/// The wall-clock time now, to the microsecond. (protobuf 3.21's
/// TimeUtil::GetCurrentTime() gives whole seconds: events stamped with it all fell in
/// one second, and "the state at 10:00:00.5" included what happened at 10:00:00.9.)
/// The session core never calls it: its context does.
inline google::protobuf::Timestamp now_timestamp() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  google::protobuf::Timestamp at;
  at.set_seconds(us / 1'000'000);
  at.set_nanos(static_cast<int32_t>(us % 1'000'000) * 1000);
  return at;
}

}  // namespace souk
