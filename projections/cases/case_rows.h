// The rows of the cases read models: FlatBuffers tables of
// schemas/case_rows.fbs, and their JSON as the queries serve it.
//
// A case is three kinds of rows:
//   cases     <number>             CaseHead: what every event changes (state,
//                                  version, times, counts) and the index fields;
//                                  small, rewritten by each event
//   bodies    <number>             the body: what CaseOpened sets and nothing
//                                  changes (subject, description, service
//                                  address, fields, opened by); written once
//   activity  <number><version>    one ActivityItem per event; the updates
//                                  feed's entries are keys pointing at them
//
// The layout is a cache, not a contract: when it changes, kModelFormat
// changes and stores of the old format are rebuilt from the log
// (Projection::model_format).
//
// Errors: every decoder returns kDataLoss for bytes that are not a row of
// its kind (FlatBuffers verification), never crashes on them.
// Thread safety: plain functions and values.
#ifndef DOCKET_PROJECTIONS_CASES_CASE_ROWS_H_
#define DOCKET_PROJECTIONS_CASES_CASE_ROWS_H_

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "schemas/case_rows_generated.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

// The version of the row layout: part of CaseProjection::model_format().
inline constexpr std::string_view kCaseRowsFormat = "case-rows/2";

// What every event of a case changes.
struct CaseHead {
  uint64_t version = 0;
  fb::CaseState state = fb::CaseState::New;
  std::string account_id, case_type, category;
  int64_t opened_at_us = 0, updated_at_us = 0;
  std::optional<int64_t> resolved_at_us, closed_at_us, cancelled_at_us;
  std::optional<std::string> resolution;
  int64_t comment_count = 0, attachment_count = 0, watcher_count = 0;

  std::string Encode() const;
  // kDataLoss when `row` is not a CaseHeadRow.
  static Result<CaseHead> Decode(std::string_view row);
};

// The body row of the case `opened` opens, opened by `by` (may be null).
std::string EncodeCaseBody(const fb::CaseOpenedT& opened, const fb::ActorT* by);

// One item of a case's activity stream.
struct ActivityItem {
  fb::ActivityKind kind = fb::ActivityKind::Opened;
  uint64_t version = 0;
  int64_t at_us = 0;
  const fb::ActorT* actor = nullptr;  // the event's; not owned
  bool internal = false;              // staff only: not in the feed or the index
  std::optional<fb::CaseState> from, to;
  std::optional<std::string> subject, comment_id, note_id, attachment_id, file_name,
      previous_file_name, email, body, message, resolution, reason;

  std::string Encode() const;
};

// The case's summary JSON from its head and body rows: number, state,
// account_id, service_address, case_type, category, subject, description,
// fields, opened_at/_us, opened_by, updated_at/_us, resolved_at, closed_at,
// cancelled_at, resolution, the three counts, version (times as text, null
// when unset; the *_us sort keys are the queries' to drop).
Result<nlohmann::json> SummaryJson(std::string_view number, std::string_view head_row,
                                   std::string_view body_row);

// The subject in a body row.
Result<std::string> BodySubject(std::string_view body_row);

// An activity item's JSON: type ("opened", "comment", "internal_note",
// "attachment_added", "attachment_renamed", "attachment_removed",
// "watcher_added", "watcher_removed", "state_changed"), version, at, actor,
// internal and the item's present fields (from/to as state names).
Result<nlohmann::json> ActivityJson(std::string_view row);

// {"user_id", "display_name", "role"} of an actor; role "unknown" for none.
nlohmann::json ActorJson(const fb::ActorT* actor);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_CASE_ROWS_H_
