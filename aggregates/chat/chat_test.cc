// Given events / when command / then events (or rejection) for a chat
// conversation: one test per rule of chat_handler.h.
#include "aggregates/chat/chat_handler.h"

#include <gtest/gtest.h>

#include "aggregates/handler_testing.h"

namespace docket::aggregates {
namespace {

using fb::ConversationState;
using fb::ResultCode;
using fb::Role;
using testing::Rejected;

constexpr char kId[] = "chat-0123456789abcdef01234567";
constexpr int64_t kStart = 1'795'000'000'000'000;

fb::ActorT Person(Role role, const std::string& id) {
  fb::ActorT a;
  a.user_id = id;
  a.role = role;
  a.display_name = id == "u-ann" ? "Ann Customer" : id;
  if (role == Role::Customer) a.account_ids = {"ACC-1"};
  return a;
}

template <typename T>
fb::CommandEnvelopeT By(const fb::ActorT& who, T payload, const std::string& id = kId) {
  fb::CommandEnvelopeT c = events::MakeCommand(id, who, 0);
  c.command_id = "cmd-1";
  c.command.Set(std::move(payload));
  return c;
}

fb::PostChatMessageT Message(const std::string& text, const std::string& client_id = "m1") {
  fb::PostChatMessageT m;
  m.client_message_id = client_id;
  m.text = text;
  return m;
}

class ChatTest : public ::testing::Test {
 protected:
  ChatTest() : h_(ChatLimits{}) {}

  const fb::ActorT ann_ = Person(Role::Customer, "u-ann");
  const fb::ActorT ben_ = Person(Role::Customer, "u-ben");
  const fb::ActorT sam_ = Person(Role::Staff, "u-sam");
  const fb::ActorT kim_ = Person(Role::Staff, "u-kim");

  Decision Do(const std::string& state, const fb::CommandEnvelopeT& c) const {
    return h_.Decide(state, c, kStart, "");
  }
  // Decides and folds (the events are by the command's actor, at `at`).
  std::string Apply(const std::string& state, const fb::CommandEnvelopeT& c,
                    int64_t at = kStart) const {
    Decision d = Do(state, c);
    EXPECT_TRUE(std::holds_alternative<Events>(d)) << Rejected(d).rule;
    if (!std::holds_alternative<Events>(d)) return state;
    std::string s = state;
    uint64_t v = h_.Version(s);
    for (const auto& e : std::get<Events>(d)) {
      fb::EventEnvelopeT env =
          events::MakeEventEnvelope(c.aggregate_id, ++v, *c.actor, c.command_id, "", 0, at, e);
      Result<std::string> next = h_.Apply(s, env);
      EXPECT_TRUE(next.ok()) << next.status();
      s = *next;
    }
    return s;
  }
  std::string Started(const std::string& queue = "support") const {
    fb::StartConversationT c;
    c.queue = queue;
    c.topic = "My line is down";
    return Apply("", By(ann_, c));
  }
  std::string Accepted() const { return Apply(Started(), By(sam_, fb::AcceptConversationT{})); }
  fb::ConversationSnapshotT Snapshot(const std::string& state) const {
    return *events::DecodePortalSnapshot(state)->conversation;
  }
  // Sam's presence: online for `queues` (none: offline).
  fb::CommandEnvelopeT Presence(std::vector<std::string> queues, const fb::ActorT* who = nullptr,
                                const std::string& id = "agent-u-sam") const {
    fb::SetAgentPresenceT p;
    p.online = !queues.empty();
    p.queues = std::move(queues);
    return By(who ? *who : sam_, p, id);
  }
  fb::AgentPresenceSnapshotT AgentSnapshot(const std::string& state) const {
    return *events::DecodePortalSnapshot(state)->agent;
  }

  ChatHandler h_;
};

TEST_F(ChatTest, ACustomerStartsAConversationInAConfiguredQueue) {
  fb::StartConversationT c;
  c.queue = "support";
  c.topic = "My line is down";
  Decision d = Do("", By(ann_, c));
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  const auto* e = std::get<Events>(d)[0].AsConversationStarted();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->queue, "support");
  EXPECT_EQ(e->topic, "My line is down");
  EXPECT_EQ(e->customer_name, "Ann Customer");
  EXPECT_EQ(e->account_ids, std::vector<std::string>{"ACC-1"});
  const fb::ConversationSnapshotT s = Snapshot(Started());
  EXPECT_EQ(s.state, ConversationState::Waiting);
  EXPECT_EQ(s.customer_id, "u-ann");
  EXPECT_EQ(s.last_activity_us, kStart);
}

TEST_F(ChatTest, OnlyCustomersStartAChat) {
  fb::StartConversationT c;
  c.queue = "support";
  EXPECT_EQ(Rejected(Do("", By(sam_, c))).rule, "chat.customers_only");
}

TEST_F(ChatTest, AnUnknownQueueAnIdOfAnotherShapeAndALongTopicAreRefused) {
  fb::StartConversationT c;
  c.queue = "billing";
  EXPECT_EQ(Rejected(Do("", By(ann_, c))).rule, "chat.queue");
  c.queue = "sales";
  EXPECT_EQ(Rejected(Do("", By(ann_, c, "chat-1"))).rule, "chat.id");
  c.topic = std::string(201, 'x');
  EXPECT_EQ(Rejected(Do("", By(ann_, c))).rule, "chat.topic");
}

TEST_F(ChatTest, AConversationIsStartedOnce) {
  fb::StartConversationT c;
  c.queue = "support";
  EXPECT_EQ(Rejected(Do(Started(), By(ann_, c))).code, ResultCode::AlreadyExists);
}

TEST_F(ChatTest, AnotherCustomersConversationIsNotFoundLikeAMissingOne) {
  const Rejection theirs = Rejected(Do(Started(), By(ben_, Message("hi"))));
  const Rejection missing = Rejected(Do("", By(ann_, Message("hi"))));
  EXPECT_EQ(theirs.code, ResultCode::NotFound);
  EXPECT_EQ(theirs.rule, "chat.not_found");
  EXPECT_EQ(theirs.message, missing.message);
  EXPECT_EQ(Rejected(Do(Started(), By(ben_, fb::EndConversationT{}))).rule, "chat.not_found");
}

TEST_F(ChatTest, TheCustomerWritesWhileWaitingAndTheAgentOnceItIsTheirs) {
  const std::string waiting = Started();
  ASSERT_TRUE(std::holds_alternative<Events>(Do(waiting, By(ann_, Message("hello")))));
  EXPECT_EQ(Rejected(Do(waiting, By(sam_, Message("hi")))).rule, "chat.not_your_conversation");
  const std::string active = Accepted();
  Decision d = Do(active, By(sam_, Message("How can I help?")));
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  EXPECT_EQ(std::get<Events>(d)[0].AsChatMessagePosted()->text, "How can I help?");
  EXPECT_EQ(Rejected(Do(active, By(kim_, Message("me too")))).rule, "chat.not_your_conversation");
}

TEST_F(ChatTest, AMessageHasTextWithinTheLimitAndAClientId) {
  const std::string s = Started();
  EXPECT_EQ(Rejected(Do(s, By(ann_, Message("")))).rule, "chat.message");
  EXPECT_EQ(Rejected(Do(s, By(ann_, Message(std::string(2001, 'x'))))).rule, "chat.message");
  EXPECT_TRUE(std::holds_alternative<Events>(Do(s, By(ann_, Message(std::string(2000, 'x'))))));
  EXPECT_EQ(Rejected(Do(s, By(ann_, Message("hi", "")))).rule, "chat.client_message_id");
  EXPECT_EQ(Rejected(Do(s, By(ann_, Message("hi", "has space")))).rule,
            "chat.client_message_id");
}

TEST_F(ChatTest, AnAgentAcceptsAWaitingConversationAndOnlyOne) {
  const fb::ConversationSnapshotT s = Snapshot(Accepted());
  EXPECT_EQ(s.state, ConversationState::Active);
  EXPECT_EQ(s.agent_id, "u-sam");
  EXPECT_EQ(Rejected(Do(Accepted(), By(kim_, fb::AcceptConversationT{}))).rule,
            "chat.not_waiting");
  EXPECT_EQ(Rejected(Do(Started(), By(ann_, fb::AcceptConversationT{}))).rule,
            "chat.agents_only");
}

TEST_F(ChatTest, TheAgentTransfersToAnotherQueueWhereItWaitsAgain) {
  fb::TransferConversationT t;
  t.queue = "sales";
  t.note = "wants a faster line";
  EXPECT_EQ(Rejected(Do(Accepted(), By(kim_, t))).rule, "chat.not_your_conversation");
  EXPECT_EQ(Rejected(Do(Accepted(), By(ann_, t))).rule, "chat.agents_only");
  const fb::ConversationSnapshotT s = Snapshot(Apply(Accepted(), By(sam_, t)));
  EXPECT_EQ(s.state, ConversationState::Waiting);
  EXPECT_EQ(s.queue, "sales");
  EXPECT_EQ(s.agent_id, "");
  t.queue = "support";
  EXPECT_EQ(Rejected(Do(Accepted(), By(sam_, t))).rule, "chat.same_queue");
  t.queue = "nowhere";
  EXPECT_EQ(Rejected(Do(Accepted(), By(sam_, t))).rule, "chat.queue");
}

TEST_F(ChatTest, EndingNamesWhoEndedItAndNothingIsWrittenAfter) {
  Decision by_customer = Do(Accepted(), By(ann_, fb::EndConversationT{}));
  EXPECT_EQ(std::get<Events>(by_customer)[0].AsConversationEnded()->reason,
            fb::ChatEndReason::Customer);
  Decision by_agent = Do(Accepted(), By(sam_, fb::EndConversationT{}));
  EXPECT_EQ(std::get<Events>(by_agent)[0].AsConversationEnded()->reason, fb::ChatEndReason::Agent);
  EXPECT_EQ(Rejected(Do(Accepted(), By(kim_, fb::EndConversationT{}))).rule,
            "chat.not_your_conversation");
  const std::string ended = Apply(Accepted(), By(ann_, fb::EndConversationT{}));
  EXPECT_EQ(Snapshot(ended).state, ConversationState::Ended);
  EXPECT_EQ(Rejected(Do(ended, By(ann_, Message("still there?")))).rule, "chat.ended");
  EXPECT_EQ(Rejected(Do(ended, By(ann_, fb::EndConversationT{}))).rule, "chat.ended");
  fb::TransferConversationT t;
  t.queue = "sales";
  EXPECT_EQ(Rejected(Do(ended, By(sam_, t))).rule, "chat.ended");
}

TEST_F(ChatTest, AnIdleConversationEndsItselfOnceAndOnlyWhenDue) {
  const std::string s = Apply(Accepted(), By(ann_, Message("are you there?")), kStart + 60'000'000);
  const int64_t due = kStart + 60'000'000 + ChatLimits{}.idle_timeout.count();
  EXPECT_EQ(h_.TimerDueAt(s), due);
  EXPECT_EQ(h_.TimerCommand(s, due - 1), std::nullopt);
  std::optional<fb::CommandEnvelopeT> c = h_.TimerCommand(s, due);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->command_id, "chat-idle/" + std::string(kId) + "/3");
  EXPECT_EQ(c->expected_version, 3);
  Decision d = Do(s, *c);
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  EXPECT_EQ(std::get<Events>(d)[0].AsConversationEnded()->reason, fb::ChatEndReason::Idle);
  const std::string ended = Apply(s, *c);
  EXPECT_EQ(h_.TimerDueAt(ended), std::nullopt);
  EXPECT_EQ(h_.TimerCommand(ended, due + 1), std::nullopt);
}

TEST_F(ChatTest, CasesAreLinkedOnceEachAlsoAfterTheEnd) {
  fb::LinkConversationCaseT l;
  l.case_number = "CS00000050455";
  l.opened = true;
  const std::string ended = Apply(Started(), By(ann_, fb::EndConversationT{}));
  const std::string linked = Apply(ended, By(ann_, l));
  EXPECT_EQ(Snapshot(linked).case_numbers, std::vector<std::string>{"CS00000050455"});
  EXPECT_EQ(Rejected(Do(linked, By(sam_, l))).rule, "chat.case_linked");
  l.case_number = "50455";
  EXPECT_EQ(Rejected(Do(ended, By(ann_, l))).rule, "chat.case_number");
}

TEST_F(ChatTest, AnAgentGoesOnlineForConfiguredQueuesUntilTheLeaseEnds) {
  Decision d = Do("", Presence({"support", "sales"}));
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  const auto* e = std::get<Events>(d)[0].AsAgentPresenceChanged();
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->online);
  EXPECT_EQ(e->queues, (std::vector<std::string>{"support", "sales"}));
  EXPECT_EQ(e->until_us, kStart + ChatLimits{}.presence_lease.count());
  EXPECT_EQ(e->agent_name, "u-sam");
  const fb::AgentPresenceSnapshotT online = AgentSnapshot(Apply("", Presence({"support"})));
  EXPECT_TRUE(online.online);
  EXPECT_EQ(online.queues, std::vector<std::string>{"support"});
  EXPECT_EQ(Rejected(Do("", Presence({"billing"}))).rule, "chat.queue");
  EXPECT_EQ(Rejected(Do("", Presence({"sales", "sales"}))).rule, "chat.queue");
  const fb::AgentPresenceSnapshotT offline =
      AgentSnapshot(Apply(Apply("", Presence({"support"})), Presence({})));
  EXPECT_FALSE(offline.online);
  EXPECT_TRUE(offline.queues.empty());
  EXPECT_EQ(offline.until_us, 0);
}

TEST_F(ChatTest, AgentsSetOnlyTheirOwnPresence) {
  EXPECT_EQ(Rejected(Do("", Presence({"support"}, &ann_, "agent-u-ann"))).rule,
            "chat.agents_only");
  EXPECT_EQ(Rejected(Do("", Presence({"support"}, &kim_))).rule, "chat.presence_id");
  EXPECT_EQ(Rejected(Do(Started(), Presence({"support"}, &sam_, kId))).rule, "chat.presence_id");
  // And a presence is no conversation.
  EXPECT_EQ(Rejected(Do(Apply("", Presence({"support"})),
                        By(sam_, fb::AcceptConversationT{}, "agent-u-sam")))
                .rule,
            "chat.not_found");
}

TEST_F(ChatTest, TheLeaseRunsOutOnceUnlessRenewed) {
  const std::string online = Apply("", Presence({"support"}));
  const int64_t until = kStart + ChatLimits{}.presence_lease.count();
  EXPECT_EQ(h_.TimerDueAt(online), until);
  EXPECT_EQ(h_.TimerCommand(online, until - 1), std::nullopt);
  std::optional<fb::CommandEnvelopeT> c = h_.TimerCommand(online, until);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->command_id, "chat-presence/agent-u-sam/1");
  EXPECT_EQ(c->expected_version, 1);
  const std::string offline = Apply(online, *c);
  EXPECT_FALSE(AgentSnapshot(offline).online);
  EXPECT_EQ(h_.TimerDueAt(offline), std::nullopt);
  EXPECT_EQ(Rejected(Do(offline, *c)).rule, "aggregate.version");
  fb::CommandEnvelopeT again = *c;
  again.expected_version = -1;
  EXPECT_EQ(Rejected(Do(offline, again)).rule, "chat.offline");
  // A renewal moves the end of the lease (the decider's clock is kStart).
  const std::string renewed = Apply(online, Presence({"support"}));
  EXPECT_EQ(Rejected(Do(renewed, *c)).rule, "aggregate.version");
}

TEST_F(ChatTest, OnlyTheCustomerHasTheTranscriptMailedAndOnlySoOften) {
  const std::string ended = Apply(Accepted(), By(sam_, fb::EndConversationT{}));
  EXPECT_EQ(Rejected(Do(ended, By(sam_, fb::RequestChatTranscriptT{}))).rule,
            "chat.customer_only");
  EXPECT_EQ(Rejected(Do(ended, By(ben_, fb::RequestChatTranscriptT{}))).rule, "chat.not_found");
  std::string s = ended;
  for (int i = 0; i < ChatLimits{}.max_transcript_mails; ++i) {
    Decision d = Do(s, By(ann_, fb::RequestChatTranscriptT{}));
    ASSERT_TRUE(std::holds_alternative<Events>(d)) << Rejected(d).rule;
    EXPECT_NE(std::get<Events>(d)[0].AsChatTranscriptRequested(), nullptr);
    s = Apply(s, By(ann_, fb::RequestChatTranscriptT{}));
  }
  EXPECT_EQ(Rejected(Do(s, By(ann_, fb::RequestChatTranscriptT{}))).rule,
            "chat.too_many_transcripts");
}

TEST_F(ChatTest, EventsBeforeTheStartAreDataLoss) {
  fb::EventUnion e;
  e.Set(fb::ConversationEndedT{});
  fb::EventEnvelopeT env = events::MakeEventEnvelope(kId, 1, sam_, "c", "", 0, kStart, e);
  EXPECT_EQ(h_.Apply("", env).status().code(), StatusCode::kDataLoss);
}

TEST_F(ChatTest, TheLimitsAreValidated) {
  EXPECT_TRUE(ChatLimits{}.Validate().ok());
  ChatLimits l;
  l.queues.push_back({"sales", "Sales again"});
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
  l = ChatLimits{};
  l.queues = {{"Sales!", "Sales"}};
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
  l = ChatLimits{};
  l.idle_timeout = std::chrono::milliseconds(10);
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
  l = ChatLimits{};
  l.presence_lease = std::chrono::milliseconds(10);
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
}

TEST_F(ChatTest, HandlesOnlyChatCommands) {
  EXPECT_EQ(h_.context(), "chat");
  EXPECT_TRUE(h_.Handles(fb::Command::StartConversation));
  EXPECT_TRUE(h_.Handles(fb::Command::LinkConversationCase));
  EXPECT_TRUE(h_.Handles(fb::Command::SetAgentPresence));
  EXPECT_FALSE(h_.Handles(fb::Command::OpenCase));
  EXPECT_FALSE(h_.Handles(fb::Command::SubmitFeedback));
}

}  // namespace
}  // namespace docket::aggregates
