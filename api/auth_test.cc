#include "api/auth.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace docket::api {
namespace {

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

// A sign-in attempt the lock-out granted must be checked, or it stays open
// and the user is neither signed in nor locked: it waits even when real
// callers fill the queue, and goes first when a slot frees up. Before: it
// waited beside the flood with no precedence and, on a busy CI machine,
// every freed slot went to a flood thread for the whole 10 s wait.
TEST(PasswordHasherTest, ACheckThatMustRunWaitsEvenWhenTheQueueIsFull) {
  auto hasher = PasswordHasher::Create(1, std::chrono::milliseconds(10000));
  ASSERT_TRUE(hasher.ok());
  PasswordHasher& h = **hasher;
  Result<std::string> hash = h.Hash("right-password-123");
  ASSERT_TRUE(hash.ok());
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::vector<std::thread> flood;
  for (int i = 0; i < 8; ++i) {
    flood.emplace_back([&] {
      while (!stop) {
        if (!h.Verify(*hash, "guess").ok()) ++refused;
      }
    });
  }
  while (refused < 4) std::this_thread::yield();  // the queue is full
  Result<bool> ok = h.Verify(*hash, "right-password-123", /*even_if_full=*/true);
  stop = true;
  for (auto& t : flood) t.join();
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(*ok);
}

}  // namespace
}  // namespace docket::api
