#include "events/envelope.h"

#include <gtest/gtest.h>

namespace docket::events {
namespace {

TEST(EnvelopeTest, EventIdsComeFromTheCommandAndIndex) {
  fb::CommandEnvelopeT cmd = MakeCommand("CS00000000006", SystemActor("test"), 5);
  cmd.command_id = "cmd-9";
  fb::CommentAddedT c;
  c.body = "hi";
  fb::EventUnion u;
  u.Set(std::move(c));
  fb::EventEnvelopeT e = EventOf(cmd, "CS00000000006", 3, 2, 1'795'000'000'123'456, u);
  EXPECT_EQ(e.event_id, "cmd-9/2");
  EXPECT_EQ(e.command_id, "cmd-9");
  EXPECT_EQ(e.correlation_id, "cmd-9");  // none given: the command id
  EXPECT_EQ(e.version, 3u);
  EXPECT_EQ(e.occurred_at_ms, 1'795'000'000'123);
  EXPECT_EQ(e.actor->user_id, "system:test");
  EXPECT_EQ(e.schema_version, kEventSchemaVersion);
  ASSERT_NE(e.event.AsCommentAdded(), nullptr);
  cmd.correlation_id = "corr-1";
  EXPECT_EQ(EventOf(cmd, "CS00000000006", 3, 0, 0, u).correlation_id, "corr-1");
}

TEST(EnvelopeTest, MillisecondsAreFlooredAlsoBefore1970) {
  fb::ActorT a = SystemActor("t");
  EXPECT_EQ(MakeEvent("x", 1, a, "c", 0, -1, fb::CaseCancelledT{}).occurred_at_ms, -1);
  EXPECT_EQ(MakeEvent("x", 1, a, "c", 0, -1000, fb::CaseCancelledT{}).occurred_at_ms, -1);
  EXPECT_EQ(MakeEvent("x", 1, a, "c", 0, 1999, fb::CaseCancelledT{}).occurred_at_ms, 1);
}

TEST(EnvelopeTest, CommandsHaveTheCurrentSchemaAndAnyVersion) {
  fb::CommandEnvelopeT c = MakeCommand("", SystemActor("auto-close"), 7);
  EXPECT_EQ(c.aggregate_id, "");
  EXPECT_EQ(c.expected_version, -1);
  EXPECT_EQ(c.issued_at_us, 7);
  EXPECT_EQ(c.schema_version, kCommandSchemaVersion);
  EXPECT_EQ(c.actor->user_id, "system:auto-close");
  EXPECT_EQ(c.actor->role, fb::Role::System);
  EXPECT_TRUE(c.actor->account_ids.empty());
}

}  // namespace
}  // namespace docket::events
