// Given events / when command / then events for the sign-in rules of the
// user aggregate (aggregates/identity/sign_in.h): one test per rule.
#include "aggregates/identity/sign_in.h"

#include <gtest/gtest.h>

#include "aggregates/handler_testing.h"
#include "aggregates/identity/identity_handler.h"
#include "common/hash.h"

namespace docket::aggregates {
namespace {

using fb::ResultCode;
using fb::Role;
using testing::kHash;
using testing::Rejected;

constexpr int64_t kMinute = 60'000'000;
const std::string kUser = UserIdForEmail("ann@example.com");
const std::string kSession1(64, 'a');
const std::string kSession2(64, 'b');
const std::string kToken1(64, 'c');
const std::string kToken2(64, 'd');

// A user aggregate, its state folded as the decider would, with a clock.
class SignInTest : public ::testing::Test {
 protected:
  SignInTest() {
    fb::CreateUserT u;
    u.email = "ann@example.com";
    u.name = "Ann";
    u.role = Role::Customer;
    u.account_ids = {"ACC-1"};
    u.password_hash = kHash;
    Accept(Role::Staff, std::move(u));
  }

  template <typename T>
  fb::CommandEnvelopeT Cmd(Role role, T payload) {
    fb::CommandEnvelopeT c = testing::Cmd(role, kUser, std::move(payload));
    c.command_id = "cmd-" + std::to_string(++ids_);
    if (role == Role::Customer) c.actor->user_id = kUser;
    return c;
  }
  template <typename T>
  Decision Decide(Role role, T payload) {
    return h_.Decide(state_, Cmd(role, std::move(payload)), now_, "");
  }
  // Decides and folds; the events' types.
  template <typename T>
  std::vector<fb::Event> Accept(Role role, T payload) {
    fb::CommandEnvelopeT c = Cmd(role, std::move(payload));
    Decision d = h_.Decide(state_, c, now_, "");
    EXPECT_TRUE(std::holds_alternative<Events>(d)) << Rejected(d).rule;
    if (!std::holds_alternative<Events>(d)) return {};
    last_command_ = c.command_id;
    state_ = testing::Fold(h_, state_, d, kUser, now_);
    std::vector<fb::Event> types;
    for (const auto& e : std::get<Events>(d)) types.push_back(e.type);
    return types;
  }
  template <typename T>
  std::string RuleOf(Role role, T payload) {
    Decision d = Decide(role, std::move(payload));
    return std::holds_alternative<Rejection>(d) ? Rejected(d).rule : "accepted";
  }

  // BeginLogin; the attempt id.
  std::string Begin() {
    EXPECT_EQ(Accept(Role::System, fb::BeginLoginT{}),
              std::vector<fb::Event>{fb::Event::LoginStarted});
    return last_command_;
  }
  fb::FinishLoginT Finish(const std::string& attempt, bool ok,
                          const std::string& session = kSession1) {
    fb::FinishLoginT f;
    f.attempt_id = attempt;
    f.succeeded = ok;
    f.session_id = session;
    f.expires_at_us = now_ + 60 * kMinute;
    return f;
  }
  std::vector<fb::Event> Fail() { return Accept(Role::System, Finish(Begin(), false)); }
  fb::SetPasswordT Reset(const std::string& token) {
    fb::SetPasswordT p;
    p.purpose = "reset";
    p.token_hash = token;
    p.password_hash = kHash;
    return p;
  }
  fb::IssueTokenT Issue(const std::string& token) {
    fb::IssueTokenT t;
    t.purpose = "reset";
    t.token_hash = token;
    t.expires_at_us = now_ + 60 * kMinute;
    return t;
  }
  const fb::UserSecurityT& Sec() {
    snapshot_ = *events::DecodePortalSnapshot(state_);
    return *snapshot_.security;
  }

  IdentityHandler h_;
  std::string state_;
  int64_t now_ = 1000 * kMinute;
  int ids_ = 0;
  std::string last_command_;
  fb::PortalSnapshotT snapshot_;
};

TEST_F(SignInTest, OnlyTheGatewayStartsAndFinishesSignIns) {
  EXPECT_EQ(RuleOf(Role::Customer, fb::BeginLoginT{}), "login.system_only");
  EXPECT_EQ(RuleOf(Role::Admin, Finish(Begin(), true)), "login.system_only");
}

TEST_F(SignInTest, AnUnknownUserIsNotFound) {
  Decision d = h_.Decide("", testing::Cmd(Role::System, UserIdForEmail("x@example.com"),
                                          fb::BeginLoginT{}), now_, "");
  EXPECT_EQ(Rejected(d).code, ResultCode::NotFound);
  EXPECT_EQ(Rejected(d).rule, "user.not_found");
}

TEST_F(SignInTest, ASuccessStartsASessionAndForgetsFailures) {
  Fail();
  Fail();
  EXPECT_EQ(Accept(Role::System, Finish(Begin(), true)),
            std::vector<fb::Event>{fb::Event::LoginSucceeded});
  ASSERT_EQ(Sec().sessions.size(), 1u);
  EXPECT_EQ(Sec().sessions[0]->session_id, kSession1);
  EXPECT_TRUE(Sec().failures_us.empty());
  EXPECT_TRUE(Sec().attempts.empty());
}

TEST_F(SignInTest, TheFifthFailureLocks) {
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Fail(), std::vector<fb::Event>{fb::Event::LoginFailed});
  EXPECT_EQ(Fail(), (std::vector<fb::Event>{fb::Event::LoginFailed, fb::Event::UserLocked}));
  EXPECT_TRUE(Sec().locked);
  EXPECT_EQ(RuleOf(Role::System, fb::BeginLoginT{}), "user.locked");
}

TEST_F(SignInTest, OpenAttemptsCountSoParallelGuessesStopAtTheLimit) {
  std::vector<std::string> open;
  for (int i = 0; i < 5; ++i) open.push_back(Begin());
  EXPECT_EQ(RuleOf(Role::System, fb::BeginLoginT{}), "user.login_busy");
  // The fifth failure locks; the right password of a still open attempt
  // cannot sign in after that.
  for (int i = 0; i < 4; ++i) Accept(Role::System, Finish(open[i], false));
  EXPECT_EQ(Accept(Role::System, Finish(open[4], false)).back(), fb::Event::UserLocked);
}

TEST_F(SignInTest, AnAttemptOpenWhenTheUserIsDisabledCannotSucceed) {
  const std::string a = Begin();
  fb::SetUserEnabledT off;
  Accept(Role::Staff, off);
  EXPECT_EQ(RuleOf(Role::System, Finish(a, true)), "login.attempt_unknown");
}

TEST_F(SignInTest, AttemptsThatNeverFinishStopCountingAfterTheTimeout) {
  for (int i = 0; i < 5; ++i) Begin();
  const std::string stale = last_command_;
  now_ += 31'000'000;
  EXPECT_EQ(RuleOf(Role::System, Finish(stale, true)), "login.attempt_unknown");
  Begin();
}

TEST_F(SignInTest, FailuresOutsideTheWindowDoNotCount) {
  for (int i = 0; i < 4; ++i) Fail();
  now_ += 16 * kMinute;
  EXPECT_EQ(Fail(), std::vector<fb::Event>{fb::Event::LoginFailed});
  EXPECT_FALSE(Sec().locked);
}

TEST_F(SignInTest, ASuccessCheckedAgainstAnOldHashIsRefused) {
  fb::FinishLoginT f = Finish(Begin(), true);
  f.checked_hash_sha256 = Sha256Hex("$argon2id$an-older-hash");
  EXPECT_EQ(RuleOf(Role::System, f), "login.stale_password");
  f.checked_hash_sha256 = Sha256Hex(kHash);
  EXPECT_EQ(Accept(Role::System, f), std::vector<fb::Event>{fb::Event::LoginSucceeded});
  // A failure checked against an old hash is not the user's: not counted.
  fb::FinishLoginT failed = Finish(Begin(), false);
  failed.checked_hash_sha256 = Sha256Hex("$argon2id$an-older-hash");
  EXPECT_EQ(RuleOf(Role::System, failed), "login.stale_password");
  EXPECT_TRUE(Sec().failures_us.empty());
}

TEST_F(SignInTest, AnAttemptFinishesOnce) {
  const std::string a = Begin();
  Accept(Role::System, Finish(a, true));
  EXPECT_EQ(RuleOf(Role::System, Finish(a, true, kSession2)), "login.attempt_unknown");
  EXPECT_EQ(RuleOf(Role::System, Finish("never-started", false)), "login.attempt_unknown");
}

TEST_F(SignInTest, TheSessionIdMustBeADigestThatExpiresLater) {
  EXPECT_EQ(RuleOf(Role::System, Finish(Begin(), true, "token-in-clear")), "login.session");
}

TEST_F(SignInTest, SessionsBeyondTheLimitAndExpiredOnesEnd) {
  IdentityLimits lim;
  lim.max_sessions = 2;
  h_ = IdentityHandler(lim);
  Accept(Role::System, Finish(Begin(), true, std::string(64, '1')));
  Accept(Role::System, Finish(Begin(), true, std::string(64, '2')));
  EXPECT_EQ(Accept(Role::System, Finish(Begin(), true, std::string(64, '3'))),
            (std::vector<fb::Event>{fb::Event::SessionEnded, fb::Event::LoginSucceeded}));
  ASSERT_EQ(Sec().sessions.size(), 2u);
  EXPECT_EQ(Sec().sessions[0]->session_id, std::string(64, '2'));
  now_ += 61 * kMinute;  // both expired
  EXPECT_EQ(Accept(Role::System, Finish(Begin(), true, std::string(64, '4'))),
            (std::vector<fb::Event>{fb::Event::SessionEnded, fb::Event::SessionEnded,
                                    fb::Event::LoginSucceeded}));
}

TEST_F(SignInTest, OnlyTheUserOrTheGatewayEndsASession) {
  Accept(Role::System, Finish(Begin(), true));
  fb::EndSessionT end;
  end.session_id = kSession1;
  EXPECT_EQ(RuleOf(Role::Staff, end), "session.own_only");
  EXPECT_EQ(Accept(Role::Customer, end), std::vector<fb::Event>{fb::Event::SessionEnded});
  EXPECT_EQ(RuleOf(Role::System, end), "session.not_found");
  fb::TouchSessionT touch;
  touch.session_id = kSession1;
  EXPECT_EQ(RuleOf(Role::System, touch), "session.not_found");
}

TEST_F(SignInTest, ALiveSessionIsTouchedAnExpiredOneIsNot) {
  Accept(Role::System, Finish(Begin(), true));
  fb::TouchSessionT touch;
  touch.session_id = kSession1;
  EXPECT_EQ(Accept(Role::System, touch), std::vector<fb::Event>{fb::Event::SessionTouched});
  now_ += 61 * kMinute;
  EXPECT_EQ(RuleOf(Role::System, touch), "session.not_found");
}

TEST_F(SignInTest, AResetLinkSetsThePasswordOnceUnlocksAndEndsEverySession) {
  Accept(Role::System, Finish(Begin(), true));
  for (int i = 0; i < 5; ++i) Fail();
  ASSERT_TRUE(Sec().locked);
  Accept(Role::System, Issue(kToken1));
  EXPECT_EQ(Accept(Role::System, Reset(kToken1)),
            (std::vector<fb::Event>{fb::Event::PasswordSet, fb::Event::UserUnlocked,
                                    fb::Event::SessionsEnded}));
  EXPECT_FALSE(Sec().locked);
  EXPECT_TRUE(Sec().sessions.empty());
  EXPECT_EQ(RuleOf(Role::System, Reset(kToken1)), "token.invalid");  // used
}

TEST_F(SignInTest, AResetLinkIsRefusedWhenWrongReplacedOrExpired) {
  EXPECT_EQ(RuleOf(Role::System, Reset(kToken1)), "token.invalid");  // none issued
  Accept(Role::System, Issue(kToken1));
  Accept(Role::System, Issue(kToken2));
  EXPECT_EQ(RuleOf(Role::System, Reset(kToken1)), "token.invalid");  // replaced
  EXPECT_EQ(RuleOf(Role::Customer, Reset(kToken2)), "token.invalid");  // not the gateway
  now_ += 60 * kMinute - 1;
  EXPECT_EQ(RuleOf(Role::System, Reset(kToken2)), "accepted");
  now_ += 2;
  EXPECT_EQ(RuleOf(Role::System, Reset(kToken2)), "token.invalid");  // expired
}

TEST_F(SignInTest, TokensAreDigestsOfAKnownPurpose) {
  EXPECT_EQ(RuleOf(Role::System, Issue("abc")), "token.hash");
  fb::IssueTokenT t = Issue(kToken1);
  t.purpose = "anything";
  EXPECT_EQ(RuleOf(Role::System, t), "token.purpose");
  EXPECT_EQ(RuleOf(Role::Customer, Issue(kToken1)), "login.system_only");
}

TEST_F(SignInTest, AChangedPasswordKeepsOnlyTheCurrentSession) {
  Accept(Role::System, Finish(Begin(), true, kSession1));
  Accept(Role::System, Finish(Begin(), true, kSession2));
  fb::SetPasswordT p;
  p.purpose = "change";
  p.password_hash = kHash;
  p.kept_session_id = kSession2;
  EXPECT_EQ(RuleOf(Role::Staff, p), "user.own_password");
  EXPECT_EQ(Accept(Role::Customer, p),
            (std::vector<fb::Event>{fb::Event::PasswordSet, fb::Event::SessionsEnded}));
  ASSERT_EQ(Sec().sessions.size(), 1u);
  EXPECT_EQ(Sec().sessions[0]->session_id, kSession2);
  p.password_hash = "plain";
  EXPECT_EQ(RuleOf(Role::Customer, p), "user.password_hash");
}

TEST_F(SignInTest, DisablingEndsSessionsAndRefusesSignInsAndLinks) {
  Accept(Role::System, Finish(Begin(), true));
  fb::SetUserEnabledT off;
  off.enabled = false;
  EXPECT_EQ(RuleOf(Role::Customer, off), "user.staff_only");
  EXPECT_EQ(Accept(Role::Staff, off),
            (std::vector<fb::Event>{fb::Event::UserDisabled, fb::Event::SessionsEnded}));
  EXPECT_TRUE(Sec().sessions.empty());
  EXPECT_EQ(RuleOf(Role::System, fb::BeginLoginT{}), "user.disabled");
  EXPECT_EQ(RuleOf(Role::System, Issue(kToken1)), "user.disabled");
  EXPECT_EQ(RuleOf(Role::Staff, off), "user.disabled");
  fb::SetUserEnabledT on;
  on.enabled = true;
  EXPECT_EQ(Accept(Role::Staff, on), std::vector<fb::Event>{fb::Event::UserEnabled});
  Begin();
}

TEST_F(SignInTest, StaffCannotDisableThemselves) {
  fb::SetUserEnabledT off;
  fb::CommandEnvelopeT c = Cmd(Role::Staff, off);
  c.actor->user_id = kUser;
  EXPECT_EQ(Rejected(h_.Decide(state_, c, now_, "")).rule, "user.self");
}

TEST_F(SignInTest, StaffUnlockALockedUser) {
  EXPECT_EQ(RuleOf(Role::Staff, fb::UnlockUserT{}), "user.not_locked");
  for (int i = 0; i < 5; ++i) Fail();
  EXPECT_EQ(RuleOf(Role::Customer, fb::UnlockUserT{}), "user.staff_only");
  EXPECT_EQ(Accept(Role::Staff, fb::UnlockUserT{}),
            std::vector<fb::Event>{fb::Event::UserUnlocked});
  EXPECT_FALSE(Sec().locked);
  EXPECT_TRUE(Sec().failures_us.empty());
  Begin();
}

}  // namespace
}  // namespace docket::aggregates
