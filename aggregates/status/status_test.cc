// Given events / when command / then events (or rejection) for the status
// aggregates: service status and feedback.
#include "aggregates/status/status_handler.h"

#include <gtest/gtest.h>

#include "aggregates/handler_testing.h"

namespace docket::aggregates {
namespace {

using fb::ResultCode;
using fb::Role;
using testing::Cmd;
using testing::Fold;
using testing::Rejected;

TEST(StatusTest, StaffPostsServiceStatus) {
  StatusHandler h;
  fb::SetServiceStatusT c;
  c.service = "internet";
  c.status = fb::ServiceState::Outage;
  c.message = "Fibre cut in the north";
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Customer, "svc-internet", c), 0, "")).rule,
            "status.staff_only");
  Decision d = h.Decide("", Cmd(Role::Staff, "svc-internet", c), 0, "");
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  EXPECT_EQ(std::get<Events>(d)[0].AsServiceStatusChanged()->status, fb::ServiceState::Outage);
  c.service = "Internet!";
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, "svc-Internet!", c), 0, "")).rule,
            "status.service");
  EXPECT_EQ(ParseServiceState("MAINTENANCE"), fb::ServiceState::Maintenance);
  EXPECT_EQ(ParseServiceState("broken"), std::nullopt);
}

TEST(StatusTest, FeedbackIsRecordedOnce) {
  StatusHandler h;
  fb::SubmitFeedbackT f;
  f.message = "Great portal";
  f.rating = 5;
  Decision d = h.Decide("", Cmd(Role::Customer, "fb-1", f), 0, "");
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  const std::string s = Fold(h, "", d, "fb-1");
  EXPECT_EQ(Rejected(h.Decide(s, Cmd(Role::Customer, "fb-1", f), 0, "")).rule, "feedback.exists");
  f.rating = 6;
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Customer, "fb-2", f), 0, "")).rule, "feedback.rating");
}

TEST(StatusTest, HandlesOnlyStatusCommands) {
  StatusHandler h;
  EXPECT_EQ(h.context(), "status");
  EXPECT_TRUE(h.Handles(fb::Command::SetServiceStatus));
  EXPECT_TRUE(h.Handles(fb::Command::SubmitFeedback));
  EXPECT_FALSE(h.Handles(fb::Command::CreateUser));
  EXPECT_FALSE(h.Handles(fb::Command::OpenCase));
}

}  // namespace
}  // namespace docket::aggregates
