#include "consumers/identity/identity_mails.h"

#include <gtest/gtest.h>


#include "consumers/notifier/rule_state_testing.h"
#include "events/envelope.h"

namespace docket::notifier {
namespace {

using testing::MapState;

template <typename T>
fb::EventEnvelopeT UserEvent(T payload) {
  fb::ActorT actor;
  actor.user_id = "system";
  actor.role = fb::Role::System;
  return events::MakeEvent("u0123456789abcdef01234567", 2, actor, "reset-abc", 0,
                           1'795'000'000'000'000, std::move(payload));
}

std::vector<MailIntent> MailsOf(const fb::EventEnvelopeT& e) {
  MapState state;
  Result<std::vector<MailIntent>> r = IdentityMails().Mails(e, state);
  EXPECT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(state.rows.empty());  // stateless
  return r.ok() ? *r : std::vector<MailIntent>{};
}

TEST(IdentityMailsTest, AResetLinkIsMailedToItsUserWithTheIssuingCommand) {
  fb::TokenIssuedT t;
  t.purpose = "reset";
  t.token_hash = std::string(64, 'c');
  t.expires_at_us = 1'795'003'600'000'000;
  auto mails = MailsOf(UserEvent(t));
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].recipient, "u0123456789abcdef01234567");
  EXPECT_EQ(mails[0].template_name, "password_reset");
  EXPECT_EQ(mails[0].vars["link_command"], "reset-abc");
  // The digest is not the link: nothing secret is in the queued mail.
  EXPECT_EQ(mails[0].vars.dump().find(std::string(64, 'c')), std::string::npos);
}

TEST(IdentityMailsTest, LockAndNewPasswordAreToldOtherEventsAreSilent) {
  EXPECT_EQ(MailsOf(UserEvent(fb::UserLockedT{}))[0].template_name, "account_locked");
  fb::PasswordSetT p;
  p.password_hash = "$argon2id$x";
  p.purpose = "change";
  auto mails = MailsOf(UserEvent(p));
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].template_name, "password_changed");
  EXPECT_EQ(mails[0].vars.dump().find("argon2id"), std::string::npos);
  fb::LoginFailedT f;
  f.attempt_id = "a";
  EXPECT_TRUE(MailsOf(UserEvent(f)).empty());
}

}  // namespace
}  // namespace docket::notifier
