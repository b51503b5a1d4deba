#include "events/upcast.h"

#include <array>
#include <limits>
#include <string>

#include "events/codec.h"

namespace docket::events {
namespace {

// v1 -> v2: the time moves from milliseconds to microseconds.
Status V1ToV2(fb::EventEnvelopeT* e) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max() / 1000;
  if (e->occurred_at_ms > kMax || e->occurred_at_ms < -kMax) {
    return DataLossError("upcast v1->v2: occurred_at_ms " +
                         std::to_string(e->occurred_at_ms) +
                         " does not fit in microseconds");
  }
  e->occurred_at_us = e->occurred_at_ms * 1000;
  return Status::Ok();
}

using Step = Status (*)(fb::EventEnvelopeT*);
// kSteps[i] lifts version i+1 to i+2.
constexpr std::array<Step, kEventSchemaVersion - 1> kSteps = {&V1ToV2};

}  // namespace

Status UpcastEvent(fb::EventEnvelopeT* e) {
  if (e->schema_version == 0 || e->schema_version > kEventSchemaVersion) {
    return DataLossError("schema_version " + std::to_string(e->schema_version) +
                         " is not in 1.." + std::to_string(kEventSchemaVersion));
  }
  while (e->schema_version < kEventSchemaVersion) {
    DOCKET_RETURN_IF_ERROR(kSteps[e->schema_version - 1](e));
    ++e->schema_version;
  }
  return Status::Ok();
}

}  // namespace docket::events
