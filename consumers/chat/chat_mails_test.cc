// Given chat events -> then mails: the transcript, to the customer, only
// when asked for, with what was said so far.
#include "consumers/chat/chat_mails.h"

#include <gtest/gtest.h>

#include "consumers/notifier/rule_state_testing.h"
#include "events/envelope.h"

namespace docket::notifier {
namespace {

using testing::MapState;

constexpr char kId[] = "chat-0123456789abcdef01234567";

class ChatMailsTest : public ::testing::Test {
 protected:
  template <typename T>
  std::vector<MailIntent> On(const std::string& actor_id, T payload) {
    fb::ActorT actor;
    actor.user_id = actor_id;
    actor.display_name = actor_id == "u-ann" ? "Ann" : "Sam Agent";
    ++version_;
    auto e = events::MakeEvent(kId, version_, actor, "c" + std::to_string(version_), 0,
                               1'795'000'000'000'000, std::move(payload));
    Result<std::vector<MailIntent>> r = ChatMails().Mails(e, state_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<MailIntent>{};
  }
  std::vector<MailIntent> Say(const std::string& who, const std::string& text) {
    fb::ChatMessagePostedT m;
    m.client_message_id = "m" + std::to_string(version_);
    m.text = text;
    return On(who, m);
  }
  void Start() {
    fb::ConversationStartedT s;
    s.queue = "support";
    s.topic = "No dial tone";
    EXPECT_TRUE(On("u-ann", s).empty());
  }

  MapState state_;
  uint64_t version_ = 0;
};

TEST_F(ChatMailsTest, TheTranscriptGoesToTheCustomerWhenAskedFor) {
  Start();
  EXPECT_TRUE(Say("u-ann", "Hello?").empty());
  fb::ConversationAcceptedT a;
  a.queue = "support";
  EXPECT_TRUE(On("u-sam", a).empty());
  EXPECT_TRUE(Say("u-sam", "How can I help?").empty());
  std::vector<MailIntent> mails = On("u-ann", fb::ChatTranscriptRequestedT{});
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].recipient, "u-ann");
  EXPECT_EQ(mails[0].template_name, "chat_transcript");
  EXPECT_TRUE(mails[0].skip_user_id.empty());  // they asked for it themselves
  EXPECT_EQ(mails[0].vars["chat_topic"], "No dial tone");
  const std::string text = mails[0].vars["transcript"].get<std::string>();
  EXPECT_NE(text.find("Chat started: No dial tone"), std::string::npos) << text;
  EXPECT_NE(text.find("Ann: Hello?"), std::string::npos) << text;
  EXPECT_NE(text.find("Sam Agent joined"), std::string::npos) << text;
  EXPECT_NE(text.find("Sam Agent: How can I help?"), std::string::npos) << text;
  EXPECT_LT(text.find("Hello?"), text.find("How can I help?"));
}

TEST_F(ChatMailsTest, NothingElseMails) {
  Start();
  EXPECT_TRUE(Say("u-ann", "hi").empty());
  EXPECT_TRUE(On("u-ann", fb::ConversationEndedT{}).empty());
}

TEST_F(ChatMailsTest, ALongTranscriptIsCut) {
  Start();
  const std::string line(1000, 'x');
  for (int i = 0; i < 30; ++i) Say("u-ann", line);
  std::vector<MailIntent> mails = On("u-ann", fb::ChatTranscriptRequestedT{});
  ASSERT_EQ(mails.size(), 1u);
  const std::string text = mails[0].vars["transcript"].get<std::string>();
  EXPECT_LE(text.size(), ChatMails::kMaxTranscriptChars + 8);
  EXPECT_EQ(text.substr(text.size() - 4), "…\n");
}

TEST_F(ChatMailsTest, ACorruptStateIsDataLoss) {
  state_.rows[std::string("chat/") + kId] = "not json";
  fb::ActorT actor;
  auto e = events::MakeEvent(kId, 1, actor, "c", 0, 0, fb::ChatTranscriptRequestedT{});
  EXPECT_EQ(ChatMails().Mails(e, state_).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace docket::notifier
