// Given chat events -> then rows: the conversation, its transcript (every
// event an item at its version), the queues, the customer's and the
// agent's lists, on RocksDB; replays change nothing.
#include "projections/chat/chat_projection.h"

#include <gtest/gtest.h>

#include <map>

#include "events/codec.h"
#include "events/envelope.h"
#include "projections/chat/chat_queries.h"
#include "projections/projection_testing.h"

namespace docket::projections {
namespace {

constexpr int64_t kT0 = 1'795'000'000'000'000;

fb::ActorT Person(fb::Role role, const std::string& id, const std::string& name) {
  fb::ActorT a;
  a.user_id = id;
  a.role = role;
  a.display_name = name;
  return a;
}

class ChatProjectionTest : public testing::ProjectionTest<ChatProjection> {
 protected:
  // The next event of conversation `id` by `who`, one second after the last.
  template <typename T>
  fb::EventEnvelopeT Event(const std::string& id, const fb::ActorT& who, T payload) {
    const uint64_t v = ++versions_[id];
    const int64_t tick = ++clock_;
    return events::MakeEvent(id, v, who, "cmd-" + std::to_string(tick), 0,
                             kT0 + tick * 1'000'000, std::move(payload));
  }
  fb::EventEnvelopeT Start(const std::string& id, const fb::ActorT& who,
                           const std::string& queue) {
    fb::ConversationStartedT s;
    s.queue = queue;
    s.topic = "topic of " + id;
    s.customer_name = who.display_name;
    s.account_ids = {"ACC-1"};
    return Event(id, who, std::move(s));
  }
  fb::EventEnvelopeT Say(const std::string& id, const fb::ActorT& who, const std::string& text) {
    fb::ChatMessagePostedT m;
    m.client_message_id = "m" + std::to_string(clock_ + 1);
    m.text = text;
    return Event(id, who, std::move(m));
  }
  fb::EventEnvelopeT Accept(const std::string& id, const fb::ActorT& who,
                            const std::string& queue) {
    fb::ConversationAcceptedT a;
    a.queue = queue;
    a.agent_name = who.display_name;
    return Event(id, who, std::move(a));
  }
  void ApplyAll(const std::vector<fb::EventEnvelopeT>& events) {
    for (const auto& e : events) {
      auto r = Apply(e);
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(*r, ApplyOutcome::kApplied);
    }
  }
  std::vector<std::string> Ids(const Result<ConversationPage>& page) {
    EXPECT_TRUE(page.ok()) << page.status();
    std::vector<std::string> out;
    if (page.ok()) {
      for (const auto& c : page->rows) out.push_back(c.id);
    }
    return out;
  }
  fb::EventEnvelopeT Presence(const fb::ActorT& who, std::vector<std::string> queues,
                              int64_t until_us) {
    fb::AgentPresenceChangedT p;
    p.online = !queues.empty();
    p.queues = std::move(queues);
    p.until_us = until_us;
    p.agent_name = who.display_name;
    return Event("agent-" + who.user_id, who, std::move(p));
  }
  ConversationView Row(const std::string& id) {
    auto c = ChatQueries(store_.get()).Conversation(id);
    EXPECT_TRUE(c.ok() && c->has_value()) << id;
    return c.ok() && c->has_value() ? **c : ConversationView{};
  }

  const fb::ActorT ann_ = Person(fb::Role::Customer, "u-ann", "Ann");
  const fb::ActorT ben_ = Person(fb::Role::Customer, "u-ben", "Ben");
  const fb::ActorT sam_ = Person(fb::Role::Staff, "u-sam", "Sam Staff");
  const fb::ActorT kim_ = Person(fb::Role::Staff, "u-kim", "Kim Staff");
  const fb::ActorT idle_ = Person(fb::Role::System, "system:chat-idle", "");

  std::map<std::string, uint64_t> versions_;
  int64_t clock_ = 0;
};

TEST_F(ChatProjectionTest, AConversationFromGreetingToEndIsOneTranscript) {
  fb::ConversationEndedT end;
  end.reason = fb::ChatEndReason::Customer;
  ApplyAll({Start("chat-a", ann_, "support"), Say("chat-a", ann_, "my line is down"),
            Accept("chat-a", sam_, "support"), Say("chat-a", sam_, "let me look"),
            Event("chat-a", ann_, end)});
  const ConversationView c = Row("chat-a");
  EXPECT_EQ(c.state, fb::ConversationState::Ended);
  EXPECT_EQ(c.end_reason, fb::ChatEndReason::Customer);
  EXPECT_EQ(c.customer_id, "u-ann");
  EXPECT_EQ(c.agent_id, "u-sam");
  EXPECT_EQ(c.agent_name, "Sam Staff");
  EXPECT_EQ(c.messages, 2);
  EXPECT_EQ(c.version, 5u);
  EXPECT_EQ(c.started_at_us, kT0 + 1'000'000);
  EXPECT_EQ(c.accepted_at_us, kT0 + 3'000'000);
  EXPECT_EQ(c.ended_at_us, kT0 + 5'000'000);
  auto t = ChatQueries(store_.get()).Transcript("chat-a", 0, 100);
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->size(), 5u);
  std::vector<std::string> kinds;
  for (const auto& i : *t) kinds.push_back(i.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"started", "message", "accepted", "message", "ended"}));
  EXPECT_EQ((*t)[1].text, "my line is down");
  EXPECT_EQ((*t)[1].author_role, fb::Role::Customer);
  EXPECT_EQ((*t)[3].author_name, "Sam Staff");
  EXPECT_EQ((*t)[3].seq, 4u);
  EXPECT_EQ((*t)[4].end_reason, fb::ChatEndReason::Customer);
}

TEST_F(ChatProjectionTest, ATranscriptResumesAfterAPositionWithoutGapsOrRepeats) {
  ApplyAll({Start("chat-a", ann_, "support"), Say("chat-a", ann_, "one"),
            Say("chat-a", ann_, "two"), Say("chat-a", ann_, "three")});
  ApplyAll({Start("chat-ab", ben_, "support"), Say("chat-ab", ben_, "not ann's")});
  ChatQueries q(store_.get());
  auto after2 = q.Transcript("chat-a", 2, 100);
  ASSERT_TRUE(after2.ok());
  ASSERT_EQ(after2->size(), 2u);
  EXPECT_EQ((*after2)[0].text, "two");
  EXPECT_EQ((*after2)[1].text, "three");
  auto limited = q.Transcript("chat-a", 0, 2);
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ(limited->back().seq, 2u);
  EXPECT_TRUE(q.Transcript("chat-a", 4, 100)->empty());
}

TEST_F(ChatProjectionTest, QueuesAreOldestFirstAndTellEachOneItsPlace) {
  ApplyAll({Start("chat-1", ann_, "support"), Start("chat-2", ben_, "support"),
            Start("chat-3", ann_, "sales"), Start("chat-4", ben_, "support")});
  ChatQueries q(store_.get());
  EXPECT_EQ(Ids(q.Waiting("support", 10)), (std::vector<std::string>{"chat-1", "chat-2", "chat-4"}));
  EXPECT_EQ(Ids(q.Waiting("sales", 10)), std::vector<std::string>{"chat-3"});
  const ConversationView four = Row("chat-4");
  EXPECT_EQ(*q.PlaceInQueue("support", four.queued_at_us, "chat-4"), 2);
  ApplyAll({Accept("chat-1", sam_, "support")});
  EXPECT_EQ(Ids(q.Waiting("support", 10)), (std::vector<std::string>{"chat-2", "chat-4"}));
  EXPECT_EQ(*q.PlaceInQueue("support", four.queued_at_us, "chat-4"), 1);
  auto page = q.Waiting("support", 1);
  EXPECT_TRUE(page->more);
  auto stats = q.Queue("support");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->waiting, 2);
  EXPECT_EQ(stats->oldest_queued_at_us, Row("chat-2").queued_at_us);
  EXPECT_EQ(q.Queue("nobody")->waiting, 0);
}

TEST_F(ChatProjectionTest, ATransferPutsItAtTheEndOfTheOtherQueueAndOffTheAgentsList) {
  fb::ConversationTransferredT t;
  t.from_queue = "support";
  t.to_queue = "sales";
  t.note = "wants fibre";
  ApplyAll({Start("chat-1", ann_, "sales"), Start("chat-2", ben_, "support"),
            Accept("chat-2", sam_, "support")});
  ChatQueries q(store_.get());
  EXPECT_EQ(Ids(q.OfAgent("u-sam", 10, true)), std::vector<std::string>{"chat-2"});
  ApplyAll({Event("chat-2", sam_, t)});
  EXPECT_EQ(Ids(q.Waiting("sales", 10)), (std::vector<std::string>{"chat-1", "chat-2"}));
  EXPECT_TRUE(Ids(q.Waiting("support", 10)).empty());
  EXPECT_TRUE(Ids(q.OfAgent("u-sam", 10, false)).empty());
  const ConversationView c = Row("chat-2");
  EXPECT_EQ(c.state, fb::ConversationState::Waiting);
  EXPECT_EQ(c.queue, "sales");
  EXPECT_EQ(c.agent_id, "");
  auto items = q.Transcript("chat-2", 2, 10);
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].kind, "transferred");
  EXPECT_EQ((*items)[0].from_queue, "support");
  EXPECT_EQ((*items)[0].text, "wants fibre");
}

TEST_F(ChatProjectionTest, ACustomerListsTheirOwnNewestFirstAndOpenOnesApart) {
  fb::ConversationEndedT idle;
  idle.reason = fb::ChatEndReason::Idle;
  ApplyAll({Start("chat-1", ann_, "support"), Start("chat-2", ben_, "support"),
            Start("chat-3", ann_, "sales"), Event("chat-1", idle_, idle)});
  ChatQueries q(store_.get());
  EXPECT_EQ(Ids(q.OfCustomer("u-ann", 10, false)), (std::vector<std::string>{"chat-3", "chat-1"}));
  EXPECT_EQ(Ids(q.OfCustomer("u-ann", 10, true)), std::vector<std::string>{"chat-3"});
  EXPECT_EQ(Ids(q.OfCustomer("u-ben", 10, false)), std::vector<std::string>{"chat-2"});
  EXPECT_EQ(Row("chat-1").end_reason, fb::ChatEndReason::Idle);
  EXPECT_EQ(Ids(q.Waiting("support", 10)), std::vector<std::string>{"chat-2"});
}

TEST_F(ChatProjectionTest, LinkedCasesAreKeptAndShownInTheTranscript) {
  fb::ConversationCaseLinkedT l;
  l.case_number = "CS00000050455";
  l.opened = true;
  ApplyAll({Start("chat-1", ann_, "support"), Event("chat-1", ann_, l)});
  EXPECT_EQ(Row("chat-1").case_numbers, std::vector<std::string>{"CS00000050455"});
  auto items = ChatQueries(store_.get()).Transcript("chat-1", 1, 10);
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].case_number, "CS00000050455");
  EXPECT_TRUE((*items)[0].case_opened);
}

TEST_F(ChatProjectionTest, AMailedTranscriptIsAnItemToo) {
  ApplyAll({Start("chat-1", ann_, "support"), Event("chat-1", ann_, fb::ChatTranscriptRequestedT{})});
  auto items = ChatQueries(store_.get()).Transcript("chat-1", 1, 10);
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].kind, "transcript_mailed");
  EXPECT_EQ((*items)[0].seq, 2u);
  EXPECT_EQ(Row("chat-1").version, 2u);
}

TEST_F(ChatProjectionTest, AgentsAreOnlineForTheirQueuesUntilTheirLeaseEnds) {
  const int64_t lease_end = kT0 + 120'000'000;
  ApplyAll({Presence(sam_, {"support", "sales"}, lease_end), Presence(kim_, {"sales"}, lease_end),
            Presence(kim_, {}, 0)});
  ChatQueries q(store_.get());
  auto online = q.AgentsOnline(kT0 + 60'000'000);
  ASSERT_TRUE(online.ok()) << online.status();
  ASSERT_EQ(online->size(), 1u);
  EXPECT_EQ((*online)[0].user_id, "u-sam");
  EXPECT_EQ((*online)[0].name, "Sam Staff");
  EXPECT_TRUE((*online)[0].Takes("sales"));
  EXPECT_FALSE((*online)[0].Takes("billing"));
  // The lease ran out: offline even before the timer's event arrives.
  auto later = q.AgentsOnline(lease_end);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->empty());
  auto kim = q.Agent("u-kim");
  ASSERT_TRUE(kim.ok() && kim->has_value());
  EXPECT_FALSE((*kim)->online);
  EXPECT_EQ((*kim)->version, 2u);
  // No conversation, no transcript: a presence is not a chat.
  EXPECT_FALSE(q.Conversation("agent-u-sam")->has_value());
}

TEST_F(ChatProjectionTest, ReplayChangesNothing) {
  std::vector<fb::EventEnvelopeT> log = {Start("chat-1", ann_, "support"),
                                         Say("chat-1", ann_, "hello"),
                                         Accept("chat-1", sam_, "support"),
                                         Presence(sam_, {"support"}, kT0 + 120'000'000)};
  ExpectReplayChangesNothing(log);
}

TEST_F(ChatProjectionTest, OutOfOrderAndForeignEventsAreRefused) {
  auto early = Apply(Say("chat-x", ann_, "before the start"));
  EXPECT_EQ(early.status().code(), StatusCode::kDataLoss);
  fb::PasswordHashChangedT p;
  p.password_hash = "h";
  EXPECT_EQ(Apply(Event("u-1", sam_, p)).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace docket::projections
