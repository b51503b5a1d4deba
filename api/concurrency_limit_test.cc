#include "api/concurrency_limit.h"

#include <gtest/gtest.h>

namespace docket::api {
namespace {

TEST(ConcurrencyLimitTest, PerKeyAndTotal) {
  auto limit = ConcurrencyLimit::Create(/*per_key=*/1, /*total=*/2);
  std::shared_ptr<void> a = limit->Acquire("alice");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(limit->Acquire("alice"), nullptr);  // one each
  std::shared_ptr<void> b = limit->Acquire("bob");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(limit->Acquire("carol"), nullptr);  // two in all
  std::shared_ptr<void> copy = a;
  a.reset();
  EXPECT_EQ(limit->Acquire("alice"), nullptr);  // a copy still holds it
  copy.reset();
  EXPECT_NE(limit->Acquire("carol"), nullptr);  // released with the last copy
  EXPECT_NE(limit->Acquire("alice"), nullptr);
}

TEST(ConcurrencyLimitTest, UnitsPerKeyAndOneAlwaysFits) {
  auto bytes = ConcurrencyLimit::Create(/*per_key=*/100, /*total=*/UINT64_MAX);
  std::shared_ptr<void> big = bytes->Acquire("alice", 250);  // alone: always
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(bytes->Acquire("alice", 1), nullptr);
  EXPECT_NE(bytes->Acquire("bob", 60), nullptr);
  big.reset();
  std::shared_ptr<void> a = bytes->Acquire("alice", 60);
  ASSERT_NE(a, nullptr);
  EXPECT_NE(bytes->Acquire("alice", 40), nullptr);
  EXPECT_EQ(bytes->Acquire("alice", 41), nullptr);
}

}  // namespace
}  // namespace docket::api
