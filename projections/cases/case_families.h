// The column families of the cases read models, numbered after the common
// families of every ReadStore (projections/read_store.h). Key layouts are in
// projections/cases/keys.h.
#ifndef DOCKET_PROJECTIONS_CASES_CASE_FAMILIES_H_
#define DOCKET_PROJECTIONS_CASES_CASE_FAMILIES_H_

#include <vector>

#include "projections/read_store.h"

namespace docket::projections {

enum class Cf : int {
  kMeta = static_cast<int>(CommonCf::kMeta),  // offsets (common)
  kDead = static_cast<int>(CommonCf::kDead),  // dead letters (common)
  kCases = kFirstContextFamily,  // case heads by number (projections/cases/case_rows.h)
  kLists,                        // list indexes: by account and global, by updated/opened
  kCounts,                       // case counts by account and state (counters)
  kActivity,                     // activity stream per case, by version
  kUpdates,                      // "Updates" feed: activity by account, newest first
  kAttachments,                  // attachments per case
  kWatchers,                     // watch list per case
  kSearch,                       // search statistics, documents and frequencies (counters)
  kPostings,                     // bitmaps: search postings and the list filters' sets
  kBodies,                       // what CaseOpened sets, by number (written once)
};

// The families from Cf::kCases on, in order (CaseProjection::Families).
inline std::vector<FamilySpec> CaseFamilies() {
  return {{"cases"},
          {"lists"},
          {"counts", FamilyKind::kCounters},
          {"activity"},
          {"updates"},
          {"attachments"},
          {"watchers"},
          {"search", FamilyKind::kCounters},
          {"postings", FamilyKind::kBitmaps},
          {"bodies"}};
}

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_CASE_FAMILIES_H_
