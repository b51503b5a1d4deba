// JSON and time formatting shared by docketctl's commands.
#ifndef DOCKET_TOOLS_DOCKETCTL_EVENT_JSON_H_
#define DOCKET_TOOLS_DOCKETCTL_EVENT_JSON_H_

#include <nlohmann/json.hpp>

#include <string>

#include "common/time_format.h"

#include "events/codec.h"
#include "events/kafka.h"

namespace docket::ctl {

// One event record as printed by `replay` (record position, envelope fields,
// payload with the schema's field names). `m.value` must have decoded to `e`.
nlohmann::json EventJson(const kafka::Message& m, const fb::EventEnvelopeT& e);

}  // namespace docket::ctl

#endif  // DOCKET_TOOLS_DOCKETCTL_EVENT_JSON_H_
