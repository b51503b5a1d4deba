#include "api/routes/login_throttle.h"

#include <gtest/gtest.h>

namespace docket::api {
namespace {

// Before: every attempt spent the e-mail's bucket, so 20 bad logins a
// minute from anywhere kept the real user out with the right password.
TEST(LoginThrottleTest, AGuesserCannotLockTheRealUserOut) {
  ManualClock clock(0);
  LoginThrottle t(/*per_minute=*/5, clock);
  for (int i = 0; i < 5; ++i) {
    const std::string attacker = "203.0.113." + std::to_string(i);
    ASSERT_EQ(t.AdmitAddress(attacker), std::nullopt);
    ASSERT_EQ(t.AdmitEmail(attacker, "Alice@example.com"), std::nullopt);
    t.Failed(attacker, "Alice@example.com");
  }
  // The e-mail's bucket is empty: the guessers are refused...
  EXPECT_TRUE(t.AdmitEmail("203.0.113.0", "alice@example.com").has_value());
  EXPECT_TRUE(t.AdmitEmail("203.0.113.4", "ALICE@example.com").has_value());
  // ...but alice, who has not been failing, may still try.
  EXPECT_EQ(t.AdmitEmail("198.51.100.7", "alice@example.com"), std::nullopt);
  // A new client that fails joins the refused.
  t.Failed("198.51.100.8", "alice@example.com");
  EXPECT_TRUE(t.AdmitEmail("198.51.100.8", "alice@example.com").has_value());
  // Other e-mails are untouched.
  EXPECT_EQ(t.AdmitEmail("203.0.113.0", "bob@example.com"), std::nullopt);
  // Once the bucket refills, everyone may try again.
  clock.Advance(std::chrono::minutes(2));
  EXPECT_EQ(t.AdmitEmail("203.0.113.0", "alice@example.com"), std::nullopt);
}

TEST(LoginThrottleTest, EveryAttemptCountsPerAddressAndSuccessesSpendNoEmailBucket) {
  ManualClock clock(0);
  LoginThrottle t(/*per_minute=*/3, clock);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(t.AdmitAddress("192.0.2.1"), std::nullopt);
  EXPECT_TRUE(t.AdmitAddress("192.0.2.1").has_value());
  EXPECT_EQ(t.AdmitAddress("192.0.2.2"), std::nullopt);
  // Successful logins (no Failed call) never empty the e-mail's bucket.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(t.AdmitEmail("192.0.2.1", "a@example.com"), std::nullopt);
}

TEST(LoginThrottleTest, ZeroIsUnlimited) {
  ManualClock clock(0);
  LoginThrottle t(0, clock);
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(t.AdmitAddress("192.0.2.1"), std::nullopt);
    t.Failed("192.0.2.1", "a@example.com");
    ASSERT_EQ(t.AdmitEmail("192.0.2.1", "a@example.com"), std::nullopt);
  }
}

}  // namespace
}  // namespace docket::api
