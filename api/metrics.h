// Prometheus metrics of the gateway: requests and latency per route,
// command outcomes; the gateway adds projection lag when rendering.
// Thread-safe.
#ifndef DOCKET_API_METRICS_H_
#define DOCKET_API_METRICS_H_

#include <array>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "common/latency_histogram.h"

namespace docket::api {

class Metrics {
 public:
  // `route` is the route pattern (e.g. "/api/v1/cases/{number}"), never the
  // raw path, so labels stay few.
  void ObserveRequest(const std::string& route, const std::string& method, int status,
                      double seconds);
  void ObserveCommand(const std::string& command, const std::string& outcome);
  // How long an accepted command's request waited for the read models to
  // apply its events (read-your-writes).
  void ObserveAppliedWait(std::chrono::steady_clock::duration d) { applied_wait_.Observe(d); }
  // The text exposition format (version 0.0.4).
  std::string Render() const;

  static constexpr std::array<double, 12> kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::pair<std::string, std::string>, Histogram> latency_;
  std::map<std::pair<std::string, std::string>, uint64_t> commands_;
  LatencyHistogram applied_wait_;
};

// A Prometheus label value with \, " and newline escaped.
std::string LabelValue(const std::string& v);

}  // namespace docket::api

#endif  // DOCKET_API_METRICS_H_
