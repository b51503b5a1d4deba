// JSON and time formatting shared by docketctl's commands.
#ifndef DOCKET_TOOLS_DOCKETCTL_EVENT_JSON_H_
#define DOCKET_TOOLS_DOCKETCTL_EVENT_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "events/codec.h"
#include "events/kafka.h"

namespace docket::ctl {

// "2026-11-27T10:00:00.000000Z" for µs since the epoch.
std::string FormatMicros(int64_t us);
// One event record as printed by `replay` (record position, envelope fields,
// payload with the schema's field names). `m.value` must have decoded to `e`.
nlohmann::json EventJson(const kafka::Message& m, const fb::EventEnvelopeT& e);

}  // namespace docket::ctl

#endif  // DOCKET_TOOLS_DOCKETCTL_EVENT_JSON_H_
