#include "tools/docketctl/event_json.h"

#include <time.h>

namespace docket::ctl {

nlohmann::json EventJson(const kafka::Message& m, const fb::EventEnvelopeT& e) {
  nlohmann::json actor = {{"user_id", e.actor->user_id},
                          {"role", fb::EnumNameRole(e.actor->role)},
                          {"account_ids", e.actor->account_ids},
                          {"display_name", e.actor->display_name}};
  nlohmann::json j = {
      {"partition", m.partition},
      {"offset", m.offset},
      {"timestamp_ms", m.timestamp_ms},
      {"key", m.key},
      {"event_id", e.event_id},
      {"aggregate_id", e.aggregate_id},
      {"version", e.version},
      {"type", std::string(events::EventTypeName(e.event.type))},
      {"occurred_at", FormatMicros(e.occurred_at_us)},
      {"occurred_at_us", e.occurred_at_us},
      {"actor", actor},
      {"command_id", e.command_id},
      {"correlation_id", e.correlation_id},
      {"schema_version", e.schema_version},
  };
  // The payload text comes from mini reflection over a verified buffer; it
  // is JSON, but a tool must not die on a surprise, so keep it as text then.
  const std::string payload = events::EventPayloadJson(m.value);
  j["payload"] = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j["payload"].is_discarded()) j["payload"] = payload;
  return j;
}

}  // namespace docket::ctl
