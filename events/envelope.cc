#include "events/envelope.h"

#include <memory>

namespace docket::events {

fb::EventEnvelopeT MakeEventEnvelope(std::string aggregate_id, uint64_t version,
                                     const fb::ActorT& actor, std::string command_id,
                                     std::string correlation_id, uint32_t index,
                                     int64_t occurred_at_us, fb::EventUnion event) {
  fb::EventEnvelopeT e;
  e.event_id = command_id + "/" + std::to_string(index);
  e.aggregate_id = std::move(aggregate_id);
  e.version = version;
  e.occurred_at_us = occurred_at_us;
  e.occurred_at_ms = occurred_at_us >= 0 ? occurred_at_us / 1000
                                         : -((-occurred_at_us + 999) / 1000);
  e.actor = std::make_unique<fb::ActorT>(actor);
  e.correlation_id = correlation_id.empty() ? command_id : std::move(correlation_id);
  e.command_id = std::move(command_id);
  e.schema_version = kEventSchemaVersion;
  e.event = std::move(event);
  return e;
}

fb::EventEnvelopeT EventOf(const fb::CommandEnvelopeT& command, std::string aggregate_id,
                           uint64_t version, uint32_t index, int64_t occurred_at_us,
                           fb::EventUnion event) {
  return MakeEventEnvelope(std::move(aggregate_id), version,
                           command.actor ? *command.actor : fb::ActorT{}, command.command_id,
                           command.correlation_id, index, occurred_at_us, std::move(event));
}

fb::CommandEnvelopeT MakeCommand(std::string aggregate_id, fb::ActorT actor,
                                 int64_t issued_at_us) {
  fb::CommandEnvelopeT c;
  c.aggregate_id = std::move(aggregate_id);
  c.expected_version = -1;
  c.actor = std::make_unique<fb::ActorT>(std::move(actor));
  c.issued_at_us = issued_at_us;
  c.schema_version = kCommandSchemaVersion;
  return c;
}

fb::ActorT SystemActor(std::string_view name) {
  fb::ActorT a;
  a.user_id = "system:" + std::string(name);
  a.role = fb::Role::System;
  return a;
}

}  // namespace docket::events
