#include "api/metrics.h"

#include <sstream>

namespace docket::api {

std::string LabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Metrics::ObserveRequest(const std::string& route, const std::string& method, int status,
                             double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[{route, method, status}];
  Histogram& h = latency_[{route, method}];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::ObserveCommand(const std::string& command, const std::string& outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  ++commands_[{command, outcome}];
}

std::string Metrics::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::ostringstream o;
  o << "# HELP docket_http_requests_total HTTP requests by route, method and status.\n"
       "# TYPE docket_http_requests_total counter\n";
  for (const auto& [k, n] : requests_) {
    o << "docket_http_requests_total{route=\"" << LabelValue(std::get<0>(k)) << "\",method=\""
      << LabelValue(std::get<1>(k)) << "\",status=\"" << std::get<2>(k) << "\"} " << n << "\n";
  }
  o << "# HELP docket_http_request_duration_seconds Time to answer, by route and method.\n"
       "# TYPE docket_http_request_duration_seconds histogram\n";
  for (const auto& [k, h] : latency_) {
    const std::string labels =
        "route=\"" + LabelValue(k.first) + "\",method=\"" + LabelValue(k.second) + "\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      o << "docket_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBuckets[i]
        << "\"} " << h.counts[i] << "\n";
    }
    o << "docket_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << h.count
      << "\n";
    o << "docket_http_request_duration_seconds_sum{" << labels << "} " << h.sum << "\n";
    o << "docket_http_request_duration_seconds_count{" << labels << "} " << h.count << "\n";
  }
  o << "# HELP docket_commands_total Commands sent by the gateway, by type and outcome.\n"
       "# TYPE docket_commands_total counter\n";
  for (const auto& [k, n] : commands_) {
    o << "docket_commands_total{command=\"" << LabelValue(k.first) << "\",outcome=\""
      << LabelValue(k.second) << "\"} " << n << "\n";
  }
  o << "# HELP docket_command_applied_wait_seconds How long an accepted command's request "
       "waited for the read models to apply its events.\n"
       "# TYPE docket_command_applied_wait_seconds histogram\n"
    << applied_wait_.Render("docket_command_applied_wait_seconds", "");
  return o.str();
}

}  // namespace docket::api
