#include "common/latency_histogram.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

namespace docket {

void LatencyHistogram::Observe(std::chrono::steady_clock::duration d) {
  ObserveSeconds(std::chrono::duration<double>(d).count());
}

void LatencyHistogram::ObserveSeconds(double seconds) {
  seconds = std::max(0.0, seconds);
  const size_t i = static_cast<size_t>(
      std::lower_bound(kBounds.begin(), kBounds.end(), seconds) - kBounds.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<uint64_t>(std::llround(seconds * 1e9)),
                    std::memory_order_relaxed);
}

double LatencyHistogram::Quantile(double q) const {
  const uint64_t n = count();
  if (n == 0) return 0;
  const auto want = static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * n));
  uint64_t seen = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    seen += buckets_[i].load(std::memory_order_relaxed);
    if (seen >= want) return kBounds[i];
  }
  return std::numeric_limits<double>::infinity();
}

std::string LatencyHistogram::Render(std::string_view name, std::string_view labels) const {
  std::ostringstream o;
  const std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    o << name << "_bucket{" << labels << sep << "le=\"" << kBounds[i] << "\"} " << cumulative
      << "\n";
  }
  cumulative += buckets_[kBounds.size()].load(std::memory_order_relaxed);
  o << name << "_bucket{" << labels << sep << "le=\"+Inf\"} " << cumulative << "\n";
  const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  // Shortest exact form: the default 6 digits would turn a sum of hours
  // into 1.23457e+06 and make rate(_sum) move in steps.
  char sum[64];
  const double seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  const auto written = std::to_chars(sum, sum + sizeof sum, seconds);
  o << name << "_sum" << braces << " " << std::string_view(sum, written.ptr - sum) << "\n";
  o << name << "_count" << braces << " " << cumulative << "\n";
  return o.str();
}

}  // namespace docket
