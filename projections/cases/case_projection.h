// The cases projection: one decoded event -> RocksDB mutations of every case
// read model (case heads and bodies, lists, counts, activity, updates feed,
// attachments, watch list, search index). Row encodings: case_rows.h. Pure: no Kafka, no clock, no logging; all it
// reads is the Txn (the store plus the batch's own writes).
//
// Idempotent: an event at or below the case's stored version changes
// nothing (kAlreadyApplied), so replaying a log prefix twice is harmless.
// Key layouts: projections/cases/keys.h.
#ifndef DOCKET_PROJECTIONS_CASES_CASE_PROJECTION_H_
#define DOCKET_PROJECTIONS_CASES_CASE_PROJECTION_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "projections/cases/case_families.h"
#include "projections/cases/text.h"
#include "projections/projection.h"
#include "projections/read_store.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

// Applies `event` to the read models in `txn`.
// Errors:
//   kFailedPrecondition  an invariant of the log broke: the aggregate id is
//                        not a case number, a version gap, an event for a
//                        case never opened, a second CaseOpened. The caller
//                        parks the case (dead letter).
//   kDataLoss            a stored row does not parse.
//   other                the store failed.
// On error `txn` may hold part of the event's writes: callers bracket each
// event with Txn::SetSavePoint / RollbackToSavePoint.
Result<ApplyOutcome> ApplyCaseEvent(const fb::EventEnvelopeT& event, Txn& txn,
                                    TextAnalyzer& text);

// The cases context's Projection (projections/projection.h): its families
// are CaseFamilies(), each lane's applier runs ApplyCaseEvent with a
// TextAnalyzer of its own. Thread-safe.
class CaseProjection final : public Projection {
 public:
  std::string_view context() const override { return "cases"; }
  std::vector<FamilySpec> Families() const override { return CaseFamilies(); }
  std::unique_ptr<EventApplier> NewApplier() const override;
  // The row layout of projections/cases/case_rows.h.
  std::string_view model_format() const override;
};

// State names: aggregates::StateName / ParseStateName (aggregates/cases/case.h).
// Open means still needing someone: NEW, OPEN, AWAITING_INFO, RESOLVED.
bool IsOpenState(fb::CaseState state);

// A list index entry's value: the fields list filters need without reading
// the summary.
struct ListEntry {
  fb::CaseState state = fb::CaseState::New;
  std::string case_type;
  std::string category;
  std::string Encode() const;
  static std::optional<ListEntry> Decode(std::string_view value);
};

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_CASE_PROJECTION_H_
