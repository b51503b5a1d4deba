// The list filters served by the filter bitmaps (postings family: the
// cases of each account, state, case type and category; keys.h).
//
// A list query with filters selects a set of cases: per filter the union
// of its values' bitmaps, across filters the intersection, within the
// accounts in scope. Its size is the list's exact total. How a page is then
// read depends on that size:
//   - none: the answer is an empty page, at once;
//   - few (DirectPage): each selected case's sort time is read by a point
//     lookup (its search document), the few are sorted, and the page cut
//     from them: work grows with the selection, not with the cases in scope;
//   - many: the sorted list index is walked as without filters, keeping
//     the members of the set; with many members a page is found early.
// The choice compares the two costs (ListPlan), so a filter that matches
// few or no cases answers as fast as one that matches many.
//
// Thread-safe: reads the store only.
#ifndef DOCKET_PROJECTIONS_CASES_LIST_FILTER_H_
#define DOCKET_PROJECTIONS_CASES_LIST_FILTER_H_

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "projections/cases/case_queries.h"
#include "projections/read_store.h"

namespace docket::projections {

// The cases `query`'s state, case type and category filters select among
// `accounts` (Scope::Accounts(query.account_ids): "" = every account);
// nullopt when the query has none of those filters.
Result<std::optional<Bitmap>> FilterSet(const ReadStore& store,
                                        const std::vector<std::string>& accounts,
                                        const ListQuery& query);

// Whether reading the `selected` cases one by one is cheaper than walking
// the list index of `in_scope` cases for a page of `page_size`.
bool PreferDirectPage(uint64_t selected, uint64_t in_scope, size_t page_size);

// The list index suffixes (inverted time + number, the cursor's form) of
// every case in `set`, sorted as the list index sorts them: newest first
// by update time (sort 'u') or by opening time ('o').
Result<std::vector<std::string>> DirectSuffixes(const ReadStore& store, const Bitmap& set,
                                                char sort);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_LIST_FILTER_H_
