// LatencyHistogram: how long a stage took, in fixed buckets, for /metrics
// (the Prometheus histogram type) and for explaining a tail: which stage the
// slow requests spent their time in.
//
// Observe() is lock-free (relaxed atomics; a reader may see a count without
// its sum for an instant, which Prometheus tolerates). Thread-safe.
#ifndef DOCKET_COMMON_LATENCY_HISTOGRAM_H_
#define DOCKET_COMMON_LATENCY_HISTOGRAM_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace docket {

class LatencyHistogram {
 public:
  // Upper bounds (seconds) of the buckets; one more bucket takes the rest.
  static constexpr std::array<double, 15> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025,
      0.05,   0.1,   0.25,   0.5,   1,    2.5,   5};

  void Observe(std::chrono::steady_clock::duration d);
  void ObserveSeconds(double seconds);

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  // The smallest bucket bound that at least `q` (0..1) of the observations
  // are at or under; +infinity past the last bound, 0 when empty.
  double Quantile(double q) const;

  // The series of one histogram in the text exposition format (version
  // 0.0.4): <name>_bucket{<labels>,le="..."} (cumulative), <name>_sum,
  // <name>_count. `labels` is `key="value",...` (already escaped) or empty.
  // The HELP/TYPE lines are the caller's (one per metric name).
  std::string Render(std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_ns_{0};
};

}  // namespace docket

#endif  // DOCKET_COMMON_LATENCY_HISTOGRAM_H_
