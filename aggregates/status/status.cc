#include "aggregates/status/status.h"

#include <algorithm>

namespace docket::aggregates {

std::string ServiceAggregateId(std::string_view service) {
  return "svc-" + std::string(service);
}

bool IsServiceName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string_view ServiceStateName(fb::ServiceState s) {
  switch (s) {
    case fb::ServiceState::Operational: return "OPERATIONAL";
    case fb::ServiceState::Degraded: return "DEGRADED";
    case fb::ServiceState::Outage: return "OUTAGE";
    case fb::ServiceState::Maintenance: return "MAINTENANCE";
  }
  return "UNKNOWN";
}

std::optional<fb::ServiceState> ParseServiceState(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(fb::ServiceState::MAX); ++i) {
    auto s = static_cast<fb::ServiceState>(i);
    if (ServiceStateName(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace docket::aggregates
