#include "common/latency_histogram.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace docket {
namespace {

TEST(LatencyHistogramTest, BucketsAreCumulativeWithSumAndCount) {
  LatencyHistogram h;
  h.ObserveSeconds(0.0002);  // <= 0.0005
  h.ObserveSeconds(0.003);   // <= 0.005
  h.ObserveSeconds(0.003);
  h.ObserveSeconds(9);       // past the last bound
  const std::string text = h.Render("x_seconds", "stage=\"commit\"");
  EXPECT_NE(text.find("x_seconds_bucket{stage=\"commit\",le=\"0.0005\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("x_seconds_bucket{stage=\"commit\",le=\"0.0025\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_bucket{stage=\"commit\",le=\"0.005\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_bucket{stage=\"commit\",le=\"5\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_bucket{stage=\"commit\",le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_count{stage=\"commit\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("x_seconds_sum{stage=\"commit\"} 9.0062\n"), std::string::npos) << text;
  // A sum of hours keeps its digits.
  LatencyHistogram hours;
  for (int i = 0; i < 1000; ++i) hours.ObserveSeconds(4321.000123);
  EXPECT_NE(hours.Render("z", "").find("z_sum 4321000.123\n"), std::string::npos)
      << hours.Render("z", "");
  // No labels: no stray comma or empty braces.
  const std::string bare = LatencyHistogram().Render("y", "");
  EXPECT_NE(bare.find("y_bucket{le=\"+Inf\"} 0\n"), std::string::npos) << bare;
  EXPECT_NE(bare.find("y_count 0\n"), std::string::npos);
}

TEST(LatencyHistogramTest, QuantileIsTheBucketBoundThatCoversIt) {
  LatencyHistogram h;
  EXPECT_EQ(h.Quantile(0.99), 0);
  for (int i = 0; i < 98; ++i) h.ObserveSeconds(0.004);
  h.ObserveSeconds(0.04);
  h.ObserveSeconds(0.4);
  EXPECT_EQ(h.Quantile(0.5), 0.005);
  EXPECT_EQ(h.Quantile(0.99), 0.05);
  EXPECT_EQ(h.Quantile(1.0), 0.5);
}

TEST(LatencyHistogramTest, ConcurrentObservationsAreAllCounted) {
  LatencyHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) h.ObserveSeconds(0.001 * (i % 7));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(h.count(), 40000u);
}

}  // namespace
}  // namespace docket
