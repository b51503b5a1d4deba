#include "api/rate_limiter.h"

#include <gtest/gtest.h>

namespace docket::api {
namespace {

TEST(RateLimiterTest, BurstThenRefillAndRetryAfter) {
  ManualClock clock(0);
  RateLimiter l({2.0, 4.0}, clock);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(l.Take("a"), std::nullopt) << i;
  auto wait = l.Take("a");
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 1);
  EXPECT_EQ(l.Take("b"), std::nullopt);  // buckets are per key
  clock.Advance(std::chrono::milliseconds(500));
  EXPECT_EQ(l.Take("a"), std::nullopt);
  RateLimiter off({0, 0}, clock);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(off.Take("a"), std::nullopt);
}

TEST(RateLimiterTest, AClockThatStepsBackTakesNoTokensAwayAndRefillsAfter) {
  ManualClock clock(3'600'000'000);
  RateLimiter l({1.0, 2.0}, clock);
  EXPECT_EQ(l.Take("a"), std::nullopt);
  clock.Set(0);  // an hour back (NTP, a test clock)
  EXPECT_EQ(l.Take("a"), std::nullopt);  // the token left is still there
  EXPECT_EQ(l.Take("a"), 1);             // and the wait is a second, not an hour
  clock.Advance(std::chrono::seconds(1));
  EXPECT_EQ(l.Take("a"), std::nullopt);
}

TEST(RateLimiterTest, PeekAndUntouchedTakeNothing) {
  ManualClock clock(0);
  RateLimiter l({1.0 / 60, 2.0}, clock);
  EXPECT_TRUE(l.Untouched("a"));
  EXPECT_EQ(l.Peek("a"), std::nullopt);
  EXPECT_EQ(l.size(), 0u);  // asking stores nothing
  EXPECT_EQ(l.Take("a"), std::nullopt);
  EXPECT_FALSE(l.Untouched("a"));
  EXPECT_EQ(l.Peek("a"), std::nullopt);
  EXPECT_EQ(l.Take("a"), std::nullopt);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(l.Peek("a"), 60);  // empty, and stays so
  clock.Advance(std::chrono::seconds(120));
  EXPECT_TRUE(l.Untouched("a"));
}

// Before: past 100,000 keys every call walked all of them under one lock,
// and buckets still refilling were never forgotten.
TEST(RateLimiterTest, MemoryIsBoundedWithoutWalkingEveryKey) {
  ManualClock clock(0);
  RateLimiter l({1.0, 1.0}, clock, /*max_keys=*/16'000);
  for (int i = 0; i < 200'000; ++i) {
    ASSERT_EQ(l.Take("client-" + std::to_string(i)), std::nullopt);
  }
  EXPECT_LE(l.size(), 16'000u);
  // The most recent keys are remembered: their buckets are still empty.
  EXPECT_TRUE(l.Take("client-199999").has_value());
  // Known keys keep their state; new ones start full.
  clock.Advance(std::chrono::seconds(5));
  for (int i = 0; i < 20'000; ++i) {
    ASSERT_EQ(l.Take("late-" + std::to_string(i % 10)).has_value(), i >= 10);
  }
  EXPECT_LE(l.size(), 16'000u);
}

}  // namespace
}  // namespace docket::api
