// The status projection: the System Status page's services and the
// feedback count on RocksDB, folded from docket.status.events exactly as the
// in-memory PortalView did before it:
//
//   ServiceStatusChanged  the service's row (state, message, updated at)
//   FeedbackSubmitted     +1 on the feedback counter, and the feedback's row
//                         (who, message, rating, page, when) for staff
//
// Pure: no Kafka, no clock, no logging; all it reads is the Txn.
//
// Idempotent by version: the version of the last event of each aggregate
// (a service, a feedback) is stored; an event at or below it is
// kAlreadyApplied, so a replay neither moves a service back nor counts a
// feedback twice.
// Errors (Apply):
//   kFailedPrecondition  an event of another context: the runner parks it.
//   kDataLoss            a stored version does not parse.
//   other                the store failed.
//
// Key layouts (families StatusCf):
//   services   <service name>    service JSON
//   versions   <aggregate id>    last version applied (decimal)
//   counters   feedback          feedback count (merge counter)
//   feedback   <inv µs><id>      feedback JSON, newest first (InvTime as in
//                                the cases' keys: 16 hex of 2^64-1-µs)
#ifndef DOCKET_PROJECTIONS_STATUS_STATUS_PROJECTION_H_
#define DOCKET_PROJECTIONS_STATUS_STATUS_PROJECTION_H_

#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "projections/projection.h"
#include "projections/read_store.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

enum class StatusCf : int {
  kServices = kFirstContextFamily,
  kVersions,
  kCounters,  // merge counters
  kFeedback,
};

inline constexpr std::string_view kFeedbackCountKey = "feedback";

Result<ApplyOutcome> ApplyStatusEvent(const fb::EventEnvelopeT& event, Txn& txn);

// Thread-safe; its appliers hold no state.
class StatusProjection final : public Projection {
 public:
  std::string_view context() const override { return "status"; }
  std::vector<FamilySpec> Families() const override;
  std::unique_ptr<EventApplier> NewApplier() const override;
};

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_STATUS_STATUS_PROJECTION_H_
