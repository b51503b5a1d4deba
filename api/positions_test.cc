#include "api/positions.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

namespace docket::api {
namespace {

Request WithMinPosition(const std::string& value) {
  Request r;
  r.headers.set("Docket-Min-Position", value);
  return r;
}

class PositionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ReadModel m;
    m.context = "cases";
    m.wait_for = [this](int32_t p, int64_t o, std::chrono::milliseconds) {
      waited_.push_back({p, o});
      return o <= applied_;
    };
    positions_.Register(std::move(m));
  }
  Positions positions_{/*partitions=*/4, /*max_waiters=*/1, std::chrono::milliseconds(1)};
  int64_t applied_ = 10;
  std::vector<std::pair<int32_t, int64_t>> waited_;
};

TEST_F(PositionsTest, OnlyRegisteredContextsAndExistingPartitionsParse) {
  ASSERT_TRUE(positions_.Parse("cases:3:1842").has_value());
  EXPECT_EQ(positions_.Parse("cases:3:1842")->Text(), "cases:3:1842");
  EXPECT_FALSE(positions_.Parse("chat:0:1").has_value());     // not registered
  EXPECT_FALSE(positions_.Parse("cases:4:1").has_value());    // no partition 4
  EXPECT_FALSE(positions_.Parse("cases:1").has_value());
  EXPECT_FALSE(positions_.Parse("cases:-1:1").has_value());
}

TEST_F(PositionsTest, MinPositionWaitsOnTheContextsModel) {
  EXPECT_FALSE(positions_.AwaitMinPosition(Request{}, "u1").has_value());  // absent
  EXPECT_FALSE(positions_.AwaitMinPosition(WithMinPosition("cases:2:10"), "u1").has_value());
  EXPECT_EQ(waited_, (std::vector<std::pair<int32_t, int64_t>>{{2, 10}}));
  auto late = positions_.AwaitMinPosition(WithMinPosition("cases:2:11"), "u1");
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->status, http::status::service_unavailable);
  ASSERT_NE(late->FindHeader("Retry-After"), nullptr);
  auto bad = positions_.AwaitMinPosition(WithMinPosition("identity:0:1"), "u1");
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, http::status::bad_request);
}

// A far-future position cannot have been given out: answered at once, no
// worker thread held.
TEST_F(PositionsTest, APositionPastThePartitionsEndIsRefusedWithoutWaiting) {
  positions_.SetLogEnd([](const Position& p) -> Result<int64_t> {
    EXPECT_EQ(p.context, "cases");
    return int64_t{50};
  });
  auto far = positions_.AwaitMinPosition(WithMinPosition("cases:1:999999999"), "u1");
  ASSERT_TRUE(far.has_value());
  EXPECT_EQ(far->status, http::status::bad_request);
  // Only the check "applied already?" (no timeout) ran; nothing waited.
  EXPECT_EQ(waited_.size(), 1u);
  // Below the end it is waited for; a broker that cannot tell changes nothing.
  EXPECT_EQ(positions_.AwaitMinPosition(WithMinPosition("cases:1:49"), "u1")->status,
            http::status::service_unavailable);
  positions_.SetLogEnd([](const Position&) -> Result<int64_t> {
    return UnavailableError("broker down");
  });
  EXPECT_EQ(positions_.AwaitMinPosition(WithMinPosition("cases:1:999999999"), "u1")->status,
            http::status::service_unavailable);
}

// One user's waits cannot take the slots of everyone else.
TEST(PositionsLimitsTest, WaitsAreCappedPerUser) {
  std::mutex mu;
  std::condition_variable cv;
  int waiting = 0;
  bool release = false;
  Positions positions(/*partitions=*/1, /*max_waiters=*/3, std::chrono::milliseconds(10000),
                      /*max_waiters_per_user=*/2);
  ReadModel m;
  m.context = "cases";
  m.wait_for = [&](int32_t, int64_t, std::chrono::milliseconds timeout) {
    if (timeout.count() == 0) return false;  // not applied yet
    std::unique_lock lock(mu);
    ++waiting;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return true;
  };
  positions.Register(std::move(m));
  auto ask = [&](const std::string& user) {
    return positions.AwaitMinPosition(WithMinPosition("cases:0:5"), user);
  };
  std::thread a1([&] { EXPECT_FALSE(ask("mallory").has_value()); });
  std::thread a2([&] { EXPECT_FALSE(ask("mallory").has_value()); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return waiting == 2; });
  }
  auto third = ask("mallory");  // refused at once
  ASSERT_TRUE(third.has_value());
  EXPECT_EQ(third->status, http::status::service_unavailable);
  std::thread b([&] { EXPECT_FALSE(ask("alice").has_value()); });  // still gets a slot
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return waiting == 3; });
    release = true;
    cv.notify_all();
  }
  a1.join();
  a2.join();
  b.join();
  // Every slot is returned.
  release = true;
  EXPECT_FALSE(ask("mallory").has_value());
}

}  // namespace
}  // namespace docket::api
