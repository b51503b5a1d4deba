// Given events / when command / then events (or rejection) for the identity
// aggregates: accounts and users.
#include "aggregates/identity/identity_handler.h"

#include <gtest/gtest.h>

#include "aggregates/handler_testing.h"
#include "common/hash.h"

namespace docket::aggregates {
namespace {

using fb::ResultCode;
using fb::Role;
using testing::Cmd;
using testing::Fold;
using testing::kHash;
using testing::Rejected;

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
  // Accounts and users share the identity context's aggregate ids: an
  // account number may never be a user's id (before: it could, and the
  // account then stood where that user's aggregate belongs).
  const std::string user_id = UserIdForEmail("alice@example.com");
  EXPECT_FALSE(IsAccountNumber(user_id));
  EXPECT_EQ(Rejected(h.Decide("", Cmd(Role::Staff, user_id, Account(user_id)), 0, "")).rule,
            "account.number");
  EXPECT_TRUE(IsAccountNumber("U" + user_id.substr(1)));  // not the form of a user id
  EXPECT_TRUE(IsAccountNumber("u123"));
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

TEST(PortalTest, ContextsAndPartitions) {
  IdentityHandler h;
  EXPECT_EQ(h.context(), "identity");
  EXPECT_TRUE(h.Handles(fb::Command::CreateUser));
  EXPECT_TRUE(h.Handles(fb::Command::CreateAccount));
  EXPECT_FALSE(h.Handles(fb::Command::OpenCase));
  EXPECT_FALSE(h.Handles(fb::Command::SubmitFeedback));
  auto p = h.PartitionOf("ACC-1", 6);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, static_cast<int32_t>(Fnv1a("ACC-1") % 6));
  EXPECT_FALSE(h.PartitionOf("", 6).ok());
}

}  // namespace
}  // namespace docket::aggregates
