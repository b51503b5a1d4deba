// Given events / when command / then events for the profile, username,
// access request and link rules of the identity context
// (aggregates/identity/profile.h, access_request.h, sign_in.h): one test
// per rule.
#include "aggregates/identity/profile.h"

#include <gtest/gtest.h>

#include <map>

#include "aggregates/handler_testing.h"
#include "aggregates/identity/access_request.h"
#include "aggregates/identity/identity_handler.h"

namespace docket::aggregates {
namespace {

using fb::ResultCode;
using fb::Role;
using testing::kHash;
using testing::Rejected;

constexpr int64_t kMinute = 60'000'000;
const std::string kUser = UserIdForEmail("ann@example.com");
const std::string kOther = UserIdForEmail("bob@example.com");
const std::string kToken(64, 'c');

// One aggregate of the identity context, folded as the decider would.
class IdentityRulesTest : public ::testing::Test {
 protected:
  static IdentityLimits TestLimits() {
    IdentityLimits l;
    l.challenge_questions = {"first_pet", "birth_city"};
    return l;
  }

  // A customer "ann@example.com" of ACC-1 (invited when `invited`).
  void CreateUser(bool invited = false) {
    fb::CreateUserT u;
    u.email = "ann@example.com";
    u.name = "Ann";
    u.role = Role::Customer;
    u.account_ids = {"ACC-1"};
    u.password_hash = invited ? "" : kHash;
    u.phone = "+1 555 0100";
    ASSERT_EQ(Accept(kUser, Role::Staff, std::move(u)),
              std::vector<fb::Event>{fb::Event::UserCreated});
  }

  template <typename T>
  fb::CommandEnvelopeT Cmd(const std::string& id, Role role, T payload) {
    fb::CommandEnvelopeT c = testing::Cmd(role, id, std::move(payload));
    c.command_id = "cmd-" + std::to_string(++ids_);
    if (role == Role::Customer) c.actor->user_id = kUser;
    return c;
  }
  template <typename T>
  std::vector<fb::Event> Accept(const std::string& id, Role role, T payload) {
    Decision d = h_.Decide(states_[id], Cmd(id, role, std::move(payload)), now_, "");
    EXPECT_TRUE(std::holds_alternative<Events>(d)) << Rejected(d).rule;
    if (!std::holds_alternative<Events>(d)) return {};
    states_[id] = testing::Fold(h_, states_[id], d, id, now_);
    std::vector<fb::Event> types;
    for (const auto& e : std::get<Events>(d)) types.push_back(e.type);
    return types;
  }
  template <typename T>
  std::string RuleOf(const std::string& id, Role role, T payload) {
    Decision d = h_.Decide(states_[id], Cmd(id, role, std::move(payload)), now_, "");
    return std::holds_alternative<Rejection>(d) ? Rejected(d).rule : "accepted";
  }
  fb::PortalSnapshotT Snapshot(const std::string& id) {
    return *events::DecodePortalSnapshot(states_[id]);
  }
  fb::IssueTokenT Issue(const char* purpose) {
    fb::IssueTokenT t;
    t.purpose = purpose;
    t.token_hash = kToken;
    t.expires_at_us = now_ + 60 * kMinute;
    return t;
  }
  void Lock() {
    for (int i = 0; i < limits_.max_failed_logins; ++i) {
      const std::string attempt = "cmd-" + std::to_string(ids_ + 1);
      Accept(kUser, Role::System, fb::BeginLoginT{});
      fb::FinishLoginT f;
      f.attempt_id = attempt;
      Accept(kUser, Role::System, std::move(f));
    }
    ASSERT_TRUE(Snapshot(kUser).security->locked);
  }
  fb::RequestAccessT Request() {
    fb::RequestAccessT r;
    r.kind = "access";
    r.name = "Bob Stone";
    r.phone = "+1 555 0101";
    r.email = "bob@example.com";
    r.account_name = "Stone Ltd";
    r.service_address = "1 Main St";
    return r;
  }
  fb::DecideAccessRequestT Approve() {
    fb::DecideAccessRequestT d;
    d.approve = true;
    d.user_id = kOther;
    d.account_id = "ACC-9";
    return d;
  }

  IdentityLimits limits_ = TestLimits();
  IdentityHandler h_{limits_};
  std::map<std::string, std::string> states_;
  int64_t now_ = 1000 * kMinute;
  int ids_ = 0;
};

// ---- invitations and activation ------------------------------------------

TEST_F(IdentityRulesTest, AnInvitedUserHasNoPasswordUntilTheActivationLink) {
  CreateUser(/*invited=*/true);
  EXPECT_TRUE(Snapshot(kUser).user->password_hash.empty());
  EXPECT_EQ(Accept(kUser, Role::System, Issue("activation")),
            std::vector<fb::Event>{fb::Event::TokenIssued});
  fb::SetPasswordT p;
  p.purpose = "activation";
  p.token_hash = kToken;
  p.password_hash = kHash;
  EXPECT_EQ(Accept(kUser, Role::System, p), std::vector<fb::Event>{fb::Event::PasswordSet});
  EXPECT_EQ(Snapshot(kUser).user->password_hash, kHash);
  // Used up; and an active user gets no new activation link.
  EXPECT_EQ(RuleOf(kUser, Role::System, p), "token.invalid");
  EXPECT_EQ(RuleOf(kUser, Role::System, Issue("activation")), "user.active");
}

TEST_F(IdentityRulesTest, AHashThatIsNotArgon2idIsRefused) {
  fb::CreateUserT u;
  u.email = "ann@example.com";
  u.name = "Ann";
  u.account_ids = {"ACC-1"};
  u.password_hash = "plain";
  EXPECT_EQ(RuleOf(kUser, Role::Staff, u), "user.password_hash");
}

// ---- unlock links ---------------------------------------------------------

TEST_F(IdentityRulesTest, AnUnlockLinkNeedsALockedUserWithAChallengeQuestion) {
  CreateUser();
  EXPECT_EQ(RuleOf(kUser, Role::System, Issue("unlock")), "user.not_locked");
  Lock();
  // No question: told to reset instead, and no link.
  EXPECT_EQ(Accept(kUser, Role::System, Issue("unlock")),
            std::vector<fb::Event>{fb::Event::UnlockAdvised});
  EXPECT_TRUE(Snapshot(kUser).security->tokens.empty());
  fb::SetChallengeT c;
  c.question_id = "first_pet";
  c.answer_hash = kHash;
  Accept(kUser, Role::Customer, c);
  EXPECT_EQ(Accept(kUser, Role::System, Issue("unlock")),
            std::vector<fb::Event>{fb::Event::TokenIssued});
  fb::UnlockUserT u;
  u.token_hash = std::string(64, 'd');
  EXPECT_EQ(RuleOf(kUser, Role::System, u), "token.invalid");
  u.token_hash = kToken;
  EXPECT_EQ(RuleOf(kUser, Role::Customer, u), "token.invalid");  // the gateway only
  EXPECT_EQ(Accept(kUser, Role::System, u), std::vector<fb::Event>{fb::Event::UserUnlocked});
  EXPECT_FALSE(Snapshot(kUser).security->locked);
  EXPECT_EQ(RuleOf(kUser, Role::System, u), "token.invalid");  // used up
}

TEST_F(IdentityRulesTest, AnUnlockLinkExpires) {
  CreateUser();
  Lock();
  fb::SetChallengeT c;
  c.question_id = "first_pet";
  c.answer_hash = kHash;
  Accept(kUser, Role::Customer, c);
  Accept(kUser, Role::System, Issue("unlock"));
  now_ += 60 * kMinute;
  fb::UnlockUserT u;
  u.token_hash = kToken;
  EXPECT_EQ(RuleOf(kUser, Role::System, u), "token.invalid");
}

// ---- profile ---------------------------------------------------------------

TEST_F(IdentityRulesTest, TheUserAndStaffChangeNameAndPhoneOthersDoNot) {
  CreateUser();
  fb::UpdateProfileT p;
  p.name = "Ann Lee";
  p.phone = "+44 20 7946 0000";
  EXPECT_EQ(Accept(kUser, Role::Customer, p),
            std::vector<fb::Event>{fb::Event::UserProfileChanged});
  EXPECT_EQ(Snapshot(kUser).user->name, "Ann Lee");
  EXPECT_EQ(Snapshot(kUser).user->phone, "+44 20 7946 0000");
  EXPECT_EQ(RuleOf(kUser, Role::Staff, p), "accepted");
  fb::CommandEnvelopeT other = Cmd(kUser, Role::Customer, p);
  other.actor->user_id = kOther;
  EXPECT_EQ(Rejected(h_.Decide(states_[kUser], other, now_, "")).rule, "user.own_profile");
  p.phone = "call me";
  EXPECT_EQ(RuleOf(kUser, Role::Customer, p), "user.phone");
  p.phone = "";
  p.name = "";
  EXPECT_EQ(RuleOf(kUser, Role::Customer, p), "user.name");
}

TEST_F(IdentityRulesTest, OnlyStaffSetAValidUsername) {
  CreateUser();
  fb::SetUsernameT u;
  u.username = "ann.lee";
  EXPECT_EQ(RuleOf(kUser, Role::Customer, u), "user.staff_only");
  EXPECT_EQ(Accept(kUser, Role::Staff, u), std::vector<fb::Event>{fb::Event::UsernameChanged});
  EXPECT_EQ(Snapshot(kUser).user->username, "ann.lee");
  EXPECT_EQ(RuleOf(kUser, Role::Staff, u), "user.username_unchanged");
  for (const char* bad : {"ab", "1ann", "ann@example.com", "ann lee"}) {
    u.username = bad;
    EXPECT_EQ(RuleOf(kUser, Role::Staff, u), "user.username") << bad;
  }
}

TEST_F(IdentityRulesTest, MembershipsAreAddedOnceAndTheLastOneStays) {
  CreateUser();
  fb::ChangeMembershipT m;
  m.account_id = "ACC-2";
  m.add = true;
  EXPECT_EQ(RuleOf(kUser, Role::Customer, m), "user.staff_only");
  EXPECT_EQ(Accept(kUser, Role::Staff, m), std::vector<fb::Event>{fb::Event::MembershipChanged});
  EXPECT_EQ(Snapshot(kUser).user->account_ids, (std::vector<std::string>{"ACC-1", "ACC-2"}));
  EXPECT_EQ(RuleOf(kUser, Role::Staff, m), "user.member");
  m.add = false;
  Accept(kUser, Role::Staff, m);
  EXPECT_EQ(RuleOf(kUser, Role::Staff, m), "user.not_member");
  m.account_id = "ACC-1";
  EXPECT_EQ(RuleOf(kUser, Role::Staff, m), "user.last_account");
}

TEST_F(IdentityRulesTest, OnlyTheUserSetsAChallengeOfTheConfiguredList) {
  CreateUser();
  fb::SetChallengeT c;
  c.question_id = "first_pet";
  c.answer_hash = kHash;
  EXPECT_EQ(RuleOf(kUser, Role::Staff, c), "user.own_challenge");
  c.question_id = "favourite_colour";
  EXPECT_EQ(RuleOf(kUser, Role::Customer, c), "user.challenge_question");
  c.question_id = "birth_city";
  c.answer_hash = "paris";
  EXPECT_EQ(RuleOf(kUser, Role::Customer, c), "user.challenge_hash");
  c.answer_hash = kHash;
  EXPECT_EQ(Accept(kUser, Role::Customer, c), std::vector<fb::Event>{fb::Event::ChallengeSet});
  EXPECT_EQ(Snapshot(kUser).security->challenge_question, "birth_city");
}

TEST(ChallengeAnswerTest, CaseSpacingAndAccentsDoNotMatter) {
  EXPECT_EQ(NormalizeChallengeAnswer("  Crème   BRÛLÉE "), "creme brulee");
  EXPECT_EQ(NormalizeChallengeAnswer("creme brulee"), "creme brulee");
  EXPECT_NE(NormalizeChallengeAnswer("creme brule"), "creme brulee");
}

TEST(ChallengeQuestionsTest, TheListIsParsedAndMistakesNameTheLine) {
  auto ok = ParseChallengeQuestions("# c\n\nfirst_pet: Your first pet?\ncity : Your city?\n");
  ASSERT_TRUE(ok.ok()) << ok.status();
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[1].id, "city");
  EXPECT_EQ((*ok)[1].text, "Your city?");
  EXPECT_NE(ParseChallengeQuestions("a: x\na: y\n").status().message().find("line 2"),
            std::string::npos);
  EXPECT_FALSE(ParseChallengeQuestions("Bad Id: x\n").ok());
  EXPECT_FALSE(ParseChallengeQuestions("# nothing\n").ok());
}

// ---- usernames ---------------------------------------------------------------

TEST_F(IdentityRulesTest, AUsernameHasOneHolderWhateverTheCase) {
  const std::string claim = UsernameClaimId("Ann.Lee");
  EXPECT_EQ(claim, "n_ann.lee");
  fb::ClaimUsernameT c;
  c.user_id = kUser;
  EXPECT_EQ(RuleOf(claim, Role::Customer, c), "user.staff_only");
  EXPECT_EQ(Accept(claim, Role::Staff, c), std::vector<fb::Event>{fb::Event::UsernameClaimed});
  EXPECT_EQ(RuleOf(claim, Role::Staff, c), "username.yours");
  c.user_id = kOther;
  EXPECT_EQ(RuleOf(claim, Role::Staff, c), "username.taken");
  fb::ReleaseUsernameT r;
  r.user_id = kOther;
  EXPECT_EQ(RuleOf(claim, Role::Staff, r), "username.not_held");
  r.user_id = kUser;
  EXPECT_EQ(Accept(claim, Role::Staff, r), std::vector<fb::Event>{fb::Event::UsernameReleased});
  EXPECT_EQ(Accept(claim, Role::Staff, c), std::vector<fb::Event>{fb::Event::UsernameClaimed});
  EXPECT_EQ(RuleOf("n_Ann.Lee", Role::Staff, c), "username.id");
}

// ---- access requests ---------------------------------------------------------

TEST_F(IdentityRulesTest, OnlyThePublicFormRequestsAccessWithEveryField) {
  const std::string id = "req_0123456789abcdef0123";
  EXPECT_EQ(RuleOf(id, Role::Customer, Request()), "access_request.system_only");
  EXPECT_EQ(RuleOf("req_x", Role::System, Request()), "access_request.id");
  fb::RequestAccessT r = Request();
  r.email = "bob";
  EXPECT_EQ(RuleOf(id, Role::System, r), "access_request.email");
  r = Request();
  r.service_address = "";
  EXPECT_EQ(RuleOf(id, Role::System, r), "access_request.service_address");
  r = Request();
  r.kind = "other";
  EXPECT_EQ(RuleOf(id, Role::System, r), "access_request.kind");
  EXPECT_EQ(Accept(id, Role::System, Request()), std::vector<fb::Event>{fb::Event::AccessRequested});
  EXPECT_EQ(Snapshot(id).access_request->state, "pending");
  EXPECT_EQ(RuleOf(id, Role::System, Request()), "access_request.exists");
}

TEST_F(IdentityRulesTest, ARecoveryRequestNeedsADescriptionNotAnAccount) {
  const std::string id = "req_0123456789abcdef0124";
  fb::RequestAccessT r;
  r.kind = "recovery";
  r.name = "Bob";
  r.email = "bob@example.com";
  EXPECT_EQ(RuleOf(id, Role::System, r), "access_request.description");
  r.description = "I lost access to my mailbox";
  EXPECT_EQ(Accept(id, Role::System, r), std::vector<fb::Event>{fb::Event::AccessRequested});
}

TEST_F(IdentityRulesTest, StaffDecideARequestOnceAndARejectionHasAReason) {
  const std::string id = "req_0123456789abcdef0125";
  EXPECT_EQ(RuleOf(id, Role::Staff, Approve()), "access_request.not_found");
  Accept(id, Role::System, Request());
  EXPECT_EQ(RuleOf(id, Role::Customer, Approve()), "access_request.staff_only");
  fb::DecideAccessRequestT reject;
  EXPECT_EQ(RuleOf(id, Role::Staff, reject), "access_request.reason");
  fb::DecideAccessRequestT a = Approve();
  a.user_id = "bob";
  EXPECT_EQ(RuleOf(id, Role::Staff, a), "access_request.user");
  a = Approve();
  a.role = Role::Admin;
  EXPECT_EQ(RuleOf(id, Role::Staff, a), "user.admin_only");
  EXPECT_EQ(Accept(id, Role::Staff, Approve()),
            std::vector<fb::Event>{fb::Event::AccessRequestDecided});
  EXPECT_EQ(Snapshot(id).access_request->state, "approved");
  reject.reason = "too late";
  EXPECT_EQ(RuleOf(id, Role::Staff, reject), "access_request.decided");
}

}  // namespace
}  // namespace docket::aggregates
