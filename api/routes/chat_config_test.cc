// The chat's configuration file (--chat-config): what is read, and the
// error that names each mistake.
#include <gtest/gtest.h>

#include "api/routes/chat.h"

namespace docket::api {
namespace {

TEST(ChatConfigTest, ReadsQueuesAndLimits) {
  auto o = ParseChatConfig(R"({"queues": [{"id": "sales", "name": "Sales"},
                                          {"id": "support", "name": "Support"}],
                               "max_message_chars": 500, "messages_per_second": 3,
                               "message_burst": 6, "max_open_conversations": 2,
                               "idle_timeout_s": 90})");
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->limits.queues.size(), 2u);
  EXPECT_EQ(o->limits.queues[1].id, "support");
  EXPECT_EQ(o->limits.queues[1].name, "Support");
  EXPECT_EQ(o->limits.max_message_chars, 500u);
  EXPECT_EQ(o->messages_per_user.per_second, 3);
  EXPECT_EQ(o->messages_per_user.burst, 6);
  EXPECT_EQ(o->max_open_conversations_per_customer, 2);
  EXPECT_EQ(o->limits.idle_timeout, std::chrono::seconds(90));
}

TEST(ChatConfigTest, AQueueMayNameTheCaseItsChatsOpenAndTheLeaseIsRead) {
  auto o = ParseChatConfig(R"({"queues": [{"id": "support", "name": "Support",
                                           "case_type": "technical-support",
                                           "category": "internet"},
                                          {"id": "sales", "name": "Sales"}],
                               "presence_lease_s": 60, "max_sockets_per_user": 100})");
  ASSERT_TRUE(o.ok()) << o.status();
  ASSERT_EQ(o->case_kinds.count("support"), 1u);
  EXPECT_EQ(o->case_kinds.at("support").case_type, "technical-support");
  EXPECT_EQ(o->case_kinds.at("support").category, "internet");
  EXPECT_EQ(o->case_kinds.count("sales"), 0u);
  EXPECT_EQ(o->limits.presence_lease, std::chrono::seconds(60));
  EXPECT_EQ(o->max_sockets_per_user, 100);
}

TEST(ChatConfigTest, LeftOutLimitsKeepTheirDefaults) {
  auto o = ParseChatConfig(R"({"queues": [{"id": "support", "name": "Support"}]})");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->limits.max_message_chars, aggregates::ChatLimits{}.max_message_chars);
  EXPECT_EQ(o->limits.idle_timeout, aggregates::ChatLimits{}.idle_timeout);
}

TEST(ChatConfigTest, EachMistakeIsNamed) {
  auto message = [](const char* text) { return ParseChatConfig(text).status().message(); };
  EXPECT_NE(message("[]").find("JSON object"), std::string::npos);
  EXPECT_NE(message(R"({"queues": []})").find("at least one queue"), std::string::npos);
  EXPECT_NE(message(R"({"queues": [{"id": "Sales!", "name": "S"}]})").find("Sales!"),
            std::string::npos);
  EXPECT_NE(message(R"({"queues": [{"id": "a", "name": "A"}], "idle_timeout_s": 0})")
                .find("idle_timeout_s"),
            std::string::npos);
  EXPECT_NE(message(R"({"queues": [{"id": "a", "name": "A"}], "colour": "red"})").find("colour"),
            std::string::npos);
  EXPECT_NE(message(R"({"queues": [{"id": "a"}]})").find("queues"), std::string::npos);
  EXPECT_NE(message(R"({"queues": [{"id": "a", "name": "A", "case_type": "x"}]})")
                .find("case_type"),
            std::string::npos);
  EXPECT_NE(message(R"({"queues": [{"id": "a", "name": "A"}], "presence_lease_s": 1})")
                .find("presence_lease_s"),
            std::string::npos);
}

}  // namespace
}  // namespace docket::api
