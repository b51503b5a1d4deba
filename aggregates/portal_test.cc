// Given events / when command / then events (or rejection) for the identity
// and status aggregates.
#include "aggregates/portal.h"

#include "aggregates/rules.h"
#include "common/hash.h"
#include "common/text.h"
#include "events/envelope.h"

#include <gtest/gtest.h>

namespace docket::aggregates {
namespace {

using fb::ResultCode;
using fb::Role;

constexpr const char* kHash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";

fb::ActorT Actor(Role role) {
  fb::ActorT a;
  a.user_id = role == Role::Customer ? "u-customer" : role == Role::Admin ? "u-admin" : "u-staff";
  a.role = role;
  if (role == Role::Customer) a.account_ids = {"ACC-1"};
  return a;
}

template <typename T>
fb::CommandEnvelopeT Cmd(Role role, const std::string& id, T payload, int64_t expected = -1) {
  fb::CommandEnvelopeT c = events::MakeCommand(id, Actor(role), 0);
  c.command_id = "cmd-1";
  c.expected_version = expected;
  c.command.Set(std::move(payload));
  return c;
}

// Folds `decision`'s events into `state` (versions continue from it).
std::string Fold(const AggregateHandler& h, std::string state, const Decision& d,
                 const std::string& id) {
  const auto& evs = std::get<Events>(d);
  uint64_t v = h.Version(state);
  for (const auto& e : evs) {
    fb::EventEnvelopeT env;
    env.event_id = "e";
    env.aggregate_id = id;
    env.version = ++v;
    env.actor = std::make_unique<fb::ActorT>(Actor(Role::Staff));
    env.command_id = "c";
    env.event = e;
    Result<std::string> s = h.Apply(state, env);
    EXPECT_TRUE(s.ok()) << s.status();
    state = *s;
  }
  return state;
}

Rejection Rejected(const Decision& d) { return std::get<Rejection>(d); }

fb::CreateAccountT Account(std::string number) {
  fb::CreateAccountT a;
  a.account_number = std::move(number);
  a.name = "Acme Corp";
  a.service_addresses = {"1 Main St"};
  return a;
}

fb::CreateUserT User(std::string email, Role role, std::vector<std::string> accounts) {
  fb::CreateUserT u;
  u.email = std::move(email);
  u.name = "Ann";
  u.role = role;
  u.account_ids = std::move(accounts);
  u.password_hash = kHash;
  return u;
}

TEST(IdentityTest, StaffCreatesAnAccountOnce) {
  IdentityHandler h;
  Decision d = h.Decide("", Cmd(Role::Staff, "ACC-1", Account("ACC-1")), 0, "");
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  const auto* e = std::get<Events>(d)[0].AsAccountCreated();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->account_id, "ACC-1");
  EXPECT_EQ(e->service_addresses, std::vector<std::string>{"1 Main St"});
  const std::string state = Fold(h, "", d, "ACC-1");
  const Rejection& again = Rejected(h.Decide(state, Cmd(Role::Staff, "ACC-1", Account("ACC-1")), 0, ""));
  EXPECT_EQ(again.code, ResultCode::AlreadyExists);
  EXPECT_EQ(again.rule, "account.exists");
}

TEST(IdentityTest, AccountRulesNameTheField) {
  IdentityHandler h;
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Customer, "ACC-1", Account("ACC-1")), 0, "")).rule,
            "account.staff_only");
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, "A/B", Account("A/B")), 0, "")).rule,
            "account.number");
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, "ACC-2", Account("ACC-1")), 0, "")).rule,
            "account.id");
  auto twice = Account("ACC-1");
  twice.service_addresses = {"1 Main St", "1 MAIN ST"};
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, "ACC-1", twice), 0, "")).rule,
            "account.address_exists");
}

TEST(IdentityTest, ServiceAddressesAreAddedOnceCaseInsensitively) {
  IdentityHandler h;
  std::string s = Fold(h, "", h.Decide("", Cmd(Role::Staff, "ACC-1", Account("ACC-1")), 0, ""), "ACC-1");
  fb::AddServiceAddressT add;
  add.address = "2 High St";
  Decision d = h.Decide(s, Cmd(Role::Staff, "ACC-1", add), 0, "");
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  s = Fold(h, s, d, "ACC-1");
  add.address = "2 HIGH st";
  EXPECT_EQ(Rejected(h.Decide(s, Cmd(Role::Staff, "ACC-1", add), 0, "")).rule,
            "account.address_exists");
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, "ACC-9", add), 0, "")).code,
            ResultCode::NotFound);
  EXPECT_EQ(Rejected(h.Decide(s, Cmd(Role::Staff, "ACC-1", add, 7), 0, "")).code,
            ResultCode::VersionConflict);
}

TEST(IdentityTest, OneUserPerEmailWhateverTheCase) {
  IdentityHandler h;
  const std::string id = UserIdForEmail("Ann@Example.com");
  EXPECT_EQ(id, UserIdForEmail("ann@example.COM"));
  EXPECT_EQ(id.size(), 25u);
  Decision d = h.Decide("", Cmd(Role::Staff, id, User("Ann@Example.com", Role::Customer, {"ACC-1"})), 0, "");
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  const std::string s = Fold(h, "", d, id);
  const Rejection& r =
      Rejected(h.Decide(s, Cmd(Role::Staff, id, User("ann@example.com", Role::Customer, {"ACC-1"})), 0, ""));
  EXPECT_EQ(r.code, ResultCode::AlreadyExists);
  EXPECT_EQ(r.rule, "user.email_taken");
}

TEST(IdentityTest, UserRules) {
  IdentityHandler h;
  auto id = [](const char* e) { return UserIdForEmail(e); };
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Customer, id("a@b.co"), User("a@b.co", Role::Customer, {"ACC-1"})), 0, "")).rule,
            "user.staff_only");
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, id("a@b.co"), User("a@b.co", Role::Staff, {})), 0, "")).rule,
            "user.admin_only");
  EXPECT_TRUE(std::holds_alternative<Events>(
      h.Decide("", Cmd(Role::Admin, id("a@b.co"), User("a@b.co", Role::Staff, {})), 0, "")));
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, id("a@b.co"), User("a@b.co", Role::Customer, {})), 0, "")).rule,
            "user.accounts");
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, id("nope"), User("nope", Role::Customer, {"ACC-1"})), 0, "")).rule,
            "user.email");
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, id("x@b.co"), User("a@b.co", Role::Customer, {"ACC-1"})), 0, "")).rule,
            "user.id");
  auto plain = User("a@b.co", Role::Customer, {"ACC-1"});
  plain.password_hash = "secret";
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, id("a@b.co"), plain), 0, "")).rule,
            "user.password_hash");
}

TEST(IdentityTest, PasswordHashChangesOnlyForTheUserOrTheSystem) {
  IdentityHandler h;
  const std::string id = UserIdForEmail("a@b.co");
  std::string s = Fold(h, "", h.Decide("", Cmd(Role::Staff, id, User("a@b.co", Role::Customer, {"ACC-1"})), 0, ""), id);
  fb::ChangePasswordHashT c;
  c.password_hash = std::string(kHash) + "x";
  EXPECT_EQ(Rejected(h.Decide(s, Cmd(Role::Staff, id, c), 0, "")).rule, "user.own_password");
  Decision d = h.Decide(s, Cmd(Role::System, id, c), 0, "");
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  s = Fold(h, s, d, id);
  auto snap = events::DecodePortalSnapshot(s);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->user->password_hash, c.password_hash);
  EXPECT_EQ(snap->version, 2u);
}

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

TEST(PortalTest, ContextsAndPartitions) {
  EXPECT_EQ(ContextOf(fb::Command::OpenCase), "cases");
  EXPECT_EQ(ContextOf(fb::Command::CreateUser), "identity");
  EXPECT_EQ(ContextOf(fb::Command::SubmitFeedback), "status");
  IdentityHandler h;
  auto p = h.PartitionOf("ACC-1", 6);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, static_cast<int32_t>(Fnv1a("ACC-1") % 6));
  EXPECT_FALSE(h.PartitionOf("", 6).ok());
}

}  // namespace
}  // namespace docket::aggregates
