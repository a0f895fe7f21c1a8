#pragma once

// The journal's record helpers, shared by its translation units (journal.cpp: open,
// recovery, writes and index; journal_read.cpp; journal_retention.cpp). Internal.
#include <algorithm>
#include <string>

#include <google/protobuf/util/time_util.h>

#include "persistence/codec.hpp"
#include "persistence/journal.hpp"

namespace souk::persistence::detail {

using google::protobuf::util::TimeUtil;

constexpr const char* format_version = "souk-journal/1";
// meta keys
constexpr const char* meta_format = "format";
constexpr const char* meta_indexed_through = "indexed_through";
constexpr const char* meta_archived_through = "archived_through";

// How much index work a txn carries, in bytes of the tails it writes out (oldest
// sessions first, always at least one). Riding along with a commit, a slice gets
// `index_ride_along` times the bytes the commit appends, so that each commit carries
// index work in proportion to its own and none is much slower than the others (a fixed
// four sessions per slice made those commits 5x slower at p99 than the rest); twice
// that while the unindexed backlog is over its bound, so that it comes back under.
// On its own (an idle writer, a flush) a slice takes `index_slice_bytes`.
constexpr double index_ride_along = 1.5;
constexpr std::size_t index_slice_bytes = 64 * 1024;

// Milliseconds since the epoch; a time out of Timestamp's range (a damaged record) at
// the nearer end of it, so that no product overflows.
inline int64_t to_ms(const google::protobuf::Timestamp& t) {
  const int64_t seconds = std::clamp<int64_t>(t.seconds(), -62135596800, 253402300799);
  return seconds * 1000 + std::clamp<int32_t>(t.nanos(), 0, 999999999) / 1000000;
}

inline google::protobuf::Timestamp from_ms(int64_t ms) {
  return TimeUtil::MillisecondsToTimestamp(ms);
}

inline v1::Error corrupt(const std::string& what) {
  return storage_error(v1::ERROR_CODE_CORRUPT_RECORD, what);
}

inline v1::Error invalid(const std::string& what) {
  return storage_error(v1::ERROR_CODE_INVALID_ARGUMENT, what);
}

// Activity DB key: last activity (ms, big-endian) then the session id.
inline std::string activity_key(int64_t at_ms, std::string_view session_id) {
  std::string key = u64_key(static_cast<uint64_t>(at_ms));
  key.append(session_id);
  return key;
}

// Past every key of the session: its id followed by 0x01 instead of NUL.
inline std::string after_session(std::string_view session_id) {
  std::string key(session_id);
  key.push_back('\x01');
  return key;
}

inline result<v1::Event> decode_event(std::string_view value, const std::string& where) {
  auto payload = unseal(value);
  if (!payload) return make_unexpected(corrupt(where + " fails its checksum"));
  v1::Event event;
  if (!event.ParseFromArray(payload->data(), static_cast<int>(payload->size())))
    return make_unexpected(corrupt(where + " does not decode as an Event"));
  return event;
}

template <class Message>
inline std::optional<v1::Error> decode(std::string_view value, Message& out, const std::string& where) {
  auto payload = unseal(value);
  if (!payload) return corrupt(where + " fails its checksum");
  if (!out.ParseFromArray(payload->data(), static_cast<int>(payload->size())))
    return corrupt(where + " does not decode");
  return std::nullopt;
}

// Appends a chunk entry for a sealed event: its payload length (4 bytes, big-endian),
// then the sealed bytes as they are in the log.
inline void append_chunk_entry(std::string& chunk, std::string_view sealed) {
  char header[entry_length_bytes];
  put_u32(header, static_cast<uint32_t>(sealed.size() - seal_overhead));
  chunk.append(header, entry_length_bytes);
  chunk.append(sealed);
}

inline std::string event_where(const std::string& session_id, uint64_t seq) {
  return "event " + session_id + "#" + std::to_string(seq);
}

// Folds what a tail knows into a session record.
inline void merge(v1::SessionRecord& record, const std::string& session_id,
           const journal::session_tail& tail) {
  record.set_session_id(session_id);
  if (!tail.positions.empty()) {
    record.set_last_seq(std::max(record.last_seq(), tail.positions.back().first));
    *record.mutable_last_activity() = from_ms(tail.last_at_ms);
    if (!record.has_created_at()) *record.mutable_created_at() = from_ms(tail.first_at_ms);
  }
  if (!tail.customer_id.empty()) record.set_customer_id(tail.customer_id);
  record.set_ownership_epoch(std::max(record.ownership_epoch(), tail.ownership_epoch));
  record.set_snapshot_seq(std::max(record.snapshot_seq(), tail.snapshot_seq));
}

// Runs `fill` in a write txn and commits; on MDB_MAP_FULL grows the map and runs it
// again from scratch. `fill` returns an LMDB code.
template <class Fill>
inline std::optional<v1::Error> write_txn(lmdb::env& env, const char* what, Fill&& fill) {
  for (;;) {
    auto t = env.begin_write();
    if (!t) return t.error();
    int rc = fill(*t);
    if (rc == MDB_MAP_FULL) {
      t->abort();
      if (auto error = env.grow()) return error;
      continue;
    }
    if (rc != MDB_SUCCESS) return lmdb_error(rc, what);
    auto error = t->commit();
    if (error && error->message().find("MDB_MAP_FULL") != std::string::npos) {
      if (auto grown = env.grow()) return grown;
      continue;
    }
    return error;
  }
}


}  // namespace souk::persistence::detail
