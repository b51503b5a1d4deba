#include "api/positions.h"

#include <gtest/gtest.h>

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
  EXPECT_FALSE(positions_.AwaitMinPosition(Request{}).has_value());  // absent
  EXPECT_FALSE(positions_.AwaitMinPosition(WithMinPosition("cases:2:10")).has_value());
  EXPECT_EQ(waited_, (std::vector<std::pair<int32_t, int64_t>>{{2, 10}}));
  auto late = positions_.AwaitMinPosition(WithMinPosition("cases:2:11"));
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(late->status, http::status::service_unavailable);
  ASSERT_NE(late->FindHeader("Retry-After"), nullptr);
  auto bad = positions_.AwaitMinPosition(WithMinPosition("identity:0:1"));
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->status, http::status::bad_request);
}

}  // namespace
}  // namespace docket::api
