#pragma once

#include <filesystem>
#include <random>
#include <string>

#include <boost/test/unit_test.hpp>
#include <google/protobuf/util/time_util.h>

#include "persistence/journal.hpp"
#include "persistence/lmdb/env.hpp"

namespace souk::testing {

/// A fresh directory under the system temp dir, removed at the end of the test.
struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    std::random_device random;
    path = std::filesystem::temp_directory_path() /
           ("souk-test-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string str() const { return path.string(); }
};

/// An event of `session` at `seq` with a ~250-byte body, stamped `at_seconds`.
inline v1::Event make_event(const std::string& session, uint64_t seq, int64_t at_seconds = 1774000000) {
  v1::Event e;
  e.set_event_id(session + "-evt-" + std::to_string(seq));
  e.set_session_id(session);
  e.set_seq(seq);
  *e.mutable_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(at_seconds);
  e.set_agent_id("chat-agent");
  e.set_causation_id("cmd-" + std::to_string(seq));
  e.set_schema_version(2);
  if (seq == 1) {
    e.mutable_session_started()->set_customer_id("cust-" + session);
    e.mutable_session_started()->set_channel("chat");
  } else {
    auto& m = *e.mutable_customer_message_received();
    m.set_channel("chat");
    m.set_text("message " + std::to_string(seq) + std::string(200, 'x'));
  }
  return e;
}

inline persistence::append_request request_for(const std::string& session, uint64_t after,
                                               std::size_t count, int64_t at_seconds = 1774000000) {
  persistence::append_request r;
  r.session_id = session;
  r.expected_version = after;
  for (uint64_t seq = after + 1; seq <= after + count; ++seq)
    r.events.push_back(persistence::encode(make_event(session, seq, at_seconds)));
  return r;
}

inline std::unique_ptr<persistence::journal> open_journal(const temp_dir& dir,
                                                          std::size_t map_size = 64u << 20) {
  persistence::journal::options opts;
  opts.dir = dir.str();
  opts.initial_map_size = map_size;
  auto j = persistence::journal::open(opts);
  if (!j) BOOST_FAIL("cannot open journal: " << j.error().message());
  return std::move(*j);
}

// The journal's LMDB environment opened directly, with one named DB.
inline std::unique_ptr<persistence::lmdb::env> open_raw(const temp_dir& dir, const char* db) {
  persistence::lmdb::env::options opts;
  opts.path = dir.str() + "/journal";
  opts.dbs = {db};
  auto env = persistence::lmdb::env::open(opts);
  if (!env) BOOST_FAIL("cannot open the journal's env: " << env.error().message());
  return std::move(*env);
}

// Flips one byte of a stored value behind the journal's back.
inline void damage(const temp_dir& dir, const char* db, const std::string& key) {
  auto env = open_raw(dir, db);
  auto t = env->begin_write();
  auto value = t->get(env->db(db), key);
  BOOST_REQUIRE(value && *value);
  std::string damaged(**value);
  damaged[damaged.size() / 2] ^= 0x40;
  BOOST_REQUIRE(t->put(env->db(db), key, damaged) == 0);
  BOOST_REQUIRE(!t->commit());
}


}  // namespace souk::testing
