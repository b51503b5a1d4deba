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
  EXPECT_TRUE(state.rows.empty());  // stateless for a user's events
  return r.ok() ? *r : std::vector<MailIntent>{};
}

fb::TokenIssuedT Link(const char* purpose) {
  fb::TokenIssuedT t;
  t.purpose = purpose;
  t.token_hash = std::string(64, 'c');
  t.expires_at_us = 1'795'003'600'000'000;
  return t;
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

TEST(IdentityMailsTest, InvitationAndUnlockLinksHaveTheirOwnMailAndPage) {
  auto invite = MailsOf(UserEvent(Link("activation")));
  ASSERT_EQ(invite.size(), 1u);
  EXPECT_EQ(invite[0].template_name, "invitation");
  EXPECT_EQ(invite[0].vars["link_path"], "/activate");
  auto unlock = MailsOf(UserEvent(Link("unlock")));
  ASSERT_EQ(unlock.size(), 1u);
  EXPECT_EQ(unlock[0].template_name, "unlock_link");
  EXPECT_EQ(unlock[0].vars["link_path"], "/unlock");
  // No challenge question: told to reset, with no link.
  auto advised = MailsOf(UserEvent(fb::UnlockAdvisedT{}));
  ASSERT_EQ(advised.size(), 1u);
  EXPECT_EQ(advised[0].template_name, "unlock_use_reset");
  EXPECT_FALSE(advised[0].vars.contains("link_command"));
  // The first password is not news to whoever just chose it.
  fb::PasswordSetT p;
  p.password_hash = "$argon2id$x";
  p.purpose = "activation";
  EXPECT_TRUE(MailsOf(UserEvent(p)).empty());
}

TEST(IdentityMailsTest, TheRequesterHearsOfTheRequestAndTheDecisionAtTheAddressGiven) {
  MapState state;
  fb::AccessRequestedT a;
  a.request_id = "req_0123456789abcdef0123";
  a.kind = "access";
  a.name = "Bob Stone";
  a.email = "bob@example.com";
  fb::ActorT system;
  system.user_id = "system";
  system.role = fb::Role::System;
  auto requested = IdentityMails().Mails(
      events::MakeEvent(a.request_id, 1, system, "access-1", 0, 1, a), state);
  ASSERT_TRUE(requested.ok());
  ASSERT_EQ(requested->size(), 1u);
  EXPECT_EQ((*requested)[0].recipient, "bob@example.com");
  EXPECT_EQ((*requested)[0].template_name, "access_request_received");
  fb::AccessRequestDecidedT d;
  d.approved = false;
  d.reason = "Unknown account";
  auto decided = IdentityMails().Mails(
      events::MakeEvent(a.request_id, 2, system, "decide-1", 0, 2, d), state);
  ASSERT_TRUE(decided.ok());
  ASSERT_EQ(decided->size(), 1u);
  EXPECT_EQ((*decided)[0].recipient, "bob@example.com");
  EXPECT_EQ((*decided)[0].template_name, "access_request_rejected");
  EXPECT_EQ((*decided)[0].vars["reason"], "Unknown account");
  EXPECT_EQ((*decided)[0].vars["name"], "Bob Stone");
}

}  // namespace
}  // namespace docket::notifier
