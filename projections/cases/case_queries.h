// Queries over the case read models: get, lists (and CSV export), activity,
// attachments, watch list, overview and search.
//
// Access control lives here, below every route: each query takes a Scope and
// never returns, counts or hints at a case outside it. A case outside the
// scope is kNotFound, exactly like a case that does not exist. Filters and
// the scope apply before the page limit, so pages are full.
//
// Thread-safe: queries only read the store (RocksDB is thread-safe); the
// store must outlive the CaseQueries. Search keeps a TextAnalyzer per thread.
#ifndef DOCKET_PROJECTIONS_CASES_CASE_QUERIES_H_
#define DOCKET_PROJECTIONS_CASES_CASE_QUERIES_H_

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "projections/cases/case_families.h"
#include "projections/read_store.h"
#include "schemas/cases_generated.h"

namespace docket::projections {

// Who is asking.
struct Scope {
  bool staff = false;  // every account; internal notes visible
  std::vector<std::string> account_ids;  // a customer's memberships
  bool Allows(std::string_view account_id) const;
  // The accounts whose indexes a query reads: a customer's memberships
  // (unique, non-empty, sorted), narrowed to `filter` when one is given
  // (nothing when it is not theirs); for staff {""}, the all-accounts
  // indexes, or {filter}.
  std::vector<std::string> Accounts(std::string_view filter = "") const;
  // The same for several filters (any of them): the union, sorted; every
  // account in scope when `filters` is empty.
  std::vector<std::string> Accounts(const std::vector<std::string>& filters) const;
};

inline constexpr size_t kMaxPageSize = 100;

struct ListQuery {
  // Each filter matches any of its values; empty: no filter.
  std::vector<fb::CaseState> states;
  std::vector<std::string> case_types;
  std::vector<std::string> categories;
  std::vector<std::string> account_ids;  // narrowed to the scope
  enum class Sort { kUpdated, kOpened } sort = Sort::kUpdated;  // newest first
  size_t page_size = 25;  // 1..kMaxPageSize
  std::string after;      // cursor from the previous page; "" = first page
  // Index entries one page may read. A filter that matches few cases (or
  // none) stops here with a short page, even an empty one, that has_more
  // and a cursor to go on from: the work of one request is bounded.
  size_t max_scanned = 10'000;
  // How a page with filters is read (list_filter.h): chosen by cost, or
  // forced (tests and benchmarks compare the two).
  enum class Plan { kAuto, kDirect, kWalk } plan = Plan::kAuto;
  Status Validate() const;
};

struct ListPage {
  std::vector<nlohmann::json> rows;  // case summaries, newest first
  // More may follow (after_cursor); a page can hold fewer than page_size
  // rows, even none, and still have more (ListQuery::max_scanned).
  bool has_more = false;
  std::string after_cursor;          // pass as ListQuery::after; "" when done
  std::optional<uint64_t> total;     // the cases the query selects (always set)
};

struct ActivityPage {
  std::vector<nlohmann::json> items;  // oldest first
  bool has_more = false;
  std::string after_cursor;
};

struct SearchQuery {
  std::string q;
  size_t page_size = 25;
  std::string after;
  Status Validate() const;
};

struct SearchPage {
  std::vector<nlohmann::json> rows;  // summaries with "score", best first
  bool has_more = false;
  std::string after_cursor;
};

// How an export names what the rows hold as ids; a function left empty, or
// one that returns "", keeps the id.
struct ExportNames {
  std::function<std::string(const std::string& account_id)> account;
  std::function<std::string(const std::string& case_type)> case_type;
  std::function<std::string(const std::string& case_type, const std::string& category)>
      category;
};

// What changed: the cases updated at or after a time, for live views.
struct ChangesQuery {
  int64_t since_us = 0;     // updated at or after this (event time, µs)
  std::string number;       // only this case; "" = every case in scope
  size_t limit = 200;       // at most this many, most recently updated first
};

struct Change {
  nlohmann::json summary;  // as in a list row
  int64_t updated_us = 0;
};

struct ChangesPage {
  std::vector<Change> changes;  // oldest first
  bool truncated = false;       // more than `limit` changed: reload everything
};

struct OverviewOptions {
  size_t open_cases = 10;  // the first N open cases, most recently updated
  size_t updates = 20;     // the N most recent activity items
};

class CaseQueries {
 public:
  explicit CaseQueries(const ReadStore* store) : store_(store) {}

  // The case summary. kNotFound when missing or outside the scope.
  Result<nlohmann::json> GetCase(const Scope& scope, std::string_view number) const;
  // kInvalidArgument for a bad query (names the parameter).
  Result<ListPage> List(const Scope& scope, const ListQuery& query) const;
  // The whole list (query.after and page_size ignored) as RFC 4180 CSV,
  // header first, handed to `sink` in chunks of rows; never more than one
  // page in memory. `sink` returns false to stop early (client gone).
  // Accounts, case types and categories are written as `names` gives them.
  Status ExportCsv(const Scope& scope, ListQuery query,
                   const std::function<bool(std::string_view chunk)>& sink,
                   const ExportNames& names = {}) const;
  // The case's activity (comments, internal notes for staff, state changes,
  // attachment and watch-list changes), in order.
  Result<ActivityPage> Activity(const Scope& scope, std::string_view number,
                                size_t page_size, std::string_view after) const;
  Result<std::vector<nlohmann::json>> Attachments(const Scope& scope,
                                                  std::string_view number) const;
  Result<nlohmann::json> Attachment(const Scope& scope, std::string_view number,
                                    std::string_view attachment_id) const;
  Result<std::vector<nlohmann::json>> Watchers(const Scope& scope,
                                               std::string_view number) const;
  // The SHA-256 of every attachment of every case (no scope: for the
  // gateway's blob collector, never for an answer).
  Result<std::unordered_set<std::string>> ReferencedBlobs() const;
  // {"counts": {STATE: n}, "open_cases": [...], "updates": [...]}.
  Result<nlohmann::json> Overview(const Scope& scope, const OverviewOptions& options) const;
  // The cases in scope updated since a time (ChangesQuery), read from the
  // by-updated list indexes: work bounded by `limit`, whatever the number of
  // cases. A case outside the scope is never named (a number outside it
  // gives no changes).
  Result<ChangesPage> Changes(const Scope& scope, const ChangesQuery& query) const;
  // By case number (full, or a prefix of at least 6 digits, with or without
  // "CS"), else by words: every word must match (the last one as a prefix),
  // ranked by BM25, ties broken by recency.
  Result<SearchPage> Search(const Scope& scope, const SearchQuery& query) const;

 private:
  // A merge counter's value, 0 when absent.
  Result<int64_t> Counter(Cf cf, const std::string& key) const;
  // Cases per state (indexed by CaseState) over `accounts` (Scope::Accounts).
  Result<std::vector<uint64_t>> StateCounts(const std::vector<std::string>& accounts) const;
  Result<std::optional<nlohmann::json>> Summary(std::string_view number) const;
  // kNotFound (the same for missing and not yours) unless the case exists
  // in the scope.
  Status CheckCase(const Scope& scope, std::string_view number) const;
  // An updates feed entry (its key's suffix points at an activity item) as
  // the overview serves it: the item, case_number and subject (`subjects`
  // caches the subjects read so far).
  Result<nlohmann::json> UpdateItem(std::string_view suffix,
                                    std::map<std::string, std::string>& subjects) const;
  // Every row of a per-case family (attachments, watchers), in key order.
  Result<std::vector<nlohmann::json>> CaseRows(const Scope& scope, std::string_view number,
                                               Cf cf, std::string_view what) const;
  // A list page by walking the sorted list indexes of `accounts` from
  // `after`, keeping the members of `selected` (every case when null);
  // fills `numbers`, has_more and the cursor.
  Status WalkList(const std::vector<std::string>& accounts, char sort, const std::string& after,
                  const Bitmap* selected, const ListQuery& q, ListPage& page,
                  std::vector<std::string>& numbers) const;
  Result<SearchPage> SearchNumbers(const Scope& scope, const std::string& digits,
                                   const SearchQuery& query) const;
  Result<SearchPage> SearchWords(const Scope& scope, const SearchQuery& query) const;
  const ReadStore* store_;
};

// The CSV columns of a list export, in order.
const std::vector<std::string>& ExportColumns();

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_CASE_QUERIES_H_
