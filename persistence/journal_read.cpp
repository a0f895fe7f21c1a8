// Reading a session back: its events (archive, chunks, the unindexed log tail),
// snapshots, and the two combined into a stored session.
#include <algorithm>
#include <mutex>

#include "persistence/journal.hpp"
#include "persistence/journal_records.hpp"

namespace souk::persistence {

using namespace detail;

namespace {

// Decodes an event's payload into `event`, which must then be (session_id, seq).
std::optional<v1::Error> parse_event(std::string_view payload, v1::Event& event,
                                     const std::string& session_id, uint64_t seq) {
  if (!event.ParseFromArray(payload.data(), static_cast<int>(payload.size())))
    return corrupt(event_where(session_id, seq) + " does not decode as an Event");
  if (event.seq() != seq || event.session_id() != session_id)
    return corrupt(event_where(session_id, seq) + " is stored as " +
                   event_where(event.session_id(), event.seq()));
  return std::nullopt;
}

}  // namespace

result<std::vector<v1::Event>> journal::events(const std::string& session_id, uint64_t from,
                                               uint64_t to) const {
  std::vector<v1::Event> out;
  // Sized once: growing moves every event decoded so far.
  if (uint64_t last = std::min(to, version(session_id)); last >= from)
    out.reserve(static_cast<std::size_t>(std::min<uint64_t>(last - from + 1, 4096)));
  if (auto error = walk_events(session_id, from, to, [&](std::string_view payload, uint64_t seq) {
        return parse_event(payload, out.emplace_back(), session_id, seq);
      }))
    return make_unexpected(*error);
  return out;
}

std::optional<v1::Error> journal::visit_events(const std::string& session_id, uint64_t from,
                                               uint64_t to, const event_visitor& visit) const {
  v1::Event event;  // reused: parsing into it again keeps most of its buffers
  return walk_events(session_id, from, to,
                     [&](std::string_view payload, uint64_t seq) -> std::optional<v1::Error> {
                       if (auto error = parse_event(payload, event, session_id, seq))
                         return error;
                       return visit(event);
                     });
}

std::optional<v1::Error> journal::walk_events(const std::string& session_id, uint64_t from,
                                              uint64_t to, const payload_visitor& visit) const {
  // Copy the unindexed tail before the txn begins: an index write between the two is
  // then seen by the txn, and duplicates are skipped by seq.
  std::vector<std::pair<uint64_t, uint64_t>> unindexed;
  uint64_t archived_through = 0;
  {
    std::shared_lock<std::shared_mutex> lock(state_mutex_);
    if (auto it = unindexed_.find(session_id); it != unindexed_.end())
      unindexed = it->second.positions;
    if (auto it = heads_.find(session_id); it != heads_.end())
      archived_through = it->second.archived_through;
  }
  if (from <= archived_through)
    if (auto error = read_archive(session_id, from, std::min(to, archived_through), visit))
      return error;
  uint64_t main_from = std::max(from, archived_through + 1);
  if (main_from > to) return std::nullopt;
  auto t = main_->begin_read();
  if (!t) return t.error();
  return read_main(*t, session_id, main_from, to, unindexed, visit);
}

std::optional<v1::Error> journal::read_main(
    const lmdb::txn& t, const std::string& session_id, uint64_t from, uint64_t to,
    const std::vector<std::pair<uint64_t, uint64_t>>& unindexed,
    const payload_visitor& visit) const {
  uint64_t next = from;  // the seq we want next; keeps the walk contiguous
  auto read_position = [&](uint64_t seq, uint64_t position) -> std::optional<v1::Error> {
    auto value = t.get(log_, u64_key(position));
    if (!value) return value.error();
    if (!*value)
      return corrupt(event_where(session_id, seq) + ": log position " +
                     std::to_string(position) + " is missing");
    auto payload = unseal(**value);
    if (!payload) return corrupt(event_where(session_id, seq) + " fails its checksum");
    ++next;
    return visit(*payload, seq);
  };

  lmdb::cursor c(t, chunks_);
  bool ok = c.seek(session_key(session_id, from));
  // The chunk holding `from` may start before it.
  auto starts_at_from = [&] {
    auto key = split_session_key(c.key());
    return key && key->first == session_id && key->second == from;
  };
  if (!ok || !starts_at_from()) {
    ok = ok ? c.prev() : c.last();
    auto key = ok ? split_session_key(c.key()) : std::nullopt;
    if (!key || key->first != session_id) ok = c.seek(session_key(session_id, from));
  }
  for (; ok; ok = c.next()) {
    auto key = split_session_key(c.key());
    if (!key || key->first != session_id || key->second > to) break;
    auto where = [&] {
      return "chunk of events " + event_where(session_id, key->second) + " and on";
    };
    if (key->second > next)
      return corrupt(where() + " follows seq " + std::to_string(next - 1));
    // Entries: 4-byte big-endian length n, then a sealed event (crc + n bytes). Each
    // entry is checked on its own, so skipping to `from` costs no checksums.
    std::string_view chunk = c.value();
    uint64_t seq = key->second;
    for (std::size_t at = 0; at < chunk.size() && seq <= to; ++seq) {
      if (chunk.size() - at < entry_length_bytes + seal_overhead)
        return corrupt(where() + " is cut short");
      const std::size_t length = get_u32(chunk.data() + at);
      if (chunk.size() - at - entry_length_bytes - seal_overhead < length)
        return corrupt(where() + " is cut short");
      if (seq == next) {
        auto payload = unseal(chunk.substr(at + entry_length_bytes, seal_overhead + length));
        if (!payload) return corrupt(event_where(session_id, seq) + " fails its checksum");
        ++next;
        if (auto error = visit(*payload, seq)) return error;
      }
      at += entry_length_bytes + seal_overhead + length;
    }
  }
  if (c.error()) return c.error();
  for (auto [seq, position] : unindexed) {
    if (seq < next) continue;
    if (seq > to) break;
    if (auto error = read_position(seq, position)) return error;
  }
  return std::nullopt;
}

std::optional<v1::Error> journal::read_archive(const std::string& session_id, uint64_t from,
                                               uint64_t to, const payload_visitor& visit) const {
  auto t = archive_->begin_read();
  if (!t) return t.error();
  lmdb::cursor c(*t, archive_events_);
  uint64_t next = from;
  for (bool ok = c.seek(session_key(session_id, from)); ok; ok = c.next()) {
    auto key = split_session_key(c.key());
    if (!key || key->first != session_id || key->second > to) break;
    auto where = "archived " + event_where(session_id, key->second);
    if (key->second != next) return corrupt(where + " follows seq " + std::to_string(next - 1));
    auto payload = unseal(c.value());
    if (!payload) return corrupt(where + " fails its checksum");
    if (auto error = visit(*payload, key->second)) return error;
    ++next;
  }
  if (c.error()) return c.error();
  if (next <= to)
    return corrupt("archive of " + session_id + " ends before seq " + std::to_string(to));
  return std::nullopt;
}

result<std::optional<v1::SessionState>> journal::snapshot_at_or_below(
    const std::string& session_id, uint64_t seq) const {
  auto t = main_->begin_read();
  if (!t) return make_unexpected(t.error());
  lmdb::cursor c(*t, snapshots_);
  std::string past = seq == UINT64_MAX ? after_session(session_id)
                                       : session_key(session_id, seq + 1);
  bool ok = c.seek(past) ? c.prev() : c.last();
  if (c.error()) return make_unexpected(*c.error());
  auto key = ok ? split_session_key(c.key()) : std::nullopt;
  if (!key || key->first != session_id) return std::optional<v1::SessionState>{};
  v1::SessionState state;
  if (auto error = decode(c.value(), state,
                          "snapshot " + session_id + "@" + std::to_string(key->second)))
    return make_unexpected(*error);
  return std::optional<v1::SessionState>{std::move(state)};
}

result<std::vector<uint64_t>> journal::snapshot_versions(const std::string& session_id) const {
  auto t = main_->begin_read();
  if (!t) return make_unexpected(t.error());
  std::vector<uint64_t> out;
  lmdb::cursor c(*t, snapshots_);
  for (bool ok = c.seek(session_prefix(session_id)); ok; ok = c.next()) {
    auto key = split_session_key(c.key());
    if (!key || key->first != session_id) break;
    out.push_back(key->second);
  }
  if (c.error()) return make_unexpected(*c.error());
  return out;
}

result<stored_session> journal::load(const std::string& session_id, uint64_t seq) const {
  auto snapshot = snapshot_at_or_below(session_id, seq);
  if (!snapshot) return make_unexpected(snapshot.error());
  stored_session out;
  if (*snapshot) out.snapshot = std::move(**snapshot);
  auto tail = events(session_id, out.snapshot.version() + 1, seq);
  if (!tail) return make_unexpected(tail.error());
  out.tail = std::move(*tail);
  return out;
}

result<stored_session> journal::load_at(const std::string& session_id,
                                        const google::protobuf::Timestamp& at) const {
  auto versions = snapshot_versions(session_id);
  if (!versions) return make_unexpected(versions.error());
  stored_session out;
  for (auto it = versions->rbegin(); it != versions->rend(); ++it) {
    auto snapshot = snapshot_at_or_below(session_id, *it);
    if (!snapshot) return make_unexpected(snapshot.error());
    if (*snapshot && (*snapshot)->updated_at() <= at) {
      out.snapshot = std::move(**snapshot);
      break;
    }
  }
  auto tail = events(session_id, out.snapshot.version() + 1);
  if (!tail) return make_unexpected(tail.error());
  for (auto& event : *tail) {
    if (event.at() > at) break;
    out.tail.push_back(std::move(event));
  }
  return out;
}

}  // namespace souk::persistence
