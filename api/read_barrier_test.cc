#include "api/read_barrier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace docket::api {
namespace {

using std::chrono::milliseconds;

TEST(ReadBarrierTest, WaitsForTheModelToPassTheEndTheBrokerGave) {
  std::vector<std::pair<int32_t, int64_t>> waited;
  bool reached = true;
  ReadBarrier b([](int32_t p) -> Result<int64_t> { return 100 + p; },
                [&](int32_t p, int64_t end, milliseconds) {
                  waited.emplace_back(p, end);
                  return reached;
                });
  EXPECT_TRUE(b.Await(3, milliseconds(10)).ok());
  EXPECT_EQ(waited, (std::vector<std::pair<int32_t, int64_t>>{{3, 103}}));
  reached = false;
  Status s = b.Await(1, milliseconds(10));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
}

TEST(ReadBarrierTest, AnEmptyPartitionNeedsNoWait) {
  ReadBarrier b([](int32_t) -> Result<int64_t> { return 0; },
                [](int32_t, int64_t, milliseconds) { return false; });
  EXPECT_TRUE(b.Await(0, milliseconds(10)).ok());
}

// Callers that arrive while a probe is in flight share the next probe: the
// broker sees two probes, not one per caller, and every caller gets an end
// learnt after it arrived.
TEST(ReadBarrierTest, ConcurrentCallersShareProbesThatStartedAfterThem) {
  std::atomic<int64_t> end{0};
  std::atomic<bool> release{false};
  std::atomic<int> in_probe{0};
  ReadBarrier b(
      [&](int32_t) -> Result<int64_t> {
        ++in_probe;
        while (!release) std::this_thread::yield();
        return ++end;
      },
      [](int32_t, int64_t, milliseconds) { return true; });
  std::thread first([&] { EXPECT_TRUE(b.Await(0, milliseconds(10)).ok()); });
  while (in_probe == 0) std::this_thread::yield();
  std::vector<std::thread> later;
  for (int i = 0; i < 8; ++i) {
    later.emplace_back([&] { EXPECT_TRUE(b.Await(0, milliseconds(10)).ok()); });
  }
  // Let the callers queue behind the running probe, then let it finish.
  std::this_thread::sleep_for(milliseconds(50));
  release = true;
  first.join();
  for (auto& t : later) t.join();
  // 2 when every later caller queued in time; 3 when one came after the
  // first probe ended (a slow thread start); one per caller without sharing.
  EXPECT_GE(b.probes(), 2u);
  EXPECT_LE(b.probes(), 3u);
}

TEST(ReadBarrierTest, AFailedProbeIsSharedForTheBackoff) {
  int calls = 0;
  ReadBarrier b(
      [&](int32_t) -> Result<int64_t> {
        ++calls;
        return UnavailableError("broker down");
      },
      [](int32_t, int64_t, milliseconds) { return true; }, milliseconds(60'000));
  EXPECT_EQ(b.Await(0, milliseconds(10)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(b.Await(0, milliseconds(10)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(b.Await(1, milliseconds(10)).code(), StatusCode::kUnavailable);  // per partition
  EXPECT_EQ(calls, 2);
}

// A transaction left open holds the end out of reach: after one caller
// waited the timeout, the others do not, until the end moves.
TEST(ReadBarrierTest, AStuckEndIsWaitedForOnce) {
  int64_t end = 10;
  int waits = 0;
  ReadBarrier b([&](int32_t) -> Result<int64_t> { return end; },
                [&](int32_t, int64_t e, milliseconds timeout) {
                  if (timeout.count() > 0) ++waits;
                  return e <= 5;  // the model is at 5
                });
  EXPECT_EQ(b.Await(0, milliseconds(10)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(b.Await(0, milliseconds(10)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(waits, 1);
  end = 11;  // a new end: worth waiting for again
  EXPECT_EQ(b.Await(0, milliseconds(10)).code(), StatusCode::kUnavailable);
  EXPECT_EQ(waits, 2);
  end = 5;  // reached
  EXPECT_TRUE(b.Await(0, milliseconds(10)).ok());
}

}  // namespace
}  // namespace docket::api
