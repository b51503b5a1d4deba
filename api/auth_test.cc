#include "api/auth.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

namespace docket::api {
namespace {

class SessionStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docket-sessions-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  ManualClock clock_{1'800'000'000'000'000};
};

TEST_F(SessionStoreTest, TokensAreRandomAndStoredOnlyHashed) {
  SessionOptions o;
  auto store = SessionStore::Open(dir_ + "/s", o, clock_);
  ASSERT_TRUE(store.ok()) << store.status();
  auto a = (*store)->Create("u1");
  auto b = (*store)->Create("u1");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), 64u);
  EXPECT_NE(*a, *b);
  auto s = (*store)->Find(*a);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->user_id, "u1");
  store->reset();  // close, then look for the token in the files
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find(*a), std::string::npos) << e.path();
  }
}

TEST_F(SessionStoreTest, IdleAndAbsoluteExpiryAndRevocation) {
  SessionOptions o;
  o.idle = std::chrono::seconds(600);
  o.absolute = std::chrono::seconds(3600);
  o.touch_interval = std::chrono::seconds(1);
  auto store = SessionStore::Open(dir_ + "/s", o, clock_);
  ASSERT_TRUE(store.ok());
  auto t = (*store)->Create("u1");
  ASSERT_TRUE(t.ok());
  // Activity every 500 s keeps it alive past the idle limit...
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(std::chrono::seconds(500));
    EXPECT_TRUE((*store)->Find(*t).ok()) << i;
  }
  // ...but not past the absolute one.
  clock_.Advance(std::chrono::seconds(700));
  EXPECT_EQ((*store)->Find(*t).status().code(), StatusCode::kNotFound);

  auto idle = (*store)->Create("u2");
  clock_.Advance(std::chrono::seconds(601));
  EXPECT_EQ((*store)->Find(*idle).status().code(), StatusCode::kNotFound);

  // A sweep deletes sessions nobody presented again once they expired.
  auto kept = (*store)->Create("u4");
  auto forgotten = (*store)->Create("u5");
  clock_.Advance(std::chrono::seconds(400));
  EXPECT_TRUE((*store)->Find(*kept).ok());
  clock_.Advance(std::chrono::seconds(300));  // forgotten: idle 700 s > 600 s
  const size_t before = (*store)->Count();
  (*store)->Sweep();
  EXPECT_EQ((*store)->Count(), before - 1);
  EXPECT_TRUE((*store)->Find(*kept).ok());
  EXPECT_EQ((*store)->Find(*forgotten).status().code(), StatusCode::kNotFound);

  auto revoked = (*store)->Create("u3");
  ASSERT_TRUE((*store)->Revoke(*revoked).ok());
  EXPECT_EQ((*store)->Find(*revoked).status().code(), StatusCode::kNotFound);
  EXPECT_EQ((*store)->Find("not-a-token").status().code(), StatusCode::kNotFound);
}

TEST(PasswordHasherTest, VerifiesArgon2idAndRejectsUnknownUsers) {
  auto hasher = PasswordHasher::Create(2, std::chrono::milliseconds(5000));
  ASSERT_TRUE(hasher.ok()) << hasher.status();
  PasswordHasher& h = **hasher;
  auto hash = h.Hash("correct horse battery");
  ASSERT_TRUE(hash.ok());
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_FALSE(PasswordHasher::NeedsRehash(*hash));
  EXPECT_TRUE(*h.Verify(*hash, "correct horse battery"));
  EXPECT_FALSE(*h.Verify(*hash, "correct horse battery!"));
  // An unknown user (empty hash) never verifies, whatever the password.
  EXPECT_FALSE(*h.Verify("", "correct horse battery"));
  EXPECT_TRUE(PasswordHasher::NeedsRehash(
      "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"));
}

// Before: unknown-e-mail logins (dummy verifies) from many addresses filled
// the two slots and the four places in the queue, and a real user's login
// was refused at once.
TEST(PasswordHasherTest, AFloodOfUnknownUsersCannotStarveARealOne) {
  auto hasher = PasswordHasher::Create(2, std::chrono::milliseconds(5000));
  ASSERT_TRUE(hasher.ok());
  PasswordHasher& h = **hasher;
  Result<std::string> hash = h.Hash("right-password-123");
  ASSERT_TRUE(hash.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> dummies{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < 12; ++i) {
    flood.emplace_back([&] {
      while (!stop) {
        if (h.Verify("", "guess").ok()) ++dummies;
      }
    });
  }
  while (dummies < 4) std::this_thread::yield();  // the flood is on
  for (int i = 0; i < 5; ++i) {
    Result<bool> ok = h.Verify(*hash, "right-password-123");
    ASSERT_TRUE(ok.ok()) << i << ": " << ok.status().ToString();
    EXPECT_TRUE(*ok);
  }
  stop = true;
  for (auto& t : flood) t.join();
}

}  // namespace
}  // namespace docket::api
