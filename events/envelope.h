// The one builder of each envelope: every event envelope (the decider, the
// load generator, tests) and every command envelope Docket builds itself
// (timers, docketctl, the gateway, tests) comes from here, so ids, times and
// schema versions are set the same way everywhere. Pure, thread-safe.
#ifndef DOCKET_EVENTS_ENVELOPE_H_
#define DOCKET_EVENTS_ENVELOPE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "events/codec.h"

namespace docket::events {

// ---- events ----------------------------------------------------------------

// Event `index` (0-based) of the command `command_id`, as version `version`
// of `aggregate_id`:
//   event_id        "<command_id>/<index>" (deterministic: a retried command
//                   yields the same ids),
//   correlation_id  `correlation_id`, or the command id when empty,
//   occurred_at_us  as given; occurred_at_ms its floor in ms (also before
//                   1970, so v1 readers agree),
//   schema_version  kEventSchemaVersion.
fb::EventEnvelopeT MakeEventEnvelope(std::string aggregate_id, uint64_t version,
                                     const fb::ActorT& actor, std::string command_id,
                                     std::string correlation_id, uint32_t index,
                                     int64_t occurred_at_us, fb::EventUnion event);

// Event `index` of `command` (its actor, command id and correlation id); the
// decider's way to wrap what an aggregate decided.
fb::EventEnvelopeT EventOf(const fb::CommandEnvelopeT& command, std::string aggregate_id,
                           uint64_t version, uint32_t index, int64_t occurred_at_us,
                           fb::EventUnion event);

// MakeEventEnvelope with a typed payload and the command id as correlation id.
template <typename EventT>
fb::EventEnvelopeT MakeEvent(std::string aggregate_id, uint64_t version,
                             const fb::ActorT& actor, std::string command_id,
                             uint32_t index, int64_t occurred_at_us, EventT payload) {
  fb::EventUnion event;
  event.Set(std::move(payload));
  return MakeEventEnvelope(std::move(aggregate_id), version, actor, std::move(command_id), "",
                           index, occurred_at_us, std::move(event));
}

// ---- commands --------------------------------------------------------------

// A command envelope of kCommandSchemaVersion for `aggregate_id` (empty for
// a command that creates its aggregate), issued by `actor` at `issued_at_us`,
// expected_version -1 (any). The caller sets command_id (required; it is the
// idempotency key), the payload (`command.Set(...)`) and, when wanted,
// expected_version and correlation_id.
fb::CommandEnvelopeT MakeCommand(std::string aggregate_id, fb::ActorT actor,
                                 int64_t issued_at_us);

// The actor of commands Docket issues itself (timers, operator tools):
// user id "system:<name>", role System, no accounts.
fb::ActorT SystemActor(std::string_view name);

}  // namespace docket::events

#endif  // DOCKET_EVENTS_ENVELOPE_H_
