// Given identity events -> then rows: accounts, users, users by e-mail, the
// fold PortalView did, now on RocksDB through the projection seam.
#include "projections/identity/identity_projection.h"

#include <gtest/gtest.h>


#include "events/codec.h"
#include "events/envelope.h"
#include "projections/identity/identity_queries.h"
#include "projections/projection_testing.h"

namespace docket::projections {
namespace {

class IdentityProjectionTest : public testing::ProjectionTest<IdentityProjection> {
 protected:
  template <typename T>
  fb::EventEnvelopeT Event(const std::string& id, uint64_t version, T payload) {
    fb::ActorT actor;
    actor.user_id = "admin-1";
    actor.role = fb::Role::Staff;
    ++commands_;
    return events::MakeEvent(id, version, actor, "cmd-" + std::to_string(commands_), 0,
                             1'790'000'000'000'000 + commands_, std::move(payload));
  }
  fb::EventEnvelopeT Account(const std::string& id, std::vector<std::string> addresses) {
    fb::AccountCreatedT a;
    a.account_id = id;
    a.account_number = id;
    a.name = "Account " + id;
    a.service_addresses = std::move(addresses);
    return Event(id, 1, std::move(a));
  }
  fb::EventEnvelopeT Address(const std::string& id, uint64_t version, const std::string& addr) {
    fb::ServiceAddressAddedT a;
    a.address = addr;
    return Event(id, version, std::move(a));
  }
  fb::EventEnvelopeT User(const std::string& id, const std::string& email) {
    fb::UserCreatedT u;
    u.user_id = id;
    u.email = email;
    u.name = "Ada";
    u.role = fb::Role::Customer;
    u.account_ids = {"ACC-1"};
    u.password_hash = "$argon2id$v=19$first";
    return Event(id, 1, std::move(u));
  }
  fb::EventEnvelopeT Password(const std::string& id, uint64_t version, const std::string& h) {
    fb::PasswordHashChangedT p;
    p.password_hash = h;
    return Event(id, version, std::move(p));
  }

  int commands_ = 0;
};

TEST_F(IdentityProjectionTest, AccountAndAddressesFoldIntoOneRow) {
  ASSERT_EQ(*Apply(Account("ACC-1", {"1 Main St"})), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Address("ACC-1", 2, "2 High St")), ApplyOutcome::kApplied);
  IdentityQueries q(store_.get());
  auto a = q.Account("ACC-1");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(a->has_value());
  const AccountView& v = **a;
  EXPECT_EQ(v.id, "ACC-1");
  EXPECT_EQ(v.account_number, "ACC-1");
  EXPECT_EQ(v.name, "Account ACC-1");
  EXPECT_EQ(v.service_addresses, (std::vector<std::string>{"1 Main St", "2 High St"}));
  EXPECT_EQ(v.created_at_us, 1'790'000'000'000'001);
  EXPECT_EQ(v.version, 2u);
  auto none = q.Account("ACC-2");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(IdentityProjectionTest, UserIsFoundByIdAndByEmailInAnyCase) {
  ASSERT_EQ(*Apply(User("u-1", "Ada@Example.COM")), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Password("u-1", 2, "$argon2id$v=19$second")), ApplyOutcome::kApplied);
  IdentityQueries q(store_.get());
  auto by_email = q.UserByEmail("ada@example.com");
  ASSERT_TRUE(by_email.ok()) << by_email.status();
  ASSERT_TRUE(by_email->has_value());
  EXPECT_EQ((*by_email)->id, "u-1");
  EXPECT_EQ((*by_email)->email, "Ada@Example.COM");
  EXPECT_EQ((*by_email)->name, "Ada");
  EXPECT_EQ((*by_email)->role, fb::Role::Customer);
  EXPECT_EQ((*by_email)->account_ids, std::vector<std::string>{"ACC-1"});
  EXPECT_EQ((*by_email)->password_hash, "$argon2id$v=19$second");
  EXPECT_EQ((*by_email)->version, 2u);
  auto by_id = q.User("u-1");
  ASSERT_TRUE(by_id.ok());
  ASSERT_TRUE(by_id->has_value());
  EXPECT_EQ((*by_id)->password_hash, "$argon2id$v=19$second");
  EXPECT_FALSE(q.UserByEmail("bob@example.com")->has_value());
  EXPECT_FALSE(q.User("u-2")->has_value());
}

TEST_F(IdentityProjectionTest, ReplayChangesNothing) {
  std::vector<fb::EventEnvelopeT> log = {Account("ACC-1", {"1 Main St"}),
                                         Address("ACC-1", 2, "2 High St"),
                                         User("u-1", "ada@example.com"),
                                         Password("u-1", 2, "$argon2id$v=19$second")};
  ExpectReplayChangesNothing(log);
  EXPECT_EQ((*IdentityQueries(store_.get()).Account("ACC-1"))->service_addresses.size(), 2u);
}

TEST_F(IdentityProjectionTest, AddressForUnknownAccountIsRefusedAndStoresNothing) {
  auto before = store_->Digest();
  auto r = Apply(Address("ACC-9", 2, "9 Nowhere"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);  // the runner parks it
  EXPECT_EQ(*store_->Digest(), *before);
  auto p = Apply(Password("u-9", 2, "h"));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(IdentityProjectionTest, EventOfAnotherContextDoesNotFit) {
  fb::ServiceStatusChangedT s;
  s.service = "internet";
  auto r = Apply(Event("svc-internet", 1, std::move(s)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
}

fb::LoginSucceededT Login(const std::string& session) {
  fb::LoginSucceededT ok;
  ok.attempt_id = "a";
  ok.session_id = session;
  ok.expires_at_us = 1'800'000'000'000'000;
  return ok;
}

TEST_F(IdentityProjectionTest, ASessionRowLivesUntilItsUserEndsItsEpoch) {
  ASSERT_EQ(*Apply(User("u-1", "ada@example.com")), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Event("u-1", 2, Login("s1"))), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Event("u-1", 3, Login("s2"))), ApplyOutcome::kApplied);
  IdentityQueries q(store_.get());
  auto s1 = *q.Session("s1");
  ASSERT_TRUE(s1.has_value());
  EXPECT_EQ(s1->user_id, "u-1");
  EXPECT_EQ(s1->epoch, 0u);
  EXPECT_EQ(s1->expires_at_us, 1'800'000'000'000'000);
  EXPECT_EQ(s1->created_us, s1->last_seen_us);
  fb::SessionTouchedT touch;
  touch.session_id = "s1";
  ASSERT_EQ(*Apply(Event("u-1", 4, touch)), ApplyOutcome::kApplied);
  EXPECT_GT((*q.Session("s1"))->last_seen_us, s1->last_seen_us);
  // A changed password keeps s2 only: a new epoch, s2 carried into it.
  fb::SessionsEndedT ended;
  ended.kept_session_id = "s2";
  ASSERT_EQ(*Apply(Event("u-1", 5, ended)), ApplyOutcome::kApplied);
  const UserView u = **q.User("u-1");
  EXPECT_EQ(u.session_epoch, 1u);
  EXPECT_EQ((*q.Session("s1"))->epoch, 0u);
  EXPECT_EQ((*q.Session("s2"))->epoch, 1u);
  fb::SessionEndedT logout;
  logout.session_id = "s2";
  ASSERT_EQ(*Apply(Event("u-1", 6, logout)), ApplyOutcome::kApplied);
  EXPECT_FALSE(q.Session("s2")->has_value());
}

TEST_F(IdentityProjectionTest, LockDisableAndLinksShowOnTheUser) {
  ASSERT_EQ(*Apply(User("u-1", "ada@example.com")), ApplyOutcome::kApplied);
  fb::LoginFailedT failed;
  failed.attempt_id = "a";
  ASSERT_EQ(*Apply(Event("u-1", 2, failed)), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Event("u-1", 3, fb::UserLockedT{})), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Event("u-1", 4, fb::UserDisabledT{})), ApplyOutcome::kApplied);
  fb::TokenIssuedT t;
  t.purpose = "reset";
  t.token_hash = "h1";
  t.expires_at_us = 7;
  ASSERT_EQ(*Apply(Event("u-1", 5, t)), ApplyOutcome::kApplied);
  t.token_hash = "h2";
  ASSERT_EQ(*Apply(Event("u-1", 6, t)), ApplyOutcome::kApplied);
  IdentityQueries q(store_.get());
  UserView u = **q.User("u-1");
  EXPECT_TRUE(u.locked);
  EXPECT_TRUE(u.disabled);
  EXPECT_EQ(u.failed_logins, 1);
  ASSERT_EQ(u.tokens.size(), 1u);  // the newer link replaced the older
  EXPECT_EQ(u.tokens[0].token_hash, "h2");
  ASSERT_EQ(*Apply(Event("u-1", 7, fb::UserUnlockedT{})), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Event("u-1", 8, fb::UserEnabledT{})), ApplyOutcome::kApplied);
  fb::PasswordSetT p;
  p.password_hash = "$argon2id$new";
  p.purpose = "reset";
  ASSERT_EQ(*Apply(Event("u-1", 9, p)), ApplyOutcome::kApplied);
  u = **q.User("u-1");
  EXPECT_FALSE(u.locked);
  EXPECT_FALSE(u.disabled);
  EXPECT_EQ(u.failed_logins, 0);
  EXPECT_TRUE(u.tokens.empty());  // used up
  EXPECT_EQ(u.password_hash, "$argon2id$new");
  EXPECT_EQ(*Apply(Event("u-1", 9, p)), ApplyOutcome::kAlreadyApplied);
}

}  // namespace
}  // namespace docket::projections
