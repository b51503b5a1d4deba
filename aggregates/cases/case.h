// The case aggregate: pure decide/apply for support cases (docs/architecture.md).
//
//   Decide(state, command, context) -> events | rejection
//   Apply(state, event)             -> state
//
// No Kafka, no clock, no I/O: the time and the allocated case number come in
// through DecideContext. The lifecycle table enforced here is written down in
// docs/case-lifecycle.md; case_test.cc has one test per row and rule.
//
// Thread safety: all functions are pure; the Catalog is immutable.
#ifndef DOCKET_AGGREGATES_CASES_CASE_H_
#define DOCKET_AGGREGATES_CASES_CASE_H_

#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "aggregates/cases/catalog.h"
#include "aggregates/decision.h"
#include "common/status.h"
#include "events/codec.h"

namespace docket::aggregates {

struct CaseLimits {
  size_t max_subject_chars = 200;
  size_t max_description_chars = 20'000;
  size_t max_comment_chars = 10'000;  // comments, notes, resolutions, reasons
  size_t max_watchers = 50;
  size_t max_attachments = 100;
  uint64_t max_attachment_bytes = 25ull << 20;  // 25 MiB
  size_t max_file_name_bytes = 255;
  // A RESOLVED case closes itself this long after it was resolved.
  std::chrono::microseconds auto_close_after = std::chrono::hours(24 * 7);

  Status Validate() const;
};

struct DecideContext {
  const Catalog* catalog = nullptr;
  const CaseLimits* limits = nullptr;
  int64_t now_us = 0;
  // For OpenCase: the case number the decider allocated.
  std::string new_case_number;
};

// A case's state is its snapshot; an empty case_number means "no such case".
using CaseSnapshot = fb::CaseSnapshotT;

Decision DecideCase(const CaseSnapshot& state, const fb::CommandEnvelopeT& command,
                    const DecideContext& context);
// Folds one event into the state (versions are taken from the envelope).
void ApplyCase(CaseSnapshot* state, const fb::EventEnvelopeT& event);

// Rules of DecideCase that need less than the whole state, so the gateway
// can check them before it does expensive work (stores an upload's bytes);
// the aggregate applies the very same functions when it decides.
//   case.version_conflict    `expected` (>= 0) is not the case's `version`
//   attachment.limit         the case holds lim.max_attachments already
//   attachment.size          not 1..lim.max_attachment_bytes
//   attachment.file_name     empty, too long, ".", "..", separators,
//                            control or format characters (text.utf8: not
//                            UTF-8)
std::optional<Rejection> CheckExpectedVersion(const std::string& number, uint64_t version,
                                              int64_t expected);
std::optional<Rejection> CheckAttachmentCount(size_t attachments, const CaseLimits& lim);
std::optional<Rejection> CheckAttachmentSize(uint64_t size_bytes, const CaseLimits& lim);
std::optional<Rejection> CheckAttachmentFileName(const std::string& name, const CaseLimits& lim);

// "NEW", "OPEN", "AWAITING_INFO", "RESOLVED", "CLOSED", "CANCELLED";
// "UNKNOWN" out of range.
std::string_view StateName(fb::CaseState state);
// The inverse of StateName (case-insensitive); nullopt for anything else.
std::optional<fb::CaseState> ParseStateName(std::string_view name);

// True when `state` is RESOLVED and auto_close_after has passed.
bool AutoCloseDue(const CaseSnapshot& state, int64_t now_us, const CaseLimits& limits);
// The timer's close command. Its command id is derived from the case and the
// version it was resolved at, so issuing it twice is deduplicated.
fb::CommandEnvelopeT MakeAutoCloseCommand(const CaseSnapshot& state);

// "CS" + 11 digits: number = counter * partitions + partition (docs/architecture.md).
std::string FormatCaseNumber(uint64_t counter, int32_t partition, int32_t partitions);
// The numeric part of a well-formed case number; kInvalidArgument otherwise.
Result<uint64_t> ParseCaseNumber(std::string_view number);
// The partition of the events and commands topics that owns `number`.
Result<int32_t> CasePartition(std::string_view number, int32_t partitions);

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_CASES_CASE_H_
