// The journal over damaged records: what cannot be read is reported as corrupt, with
// where; nothing throws or reads past a record. (tests/fuzz/journal_recovery damages
// records at random; what it found once is pinned here.)
#include <boost/test/unit_test.hpp>

#include "persistence/codec.hpp"
#include "store_fixture.hpp"

using namespace souk;
using namespace souk::testing;

namespace {

// Puts `value` under `key` in `db`, behind the journal's back.
void overwrite(const temp_dir& dir, const char* db, const std::string& key, const std::string& value) {
  auto env = open_raw(dir, db);
  auto t = env->begin_write();
  BOOST_REQUIRE(t->put(env->db(db), key, value) == 0);
  BOOST_REQUIRE(!t->commit());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(persistence_journal_damage)

BOOST_AUTO_TEST_CASE(a_corrupt_chunk_is_reported_with_its_session_and_seq) {
  temp_dir dir;
  {
    auto j = open_journal(dir);
    BOOST_REQUIRE(j->append(request_for("s", 0, 3)));
    BOOST_REQUIRE(j->append(request_for("t", 0, 3)));
    BOOST_REQUIRE(!j->flush_index());
    BOOST_REQUIRE(j->append(request_for("s", 3, 2)));
    BOOST_REQUIRE(!j->flush_index());
  }
  damage(dir, "chunks", persistence::session_key("s", 1));
  auto j = open_journal(dir);
  auto read = j->events("s");
  BOOST_REQUIRE(!read);
  BOOST_TEST(read.error().code() == v1::ERROR_CODE_CORRUPT_RECORD);
  // The middle byte of the chunk (s#1..3) lies in s#2's entry.
  BOOST_TEST(read.error().message() == "event s#2 fails its checksum");
  BOOST_TEST(j->events("s", 1, 1)->size() == 1u);  // its neighbours still read
  BOOST_TEST(j->events("s", 3)->size() == 3u);
  BOOST_TEST(j->events("t")->size() == 3u);         // and other sessions
}

BOOST_AUTO_TEST_CASE(a_corrupt_log_record_stops_recovery_and_says_where) {
  temp_dir dir;
  {
    auto j = open_journal(dir);
    BOOST_REQUIRE(j->append(request_for("s", 0, 3)));
  }  // closing indexes everything, so corrupt what the next open must rescan
  {
    auto env = open_raw(dir, "meta");
    auto t = env->begin_write();
    BOOST_REQUIRE(t->put(env->db("meta"), "indexed_through", persistence::u64_key(1)) == 0);
    BOOST_REQUIRE(!t->commit());
  }
  damage(dir, "log", persistence::u64_key(2));
  persistence::journal::options opts;
  opts.dir = dir.str();
  auto j = persistence::journal::open(opts);
  BOOST_REQUIRE(!j);
  BOOST_TEST(j.error().code() == v1::ERROR_CODE_CORRUPT_RECORD);
  BOOST_TEST(j.error().message().find("position 2") != std::string::npos, j.error().message());
}

// Found by the fuzzer: an activity key shorter than its 8-byte time threw out of
// sessions_by_activity (std::out_of_range), and a log key that is not 8 bytes was read
// past its end at recovery.
BOOST_AUTO_TEST_CASE(keys_of_the_wrong_length_are_corrupt_records) {
  temp_dir dir;
  {
    auto j = open_journal(dir);
    BOOST_REQUIRE(j->append(request_for("s", 0, 3)));
  }
  overwrite(dir, "activity", "abc", "");
  {
    auto j = open_journal(dir);
    auto listed = j->sessions_by_activity(10);
    BOOST_REQUIRE(!listed);
    BOOST_TEST(listed.error().code() == v1::ERROR_CODE_CORRUPT_RECORD);
  }
  overwrite(dir, "log", "xyz", persistence::seal("not an event"));
  persistence::journal::options opts;
  opts.dir = dir.str();
  auto j = persistence::journal::open(opts);
  BOOST_REQUIRE(!j);
  BOOST_TEST(j.error().code() == v1::ERROR_CODE_CORRUPT_RECORD);
  BOOST_TEST(j.error().message().find("log key of 3 bytes") != std::string::npos, j.error().message());
}

BOOST_AUTO_TEST_SUITE_END()
