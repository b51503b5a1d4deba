// The status context's names and ids that callers outside the aggregate
// need too (the gateway, the portal view): service status aggregate ids and
// the names of service states. Pure, thread-safe.
#ifndef DOCKET_AGGREGATES_STATUS_STATUS_H_
#define DOCKET_AGGREGATES_STATUS_STATUS_H_

#include <optional>
#include <string>
#include <string_view>

#include "events/codec.h"

namespace docket::aggregates {

// The service status aggregate id: "svc-" + service name.
std::string ServiceAggregateId(std::string_view service);
// Service names: 1..64 of [a-z0-9-].
bool IsServiceName(std::string_view s);

// "OPERATIONAL", "DEGRADED", "OUTAGE", "MAINTENANCE"; "UNKNOWN" otherwise.
std::string_view ServiceStateName(fb::ServiceState s);
// The inverse of ServiceStateName (exact, upper case); nullopt otherwise.
std::optional<fb::ServiceState> ParseServiceState(std::string_view name);

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_STATUS_STATUS_H_
