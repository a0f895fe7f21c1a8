// apply refuses events that do not belong where they are offered, leaving state as it was.
#include <deque>
#include <random>
#include <string>

#include <boost/test/unit_test.hpp>

#include "session_fixture.hpp"

using namespace souk;
using souk::testing::same;
using souk::testing::session_fixture;

namespace {

// A copy of the fixture journal's event `seq` with a different body or envelope.
v1::Event viewed(const session_fixture& s, uint64_t seq) {
  v1::Event event = s.journal.back();
  event.clear_body();
  event.set_event_id("evt-test-" + std::to_string(seq));
  event.set_seq(seq);
  event.mutable_product_viewed()->set_sku("SKU-123");
  return event;
}

void refuses(v1::SessionState& state, const v1::Event& event, v1::ErrorCode code) {
  auto before = state;
  auto error = session::apply_to(state, event);
  BOOST_REQUIRE(error);
  BOOST_TEST(v1::ErrorCode_Name(error->code()) == v1::ErrorCode_Name(code));
  BOOST_TEST(!error->message().empty());
  BOOST_TEST(same(before, state));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(session_apply)

BOOST_AUTO_TEST_CASE(a_seq_that_does_not_follow_is_refused) {
  session_fixture s;
  refuses(s.state, viewed(s, 3), v1::ERROR_CODE_OUT_OF_ORDER_EVENT);  // gap
  refuses(s.state, viewed(s, 1), v1::ERROR_CODE_OUT_OF_ORDER_EVENT);  // repeat
  BOOST_TEST(!session::apply_to(s.state, viewed(s, 2)));
  BOOST_TEST(s.state.version() == 2u);
}

BOOST_AUTO_TEST_CASE(an_event_of_another_session_is_refused) {
  session_fixture s;
  auto event = viewed(s, 2);
  event.set_session_id("sess-2");
  refuses(s.state, event, v1::ERROR_CODE_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(an_event_without_a_body_is_refused) {
  session_fixture s;
  auto event = viewed(s, 2);
  event.clear_body();
  refuses(s.state, event, v1::ERROR_CODE_UNKNOWN_EVENT);
}

BOOST_AUTO_TEST_CASE(a_session_begins_with_session_started_and_only_once) {
  session_fixture s;
  v1::SessionState empty;
  auto first = viewed(s, 1);
  refuses(empty, first, v1::ERROR_CODE_SESSION_NOT_STARTED);
  auto again = s.journal.front();
  again.set_seq(2);
  refuses(s.state, again, v1::ERROR_CODE_SESSION_ALREADY_STARTED);
}

BOOST_AUTO_TEST_CASE(the_functional_form_leaves_its_input_alone) {
  session_fixture s;
  auto before = s.state;
  auto next = session::apply(s.state, viewed(s, 2));
  BOOST_REQUIRE(next);
  BOOST_TEST(next->version() == 2u);
  BOOST_TEST(next->conversation().focus_sku() == "SKU-123");
  BOOST_TEST(same(before, s.state));
}

BOOST_AUTO_TEST_CASE(the_transcript_stays_bounded_and_older_turns_fold_into_the_summary) {
  session_fixture s;
  for (int i = 0; i < session::max_transcript_turns + 5; ++i) {
    auto c = s.command();
    c.mutable_record_customer_message()->set_channel("chat");
    c.mutable_record_customer_message()->set_text("message " + std::to_string(i));
    s.must(c);
  }
  const auto& conversation = s.state.conversation();
  BOOST_TEST(conversation.transcript_size() == session::max_transcript_turns);
  BOOST_TEST(conversation.folded_turns() == 5u);
  BOOST_TEST(conversation.transcript(0).text() == "message 5");
  BOOST_TEST(conversation.summary().find("customer: message 4") != std::string::npos);
  BOOST_TEST(conversation.summary().size() <= session::max_summary_chars);
}

BOOST_AUTO_TEST_CASE(a_reused_turn_holds_its_text_at_about_its_size) {
  // Texts that grow and shrink through the turns the transcript reuses: a string left to
  // grow doubles its capacity and keeps it, holding up to twice the text for good.
  session_fixture s;
  for (int i = 0; i < 4 * session::max_transcript_turns; ++i) {
    auto c = s.command();
    c.mutable_record_customer_message()->set_channel("chat");
    const std::size_t length = i < 2 * session::max_transcript_turns ? 100 + 3 * i : 40;
    c.mutable_record_customer_message()->set_text(std::string(length, 'x'));
    s.must(c);
  }
  for (const auto& turn : s.state.conversation().transcript()) {
    const auto size = turn.text().size(), capacity = turn.text().capacity();
    BOOST_TEST(size == 40u);
    BOOST_TEST(capacity <= size + size / 4 + 32);
  }
}

BOOST_AUTO_TEST_CASE(a_full_summary_holds_about_its_size_after_the_state_is_copied) {
  // A copy (as a snapshot makes) holds the summary at its exact size; the next fold must
  // not double it.
  session_fixture s;
  auto message = [&](int i) {
    auto c = s.command();
    c.mutable_record_customer_message()->set_channel("chat");
    c.mutable_record_customer_message()->set_text(std::to_string(i) + std::string(150, 'x'));
    s.must(c);
  };
  for (int i = 0; i < 2 * session::max_transcript_turns + 30; ++i) message(i);
  BOOST_TEST(s.state.conversation().summary().size() > session::max_summary_chars - 200);
  s.state = v1::SessionState(s.state);
  message(1000);
  BOOST_TEST(s.state.conversation().summary().capacity() <= session::max_summary_chars + 200);
}

BOOST_AUTO_TEST_CASE(the_summary_keeps_the_newest_whole_lines_that_fit) {
  // Against a model: each folded turn appends "customer: " and its first 120
  // characters as a line; over the limit, the oldest lines go, whole, up to the first
  // line break that leaves at most max_summary_chars. Texts carry line breaks too.
  session_fixture s;
  std::mt19937 rng(7);
  std::deque<std::string> transcript;
  std::string model;
  for (int i = 0; i < 200; ++i) {
    std::string text;
    for (std::size_t k = 0, n = 1 + rng() % 250; k < n; ++k)
      text += rng() % 17 == 0 ? '\n' : char('a' + rng() % 26);
    auto c = s.command();
    c.mutable_record_customer_message()->set_channel("chat");
    c.mutable_record_customer_message()->set_text(text);
    s.must(c);
    transcript.push_back(text);
    if (transcript.size() <= session::max_transcript_turns) continue;
    model += (model.empty() ? "" : "\n") + ("customer: " + transcript.front().substr(0, 120));
    transcript.pop_front();
    if (model.size() > session::max_summary_chars)
      model.erase(0, model.find('\n', model.size() - session::max_summary_chars - 1) + 1);
    BOOST_REQUIRE(s.state.conversation().summary() == model);
  }
}

BOOST_AUTO_TEST_CASE(decision_history_keeps_the_latest_and_counts_the_rest) {
  session_fixture s;
  for (int i = 0; i < session::max_decisions + 3; ++i) {
    auto c = s.command();
    c.mutable_record_decision()->set_kind("recommend");
    c.mutable_record_decision()->set_reason("reason " + std::to_string(i));
    c.mutable_record_decision()->set_confidence(0.5);
    s.must(c);
  }
  BOOST_TEST(s.state.decisions_size() == session::max_decisions);
  BOOST_TEST(s.state.folded_decisions() == 3u);
  BOOST_TEST(s.state.decisions(session::max_decisions - 1).reason() ==
             "reason " + std::to_string(session::max_decisions + 2));
}

BOOST_AUTO_TEST_SUITE_END()
