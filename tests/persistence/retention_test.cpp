// Retention moves old events to the archive, where history still reads them, and thins
// snapshots while always keeping each session's newest.
#include <boost/test/unit_test.hpp>

#include "store_fixture.hpp"

using namespace souk;
using namespace souk::testing;
using google::protobuf::util::TimeUtil;

namespace {

constexpr int64_t day = 86400;
constexpr int64_t t0 = 1774000000;

persistence::retention_options at(int64_t seconds, int64_t archive_days) {
  persistence::retention_options opts;
  opts.now = TimeUtil::SecondsToTimestamp(seconds);
  opts.archive_events_older_than = std::chrono::hours(24 * archive_days);
  return opts;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(persistence_retention)

BOOST_AUTO_TEST_CASE(old_events_move_to_the_archive_and_still_read) {
  temp_dir dir;
  auto j = open_journal(dir);
  // Session "old": 10 events on day 0, 5 on day 40. Session "new": 5 on day 40.
  BOOST_REQUIRE(j->append(request_for("old", 0, 10, t0)));
  BOOST_REQUIRE(j->append(request_for("old", 10, 5, t0 + 40 * day)));
  BOOST_REQUIRE(j->append(request_for("new", 0, 5, t0 + 40 * day)));
  auto before = *j->events("old");

  auto report = j->run_retention(at(t0 + 41 * day, 30));
  BOOST_REQUIRE_MESSAGE(report, (report ? "" : report.error().message()));
  BOOST_TEST(report->events_archived == 10u);
  BOOST_TEST(j->session("old")->archived_through_seq() == 10u);

  auto after = j->events("old");
  BOOST_REQUIRE_MESSAGE(after, (after ? "" : after.error().message()));
  BOOST_REQUIRE(after->size() == before.size());
  for (std::size_t i = 0; i < before.size(); ++i)
    BOOST_TEST(after->at(i).SerializeAsString() == before[i].SerializeAsString());
  BOOST_TEST(j->events("old", 9, 12)->size() == 4u);  // straddles archive and log
  BOOST_TEST(j->events("new")->size() == 5u);

  // Appends go on; a second run finds nothing more to move; reopening keeps it all.
  BOOST_REQUIRE(j->append(request_for("old", 15, 1, t0 + 41 * day)));
  BOOST_TEST(j->run_retention(at(t0 + 41 * day, 30))->events_archived == 0u);
  j.reset();
  auto reopened = open_journal(dir);
  BOOST_TEST(reopened->events("old")->size() == 16u);
  BOOST_REQUIRE(reopened->append(request_for("old", 16, 1, t0 + 42 * day)));
  BOOST_TEST(reopened->version("old") == 17u);
}

BOOST_AUTO_TEST_CASE(snapshots_thin_with_age_and_the_newest_always_stays) {
  temp_dir dir;
  auto j = open_journal(dir);
  // One snapshot every 10 minutes for 60 days, then retention on day 60.
  v1::SessionState state;
  state.set_session_id("s");
  uint64_t version = 0;
  const int64_t step = 600;
  const int64_t span = 60 * day;
  for (int64_t t = t0; t < t0 + span; t += step) {
    auto r = request_for("s", version, 1, t);
    state.set_version(++version);
    *state.mutable_updated_at() = TimeUtil::SecondsToTimestamp(t);
    state.SerializeToString(&r.snapshot);
    BOOST_REQUIRE(j->append(r));
  }
  auto report = j->run_retention(at(t0 + span, 365));
  BOOST_REQUIRE(report);
  auto kept = *j->snapshot_versions("s");
  BOOST_TEST(kept.back() == version);  // the newest stays
  // Last 24 h: one an hour (24-25); days 1-30: one a day (~29-30); older: none.
  BOOST_TEST(kept.size() >= 50u);
  BOOST_TEST(kept.size() <= 58u);
  BOOST_TEST(report->snapshots_kept == kept.size());
  BOOST_TEST(report->snapshots_dropped == version - kept.size());
  auto oldest = j->snapshot_at_or_below("s", kept.front());
  BOOST_TEST((*oldest)->updated_at().seconds() >= t0 + span - 30 * day);
  // Loading at any point still works: snapshot where kept, replay of the tail between.
  auto mid = j->load("s", version - 100);
  BOOST_REQUIRE(mid);
  BOOST_TEST(mid->snapshot.version() + mid->tail.size() == version - 100);
}

BOOST_AUTO_TEST_SUITE_END()
