// The journal against a truth map: what was acknowledged is what is read back, across
// index writes and reopens; refused appends leave no trace.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <map>
#include <random>
#include <thread>

#include <google/protobuf/util/message_differencer.h>

#include "persistence/codec.hpp"
#include "persistence/lmdb/env.hpp"
#include "store_fixture.hpp"

using namespace souk;
using namespace souk::testing;

namespace {

bool same(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

// Every session's events read back equal the ones the truth map holds.
void check_truth(const persistence::journal& j,
                 const std::map<std::string, std::vector<v1::Event>>& truth) {
  for (const auto& [session, events] : truth) {
    BOOST_TEST_CONTEXT("session " << session) {
      BOOST_TEST_REQUIRE(j.version(session) == events.size());
      auto read = j.events(session);
      BOOST_REQUIRE_MESSAGE(read, (read ? "" : read.error().message()));
      BOOST_TEST_REQUIRE(read->size() == events.size());
      for (std::size_t i = 0; i < events.size(); ++i) BOOST_TEST_REQUIRE(same((*read)[i], events[i]));
      auto middle = j.events(session, events.size() / 2 + 1, events.size() / 2 + 3);
      BOOST_REQUIRE(middle);
      for (const auto& e : *middle) BOOST_TEST_REQUIRE(same(e, events[e.seq() - 1]));
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(persistence_journal)

BOOST_AUTO_TEST_CASE(appends_read_back_across_index_writes_and_reopens) {
  temp_dir dir;
  std::map<std::string, std::vector<v1::Event>> truth;
  std::mt19937_64 rng(11);
  for (int round = 0; round < 6; ++round) {
    auto j = open_journal(dir);
    for (int i = 0; i < 300; ++i) {
      std::string session = "s-" + std::to_string(rng() % 40);
      auto& events = truth[session];
      std::size_t count = 1 + rng() % 3;
      auto r = request_for(session, events.size(), count);
      auto version = j->append(r);
      BOOST_REQUIRE_MESSAGE(version, (version ? "" : version.error().message()));
      const uint64_t after = events.size();
      for (uint64_t seq = after + 1; seq <= after + count; ++seq)
        events.push_back(make_event(session, seq));
      BOOST_TEST_REQUIRE(*version == events.size());
      if (rng() % 97 == 0) BOOST_REQUIRE(!j->flush_index());
    }
    check_truth(*j, truth);
    if (round % 2 == 1) BOOST_REQUIRE(!j->flush_index());
    // Odd rounds reopen with everything indexed, even ones from the log's tail alone.
  }
  auto j = open_journal(dir);
  check_truth(*j, truth);
  auto reader = persistence::journal::open_read_only(dir.str());
  BOOST_REQUIRE(reader);
  check_truth(**reader, truth);
}

BOOST_AUTO_TEST_CASE(one_writer_at_a_time_readers_alongside) {
  temp_dir dir;
  auto j = open_journal(dir);
  BOOST_REQUIRE(j->append(request_for("s", 0, 2)));
  persistence::journal::options opts;
  opts.dir = dir.str();
  auto second = persistence::journal::open(opts);
  BOOST_REQUIRE(!second);
  BOOST_TEST(second.error().message().find("open for writing") != std::string::npos);
  auto reader = persistence::journal::open_read_only(dir.str());
  BOOST_REQUIRE(reader);
  BOOST_TEST((*reader)->version("s") == 2u);
}

BOOST_AUTO_TEST_CASE(a_stale_expected_version_is_refused_with_the_current_one) {
  temp_dir dir;
  auto j = open_journal(dir);
  BOOST_REQUIRE(j->append(request_for("s", 0, 3)));
  auto stale = j->append(request_for("s", 1, 1));
  BOOST_REQUIRE(!stale);
  BOOST_TEST(stale.error().code() == v1::ERROR_CODE_VERSION_CONFLICT);
  BOOST_TEST(stale.error().current_version() == 3u);
  BOOST_TEST(j->version("s") == 3u);
  BOOST_TEST(j->events("s")->size() == 3u);
}

BOOST_AUTO_TEST_CASE(concurrent_writers_of_one_session_never_both_win) {
  temp_dir dir;
  auto j = open_journal(dir);
  BOOST_REQUIRE(j->append(request_for("s", 0, 1)));
  std::atomic<int> won{0}, conflicted{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 8; ++w)
    writers.emplace_back([&, w] {
      auto r = request_for("s", 1, 1);
      r.events[0].event_id = "racer-" + std::to_string(w);
      auto result = j->append(r);
      (result ? won : conflicted)++;
    });
  for (auto& t : writers) t.join();
  BOOST_TEST(won.load() == 1);
  BOOST_TEST(conflicted.load() == 7);
  BOOST_TEST(j->version("s") == 2u);
}

BOOST_AUTO_TEST_CASE(duplicate_event_ids_are_refused_before_and_after_indexing) {
  temp_dir dir;
  auto j = open_journal(dir);
  BOOST_REQUIRE(j->append(request_for("a", 0, 2)));
  auto copy = request_for("b", 0, 1);
  copy.events[0].event_id = "a-evt-2";
  auto refused = j->append(copy);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(refused.error().code() == v1::ERROR_CODE_DUPLICATE_EVENT);
  BOOST_REQUIRE(!j->flush_index());
  refused = j->append(copy);
  BOOST_REQUIRE(!refused);
  BOOST_TEST(refused.error().code() == v1::ERROR_CODE_DUPLICATE_EVENT);
  auto twice = request_for("c", 0, 2);
  twice.events[1].event_id = twice.events[0].event_id;
  BOOST_TEST(j->append(twice).error().code() == v1::ERROR_CODE_DUPLICATE_EVENT);
  BOOST_TEST(j->version("b") == 0u);
  BOOST_TEST(j->version("c") == 0u);
}

BOOST_AUTO_TEST_CASE(one_event_id_in_two_requests_of_a_batch_lands_once) {
  temp_dir dir;
  auto j = open_journal(dir);
  std::promise<void> hold;
  auto held = hold.get_future().share();
  // Keep the writer busy so the next requests queue up and commit as one batch.
  j->submit(request_for("first", 0, 1), [held](auto) { held.wait(); });
  std::vector<std::future<persistence::result<uint64_t>>> results;
  for (const char* session : {"a", "b", "c"}) {
    auto r = request_for(session, 0, 1);
    if (std::string(session) != "c") r.events[0].event_id = "shared-id";
    auto promise = std::make_shared<std::promise<persistence::result<uint64_t>>>();
    results.push_back(promise->get_future());
    j->submit(std::move(r), [promise](auto v) { promise->set_value(std::move(v)); });
  }
  hold.set_value();
  auto a = results[0].get(), b = results[1].get(), c = results[2].get();
  BOOST_TEST(a.has_value());
  BOOST_REQUIRE(!b);
  BOOST_TEST(b.error().code() == v1::ERROR_CODE_DUPLICATE_EVENT);
  BOOST_TEST(c.has_value());
  BOOST_TEST(j->version("b") == 0u);
}

// Within a batch, a session's version is the one its earlier requests there leave, also
// when the batch is written again into a grown map.
BOOST_AUTO_TEST_CASE(requests_of_one_session_in_one_batch_follow_each_other) {
  for (std::size_t map_size : {std::size_t{64} << 20, std::size_t{1} << 20}) {
    BOOST_TEST_CONTEXT("map of " << map_size << " bytes") {
      temp_dir dir;
      auto j = open_journal(dir, map_size);
      std::promise<void> hold;
      auto held = hold.get_future().share();
      j->submit(request_for("first", 0, 1), [held](auto) { held.wait(); });
      std::vector<persistence::append_request> batch;
      batch.push_back(request_for("s", 0, 2));
      batch.push_back(request_for("s", 0, 1));    // stale: the one before takes s to 2
      batch.push_back(request_for("s", 2, 8000));  // over 1 MB: grows the small map
      batch.push_back(request_for("new", 0, 1));
      batch.push_back(request_for("new", 1, 1));
      batch.push_back(request_for("s", 8002, 1));
      std::vector<std::future<persistence::result<uint64_t>>> results;
      for (auto& r : batch) {
        auto promise = std::make_shared<std::promise<persistence::result<uint64_t>>>();
        results.push_back(promise->get_future());
        j->submit(std::move(r), [promise](auto v) { promise->set_value(std::move(v)); });
      }
      hold.set_value();
      std::vector<persistence::result<uint64_t>> got;
      for (auto& f : results) got.push_back(f.get());
      BOOST_TEST(*got[0] == 2u);
      BOOST_REQUIRE(!got[1]);
      BOOST_TEST(got[1].error().code() == v1::ERROR_CODE_VERSION_CONFLICT);
      BOOST_TEST(got[1].error().current_version() == 2u);
      BOOST_TEST(*got[2] == 8002u);
      BOOST_TEST(*got[3] == 1u);
      BOOST_TEST(*got[4] == 2u);
      BOOST_TEST(*got[5] == 8003u);
      BOOST_TEST(j->version("s") == 8003u);
      BOOST_TEST(j->events("s")->size() == 8003u);
      BOOST_TEST(j->version("new") == 2u);
      if (map_size < (std::size_t{64} << 20)) BOOST_TEST(j->map_size() > map_size);
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_refused_and_change_nothing) {
  temp_dir dir;
  auto j = open_journal(dir);
  auto gap = request_for("s", 0, 2);
  gap.events[1].seq = 5;
  BOOST_TEST(j->append(gap).error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  BOOST_TEST(j->append(request_for("", 0, 1)).error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  BOOST_TEST(j->append(request_for(std::string("a\0b", 3), 0, 1)).error().code() ==
             v1::ERROR_CODE_INVALID_ARGUMENT);
  persistence::append_request empty;
  empty.session_id = "s";
  BOOST_TEST(j->append(empty).error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  // Events not framed by encode(): no entry at all, or a length that is not the entry's.
  auto unframed = request_for("s", 0, 2);
  unframed.events[1].entry.clear();
  BOOST_TEST(j->append(unframed).error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  auto misframed = request_for("s", 0, 2);
  misframed.events[0].entry.push_back('x');
  BOOST_TEST(j->append(misframed).error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
  BOOST_TEST(j->version("s") == 0u);
  // A good request in the same batch as bad ones still lands.
  BOOST_TEST(*j->append(request_for("s", 0, 2)) == 2u);
}

BOOST_AUTO_TEST_CASE(the_map_grows_instead_of_losing_a_write) {
  temp_dir dir;
  auto j = open_journal(dir, /*map_size=*/1u << 20);
  std::size_t before = j->map_size();
  for (uint64_t v = 0; v < 6000; v += 50) BOOST_REQUIRE(j->append(request_for("big", v, 50)));
  BOOST_REQUIRE(!j->flush_index());
  BOOST_TEST(j->map_size() > before);
  BOOST_TEST(j->events("big")->size() == 6000u);
}

BOOST_AUTO_TEST_CASE(commits_overwrite_the_zeros_written_ahead_and_idle_time_tops_them_up) {
  temp_dir dir;
  const std::size_t ahead = 2u << 20;
  const auto data_file = dir.path / "journal" / "data.mdb";
  std::map<std::string, std::vector<v1::Event>> truth;
  auto append = [&](persistence::journal& j, const std::string& session, std::size_t count) {
    auto& events = truth[session];
    auto version = j.append(request_for(session, events.size(), count));
    BOOST_REQUIRE_MESSAGE(version, (version ? "" : version.error().message()));
    for (std::size_t k = 0; k < count; ++k) events.push_back(make_event(session, events.size() + 1));
  };
  auto wait_for_full_zeros = [&](persistence::journal& j) {
    for (int i = 0; i < 500 && j.stats().zeros_ahead < ahead; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    BOOST_TEST(j.stats().zeros_ahead == ahead);
  };
  {
    persistence::journal::options opts;
    opts.dir = dir.str();
    opts.written_ahead = ahead;
    auto j = persistence::journal::open(opts);
    BOOST_REQUIRE(j);
    BOOST_TEST((*j)->stats().zeros_ahead == ahead);  // written at open
    const auto size_at_open = std::filesystem::file_size(data_file);
    append(**j, "s-0", 3);
    BOOST_TEST(std::filesystem::file_size(data_file) == size_at_open);  // landed in the zeros
    BOOST_TEST((*j)->stats().zeros_ahead < ahead);
    // Well past the first zeros: idle turns between the appends top them up.
    for (int i = 0; i < 200; ++i) append(**j, "s-" + std::to_string(i % 7), 50);
    wait_for_full_zeros(**j);
    const auto used_at_open = size_at_open - ahead;
    BOOST_TEST(std::filesystem::file_size(data_file) - ahead > used_at_open + ahead);
    check_truth(**j, truth);
  }
  auto reader = persistence::journal::open_read_only(dir.str());  // the zeros past the end
  BOOST_REQUIRE(reader);
  check_truth(**reader, truth);
  auto plain = open_journal(dir);  // and a journal that keeps none
  check_truth(*plain, truth);
  append(*plain, "s-0", 2);
  check_truth(*plain, truth);
}

BOOST_AUTO_TEST_CASE(snapshots_load_with_their_tail) {
  temp_dir dir;
  auto j = open_journal(dir);
  v1::SessionState state;
  state.set_session_id("s");
  for (uint64_t v = 0; v < 30; v += 10) {
    auto r = request_for("s", v, 10);
    state.set_version(v + 10);
    state.mutable_conversation()->set_focus_sku("SKU-" + std::to_string(v + 10));
    state.SerializeToString(&r.snapshot);
    BOOST_REQUIRE(j->append(r));
  }
  BOOST_REQUIRE(j->append(request_for("s", 30, 5)));
  BOOST_TEST(*j->snapshot_versions("s") == (std::vector<uint64_t>{10, 20, 30}),
             boost::test_tools::per_element());
  auto latest = j->load("s");
  BOOST_REQUIRE(latest);
  BOOST_TEST(latest->snapshot.version() == 30u);
  BOOST_TEST(latest->tail.size() == 5u);
  BOOST_TEST(latest->tail.front().seq() == 31u);
  auto at_25 = j->load("s", 25);
  BOOST_REQUIRE(at_25);
  BOOST_TEST(at_25->snapshot.version() == 20u);
  BOOST_TEST(at_25->tail.size() == 5u);
  auto at_5 = j->load("s", 5);
  BOOST_TEST(at_5->snapshot.version() == 0u);
  BOOST_TEST(at_5->tail.size() == 5u);
  BOOST_TEST(!*j->snapshot_at_or_below("other", 100));

  // A snapshot on its own must be at the session's current version.
  state.set_version(35);
  BOOST_TEST(*j->save_snapshot(state) == 35u);
  state.set_version(34);
  BOOST_TEST(j->save_snapshot(state).error().code() == v1::ERROR_CODE_VERSION_CONFLICT);
  BOOST_TEST(j->session("s")->snapshot_seq() == 35u);
}

// A snapshot that comes with the next append, of the state its events follow: stored at
// that version, and loads read the events after it, from the unindexed tail, from the
// index, and after a reopen.
BOOST_AUTO_TEST_CASE(a_snapshot_first_is_of_the_state_before_the_events) {
  temp_dir dir;
  auto snapshot_at = [](uint64_t version) {
    v1::SessionState state;
    state.set_session_id("s");
    state.set_version(version);
    state.mutable_conversation()->set_focus_sku("SKU-" + std::to_string(version));
    return state.SerializeAsString();
  };
  {
    auto j = open_journal(dir);
    auto first = request_for("s", 0, 3);
    first.snapshot = snapshot_at(0);
    first.snapshot_first = true;  // there is no state before the first event
    BOOST_TEST(j->append(first).error().code() == v1::ERROR_CODE_INVALID_ARGUMENT);
    BOOST_REQUIRE(j->append(request_for("s", 0, 3)));
    auto r = request_for("s", 3, 4);
    r.snapshot = snapshot_at(3);
    r.snapshot_first = true;
    BOOST_TEST(*j->append(r) == 7u);
    BOOST_TEST(*j->snapshot_versions("s") == (std::vector<uint64_t>{3}),
               boost::test_tools::per_element());
    auto check = [&](const persistence::journal& from) {
      auto latest = from.load("s");
      BOOST_REQUIRE(latest);
      BOOST_TEST(latest->snapshot.version() == 3u);
      BOOST_TEST(latest->snapshot.conversation().focus_sku() == "SKU-3");
      BOOST_REQUIRE(latest->tail.size() == 4u);
      BOOST_TEST(latest->tail.front().seq() == 4u);
      BOOST_TEST(latest->tail.back().seq() == 7u);
      BOOST_TEST(from.load("s", 2)->snapshot.version() == 0u);
    };
    check(*j);  // from the unindexed tail
    BOOST_REQUIRE(!j->flush_index());
    check(*j);  // from chunks, a new one starting at seq 4
    BOOST_TEST(j->session("s")->snapshot_seq() == 3u);
  }
  auto reopened = open_journal(dir);
  auto latest = reopened->load("s");
  BOOST_REQUIRE(latest);
  BOOST_TEST(latest->snapshot.version() == 3u);
  BOOST_TEST(latest->tail.size() == 4u);
}

BOOST_AUTO_TEST_CASE(load_at_a_time_stops_at_that_time) {
  temp_dir dir;
  auto j = open_journal(dir);
  for (uint64_t seq = 1; seq <= 10; ++seq)
    BOOST_REQUIRE(j->append(request_for("s", seq - 1, 1, 1774000000 + 60 * seq)));
  auto then = j->load_at("s", google::protobuf::util::TimeUtil::SecondsToTimestamp(1774000000 + 60 * 4 + 30));
  BOOST_REQUIRE(then);
  BOOST_TEST(then->tail.size() == 4u);
}

BOOST_AUTO_TEST_CASE(the_session_index_lists_by_activity_without_the_journal) {
  temp_dir dir;
  auto j = open_journal(dir);
  for (int i = 0; i < 5; ++i)
    BOOST_REQUIRE(j->append(request_for("s" + std::to_string(i), 0, 2, 1774000000 + i)));
  BOOST_REQUIRE(!j->flush_index());
  BOOST_REQUIRE(j->append(request_for("s1", 2, 1, 1774000100)));  // not indexed yet
  auto listed = j->sessions_by_activity(3);
  BOOST_REQUIRE(listed);
  BOOST_REQUIRE(listed->size() == 3u);
  BOOST_TEST((*listed)[0].session_id() == "s1");
  BOOST_TEST((*listed)[0].last_seq() == 3u);
  BOOST_TEST((*listed)[1].session_id() == "s4");
  BOOST_TEST((*listed)[2].session_id() == "s3");
  BOOST_TEST((*listed)[0].customer_id() == "cust-s1");
  BOOST_TEST(j->session("nobody").error().code() == v1::ERROR_CODE_NOT_FOUND);
}


BOOST_AUTO_TEST_CASE(a_snapshot_inside_a_tail_starts_a_new_chunk) {
  temp_dir dir;
  std::vector<v1::Event> truth;
  {
    auto j = open_journal(dir);
    auto first = request_for("s", 0, 3);
    v1::SessionState state;
    state.set_session_id("s");
    state.set_version(3);
    first.snapshot = state.SerializeAsString();
    BOOST_REQUIRE(j->append(first));
    BOOST_REQUIRE(j->append(request_for("s", 3, 2)));
    BOOST_REQUIRE(!j->flush_index());  // one tail: s#1..5 with a snapshot at 3
    auto stored = j->load("s");
    BOOST_REQUIRE(stored);
    BOOST_TEST(stored->snapshot.version() == 3u);
    BOOST_TEST(stored->tail.size() == 2u);
    truth = *j->events("s");
  }
  {
    auto env = open_raw(dir, "chunks");
    auto t = env->begin_read();
    BOOST_REQUIRE(t);
    auto chunk_at = [&](uint64_t seq) {
      auto value = t->get(env->db("chunks"), persistence::session_key("s", seq));
      return value && *value;
    };
    BOOST_TEST(chunk_at(1));
    BOOST_TEST(!chunk_at(3));
    BOOST_TEST(chunk_at(4));  // right after the snapshot
  }
  auto j = open_journal(dir);
  auto read = j->events("s");
  BOOST_REQUIRE(read);
  BOOST_REQUIRE(read->size() == 5u);
  for (std::size_t i = 0; i < 5; ++i) BOOST_TEST(same((*read)[i], truth[i]));
}

BOOST_AUTO_TEST_SUITE_END()
