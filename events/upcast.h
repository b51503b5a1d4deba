// Upcasters lift events of an older schema_version to the current shape, so
// that everything above the decoder sees one shape only (docs/events.md).
//
// One step per version: step N turns a version-N envelope into version N+1.
// Steps are pure and total: a record they cannot lift is kDataLoss.
//
// History:
//   1 -> 2  v1 carried only `occurred_at_ms`; v2 adds `occurred_at_us`.
#ifndef DOCKET_EVENTS_UPCAST_H_
#define DOCKET_EVENTS_UPCAST_H_

#include "common/status.h"
#include "schemas/envelope_generated.h"

namespace docket::events {

// Lifts `envelope` in place from its schema_version to kEventSchemaVersion.
// Errors: kDataLoss when schema_version is 0 or newer than this build knows,
// or a field cannot be lifted (e.g. a v1 time that overflows in µs).
Status UpcastEvent(fb::EventEnvelopeT* envelope);

}  // namespace docket::events

#endif  // DOCKET_EVENTS_UPCAST_H_
