#include "projections/cases/case_queries.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "aggregates/cases/case.h"
#include "projections/cases/case_projection.h"
#include "projections/cases/case_rows.h"
#include "projections/cases/keys.h"
#include "projections/cases/list_filter.h"
#include "projections/cases/search_index.h"
#include "projections/cases/text.h"
#include "projections/cases/word_search.h"

namespace docket::projections {
namespace {

using nlohmann::json;

// Keyset cursors: "<kind>" + hex of the last key's suffix. Opaque to
// clients; checked on the way back in.
std::string HexEncode(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * s.size());
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view s) {
  if (s.size() % 2) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    auto nib = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      return -1;
    };
    const int hi = nib(s[i]), lo = nib(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

std::string MakeCursor(char kind, std::string_view suffix) {
  return std::string(1, kind) + HexEncode(suffix);
}

// The suffix inside a cursor of `kind` whose suffix has `width` bytes.
Result<std::string> ReadCursor(std::string_view cursor, char kind, size_t width,
                               std::string_view param) {
  if (cursor.empty() || cursor[0] != kind) {
    return InvalidArgumentError(std::string(param) + " is not a cursor of this list");
  }
  auto raw = HexDecode(cursor.substr(1));
  if (!raw || (width && raw->size() != width)) {
    return InvalidArgumentError(std::string(param) + " is not a cursor of this list");
  }
  return *raw;
}

// A summary as clients see it: without the internal *_us sort keys.
json PublicRow(json s, bool with_detail) {
  for (const char* k : {"opened_at_us", "updated_at_us"}) s.erase(k);
  if (!with_detail) {
    s.erase("description");
    s.erase("fields");
  }
  return s;
}

Result<json> ParseRow(std::string_view v, std::string_view what) {
  json j = json::parse(v, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return DataLossError("read store: " + std::string(what) + " does not parse");
  }
  return j;
}

bool ValidNumber(std::string_view n) {
  return n.size() == keys::kNumberWidth && n[0] == 'C' && n[1] == 'S' &&
         std::all_of(n.begin() + 2, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 4180 field; cells a spreadsheet would run as a formula get a leading
// apostrophe (CSV injection, OWASP).
void AppendCsvField(std::string& out, std::string_view v) {
  std::string cell;
  if (!v.empty() && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' ||
                     v[0] == '\t' || v[0] == '\r')) {
    cell.push_back('\'');
  }
  cell.append(v);
  if (cell.find_first_of(",\"\r\n") == std::string::npos) {
    out.append(cell);
    return;
  }
  out.push_back('"');
  for (char c : cell) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string Text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

// Merges several newest-first indexes (one per account) that share a
// suffix layout, starting after `after`.
class MergedIndex {
 public:
  MergedIndex(const ReadStore* store, Cf cf, const std::vector<std::string>& prefixes,
              const std::string& after)
      : prefixes_(prefixes) {
    for (const auto& p : prefixes_) {
      its_.push_back(store->NewIterator(cf));
      auto& it = its_.back();
      it->Seek(p + after);
      if (!after.empty() && it->Valid() && it->key().ToStringView() == p + after) it->Next();
    }
  }
  // The next entry (suffix, value) across all indexes; false at the end.
  bool Next(std::string* suffix, std::string* value) {
    int best = -1;
    std::string_view best_suffix;
    for (size_t i = 0; i < its_.size(); ++i) {
      auto& it = its_[i];
      if (!it->Valid() || !it->key().starts_with(prefixes_[i])) continue;
      std::string_view s = it->key().ToStringView().substr(prefixes_[i].size());
      if (best < 0 || s < best_suffix) {
        best = static_cast<int>(i);
        best_suffix = s;
      }
    }
    if (best < 0) return false;
    suffix->assign(best_suffix);
    value->assign(its_[best]->value().ToStringView());
    its_[best]->Next();
    return true;
  }
  Status status() const {
    for (const auto& it : its_) {
      if (!it->status().ok()) return UnavailableError("read store: " + it->status().ToString());
    }
    return Status::Ok();
  }

 private:
  std::vector<std::string> prefixes_;
  std::vector<std::unique_ptr<rocksdb::Iterator>> its_;
};

constexpr size_t kListSuffixWidth = 16 + keys::kNumberWidth;  // inv time + number

}  // namespace

bool Scope::Allows(std::string_view account_id) const {
  if (staff) return true;
  return !account_id.empty() &&
         std::find(account_ids.begin(), account_ids.end(), account_id) != account_ids.end();
}

std::vector<std::string> Scope::Accounts(std::string_view filter) const {
  if (!filter.empty()) {
    if (Allows(filter)) return {std::string(filter)};
    return {};
  }
  if (staff) return {""};
  std::set<std::string> unique;
  for (const auto& a : account_ids) {
    if (!a.empty()) unique.insert(a);
  }
  return std::vector<std::string>(unique.begin(), unique.end());
}

std::vector<std::string> Scope::Accounts(const std::vector<std::string>& filters) const {
  if (filters.empty()) return Accounts(std::string_view());
  std::set<std::string> unique;
  for (const auto& f : filters) {
    if (f.empty()) continue;
    for (auto& a : Accounts(std::string_view(f))) unique.insert(std::move(a));
  }
  return std::vector<std::string>(unique.begin(), unique.end());
}

Status ListQuery::Validate() const {
  if (page_size < 1 || page_size > kMaxPageSize) {
    return InvalidArgumentError("page[size] must be between 1 and " +
                                std::to_string(kMaxPageSize));
  }
  if (max_scanned < 1) return InvalidArgumentError("max_scanned must be at least 1");
  return Status::Ok();
}

Status SearchQuery::Validate() const {
  if (page_size < 1 || page_size > kMaxPageSize) {
    return InvalidArgumentError("page[size] must be between 1 and " +
                                std::to_string(kMaxPageSize));
  }
  if (q.size() > 1024) return InvalidArgumentError("q is longer than 1024 bytes");
  return Status::Ok();
}

const std::vector<std::string>& ExportColumns() {
  static const std::vector<std::string> kColumns = {
      "Number",   "State",   "Account",   "Service Address", "Case Type", "Category",
      "Subject",  "Opened",  "Opened By", "Last Updated",    "Resolved"};
  return kColumns;
}

Result<std::optional<json>> CaseQueries::Summary(std::string_view number) const {
  if (!ValidNumber(number)) return std::optional<json>();
  DOCKET_ASSIGN_OR_RETURN(auto head, store_->Get(Cf::kCases, number));
  if (!head) return std::optional<json>();
  DOCKET_ASSIGN_OR_RETURN(auto body, store_->Get(Cf::kBodies, number));
  if (!body) {
    return DataLossError("read store: case " + std::string(number) + " has no body row");
  }
  DOCKET_ASSIGN_OR_RETURN(json j, SummaryJson(number, *head, *body));
  return std::optional<json>(std::move(j));
}

Status CaseQueries::CheckCase(const Scope& scope, std::string_view number) const {
  std::optional<std::string> head;
  if (ValidNumber(number)) {
    DOCKET_ASSIGN_OR_RETURN(head, store_->Get(Cf::kCases, number));
  }
  if (head) {
    DOCKET_ASSIGN_OR_RETURN(const CaseHead h, CaseHead::Decode(*head));
    if (scope.Allows(h.account_id)) return Status::Ok();
  }
  return NotFoundError("case " + std::string(number) + " not found");
}

Result<json> CaseQueries::GetCase(const Scope& scope, std::string_view number) const {
  DOCKET_ASSIGN_OR_RETURN(auto s, Summary(number));
  if (!s || !scope.Allows(Text(*s, "account_id"))) {
    return NotFoundError("case " + std::string(number) + " not found");
  }
  return PublicRow(std::move(*s), /*with_detail=*/true);
}

Result<int64_t> CaseQueries::Counter(Cf cf, const std::string& key) const {
  DOCKET_ASSIGN_OR_RETURN(auto v, store_->Get(cf, key));
  return v ? std::max<int64_t>(0, DecodeCounter(*v).value_or(0)) : 0;
}

Result<std::vector<uint64_t>> CaseQueries::StateCounts(
    const std::vector<std::string>& accounts) const {
  std::vector<uint64_t> counts(static_cast<size_t>(fb::CaseState::MAX) + 1, 0);
  for (size_t s = 0; s < counts.size(); ++s) {
    for (const auto& a : accounts) {
      DOCKET_ASSIGN_OR_RETURN(int64_t n,
                              Counter(Cf::kCounts, keys::CountKey(a, static_cast<char>('0' + s))));
      counts[s] += static_cast<uint64_t>(n);
    }
  }
  return counts;
}

Result<ChangesPage> CaseQueries::Changes(const Scope& scope, const ChangesQuery& q) const {
  ChangesPage page;
  if (!q.number.empty()) {
    DOCKET_ASSIGN_OR_RETURN(auto s, Summary(q.number));
    if (!s || !scope.Allows(Text(*s, "account_id"))) return page;
    const int64_t updated = s->value("updated_at_us", int64_t{0});
    if (updated >= q.since_us) {
      page.changes.push_back({PublicRow(std::move(*s), /*with_detail=*/false), updated});
    }
    return page;
  }
  std::vector<std::string> prefixes;
  for (const auto& a : scope.Accounts(std::string_view())) {
    prefixes.push_back(keys::ListPrefix(a, 'u'));
  }
  MergedIndex index(store_, Cf::kLists, prefixes, "");
  std::string suffix, value;
  std::vector<std::pair<std::string, int64_t>> numbers;  // newest first
  while (index.Next(&suffix, &value)) {
    const int64_t us = static_cast<int64_t>(~std::stoull(suffix.substr(0, 16), nullptr, 16));
    if (us < q.since_us) break;
    if (numbers.size() == q.limit) {
      page.truncated = true;
      break;
    }
    numbers.emplace_back(suffix.substr(16), us);
  }
  DOCKET_RETURN_IF_ERROR(index.status());
  for (auto it = numbers.rbegin(); it != numbers.rend(); ++it) {
    DOCKET_ASSIGN_OR_RETURN(auto s, Summary(it->first));
    if (!s) return DataLossError("read store: list names case " + it->first + ", which has no summary");
    page.changes.push_back({PublicRow(std::move(*s), /*with_detail=*/false), it->second});
  }
  return page;
}

Result<ListPage> CaseQueries::List(const Scope& scope, const ListQuery& q) const {
  DOCKET_RETURN_IF_ERROR(q.Validate());
  const char sort = q.sort == ListQuery::Sort::kUpdated ? 'u' : 'o';
  std::string after;
  if (!q.after.empty()) {
    DOCKET_ASSIGN_OR_RETURN(after, ReadCursor(q.after, sort, kListSuffixWidth, "page[after]"));
  }
  const std::vector<std::string> accounts = scope.Accounts(q.account_ids);
  ListPage page;
  DOCKET_ASSIGN_OR_RETURN(std::vector<uint64_t> counts, StateCounts(accounts));
  uint64_t in_scope = 0;
  for (uint64_t c : counts) in_scope += c;
  DOCKET_ASSIGN_OR_RETURN(const std::optional<Bitmap> selected, FilterSet(*store_, accounts, q));
  page.total = selected ? selected->cardinality() : in_scope;
  std::vector<std::string> numbers;
  const bool direct = selected && (q.plan == ListQuery::Plan::kAuto
                                        ? PreferDirectPage(*page.total, in_scope, q.page_size)
                                        : q.plan == ListQuery::Plan::kDirect);
  if (direct) {
    // Few cases selected (or none): read them, not the index.
    DOCKET_ASSIGN_OR_RETURN(const std::vector<std::string> suffixes,
                            DirectSuffixes(*store_, *selected, sort));
    auto it = std::upper_bound(suffixes.begin(), suffixes.end(), after);
    for (; it != suffixes.end() && numbers.size() < q.page_size; ++it) {
      numbers.push_back(it->substr(16));
    }
    if (it != suffixes.end()) {
      page.has_more = true;
      page.after_cursor = MakeCursor(sort, *std::prev(it));
    }
  } else {
    DOCKET_RETURN_IF_ERROR(WalkList(accounts, sort, after, selected ? &*selected : nullptr, q,
                                    page, numbers));
  }
  for (const auto& n : numbers) {
    DOCKET_ASSIGN_OR_RETURN(auto s, Summary(n));
    if (!s) return DataLossError("read store: list names case " + n + ", which has no summary");
    page.rows.push_back(PublicRow(std::move(*s), /*with_detail=*/false));
  }
  return page;
}

Status CaseQueries::WalkList(const std::vector<std::string>& accounts, char sort,
                             const std::string& after, const Bitmap* selected,
                             const ListQuery& q, ListPage& page,
                             std::vector<std::string>& numbers) const {
  std::vector<std::string> prefixes;
  for (const auto& a : accounts) prefixes.push_back(keys::ListPrefix(a, sort));
  MergedIndex index(store_, Cf::kLists, prefixes, after);
  std::string suffix, value, last, numbers_last;
  size_t scanned = 0;
  while (index.Next(&suffix, &value)) {
    if (++scanned > q.max_scanned) {
      // Out of budget: the page ends before this entry, which the next
      // page reads first.
      page.has_more = true;
      break;
    }
    last = suffix;  // the cursor covers every entry read, matched or not
    if (selected) {
      uint32_t doc = 0;
      const std::string_view digits = std::string_view(suffix).substr(16 + 2);
      if (std::from_chars(digits.data(), digits.data() + digits.size(), doc).ec != std::errc()) {
        return DataLossError("read store: list entry names no case number");
      }
      if (!selected->contains(doc)) continue;
    }
    if (numbers.size() == q.page_size) {
      page.has_more = true;
      last = numbers_last;  // this entry belongs to the next page
      break;
    }
    numbers.push_back(suffix.substr(16));
    numbers_last = suffix;
  }
  DOCKET_RETURN_IF_ERROR(index.status());
  if (page.has_more) page.after_cursor = MakeCursor(sort, last);
  return Status::Ok();
}


Status CaseQueries::ExportCsv(const Scope& scope, ListQuery q,
                              const std::function<bool(std::string_view)>& sink,
                              const ExportNames& names) const {
  auto named = [](const std::string& id, const std::string& name) {
    return name.empty() ? id : name;
  };
  q.page_size = kMaxPageSize;
  q.after.clear();
  std::string chunk;
  for (size_t i = 0; i < ExportColumns().size(); ++i) {
    if (i) chunk.push_back(',');
    AppendCsvField(chunk, ExportColumns()[i]);
  }
  chunk.append("\r\n");
  for (;;) {
    DOCKET_ASSIGN_OR_RETURN(ListPage page, List(scope, q));
    for (const auto& r : page.rows) {
      const json& by = r.contains("opened_by") ? r["opened_by"] : json::object();
      const std::string opened_by =
          Text(by, "display_name").empty() ? Text(by, "user_id") : Text(by, "display_name");
      const std::string account = Text(r, "account_id"), type = Text(r, "case_type"),
                        category = Text(r, "category");
      const std::string cells[] = {
          Text(r, "number"),
          Text(r, "state"),
          named(account, names.account ? names.account(account) : ""),
          Text(r, "service_address"),
          named(type, names.case_type ? names.case_type(type) : ""),
          named(category, names.category ? names.category(type, category) : ""),
          Text(r, "subject"),    Text(r, "opened_at"), opened_by,
          Text(r, "updated_at"), Text(r, "resolved_at")};
      for (size_t i = 0; i < std::size(cells); ++i) {
        if (i) chunk.push_back(',');
        AppendCsvField(chunk, cells[i]);
      }
      chunk.append("\r\n");
    }
    if (!sink(chunk)) return Status::Ok();
    chunk.clear();
    if (!page.has_more) return Status::Ok();
    q.after = page.after_cursor;
  }
}

Result<ActivityPage> CaseQueries::Activity(const Scope& scope, std::string_view number,
                                           size_t page_size, std::string_view after) const {
  if (page_size < 1 || page_size > kMaxPageSize) {
    return InvalidArgumentError("page[size] must be between 1 and " +
                                std::to_string(kMaxPageSize));
  }
  DOCKET_RETURN_IF_ERROR(CheckCase(scope, number));
  std::string start(number);
  if (!after.empty()) {
    DOCKET_ASSIGN_OR_RETURN(std::string v, ReadCursor(after, 'v', 20, "page[after]"));
    start += v;
  }
  ActivityPage page;
  auto it = store_->NewIterator(Cf::kActivity);
  std::string last;
  for (it->Seek(start); it->Valid() && it->key().starts_with(number); it->Next()) {
    if (!after.empty() && it->key().ToStringView() == start) continue;
    DOCKET_ASSIGN_OR_RETURN(json item, ActivityJson(it->value().ToStringView()));
    if (!scope.staff && item.value("internal", false)) continue;
    if (page.items.size() == page_size) {
      page.has_more = true;
      break;
    }
    last = it->key().ToString().substr(number.size());
    page.items.push_back(std::move(item));
  }
  if (!it->status().ok()) return UnavailableError("read store: " + it->status().ToString());
  if (page.has_more) page.after_cursor = MakeCursor('v', last);
  return page;
}

Result<std::vector<json>> CaseQueries::CaseRows(const Scope& scope, std::string_view number,
                                                Cf cf, std::string_view what) const {
  DOCKET_RETURN_IF_ERROR(CheckCase(scope, number));
  std::vector<json> out;
  Status parse = Status::Ok();
  DOCKET_RETURN_IF_ERROR(store_->Scan(cf, number, [&](auto, std::string_view v) {
    auto j = ParseRow(v, what);
    if (!j.ok()) {
      parse = j.status();
      return false;
    }
    out.push_back(std::move(*j));
    return true;
  }));
  DOCKET_RETURN_IF_ERROR(parse);
  return out;
}

Result<std::vector<json>> CaseQueries::Attachments(const Scope& scope,
                                                   std::string_view number) const {
  return CaseRows(scope, number, Cf::kAttachments, "attachment");
}

Result<json> CaseQueries::Attachment(const Scope& scope, std::string_view number,
                                     std::string_view attachment_id) const {
  DOCKET_RETURN_IF_ERROR(CheckCase(scope, number));
  DOCKET_ASSIGN_OR_RETURN(auto row, store_->Get(Cf::kAttachments, std::string(number) +
                                                                      std::string(attachment_id)));
  if (!row) return NotFoundError("attachment " + std::string(attachment_id) + " not found");
  return ParseRow(*row, "attachment");
}

Result<std::unordered_set<std::string>> CaseQueries::ReferencedBlobs() const {
  std::unordered_set<std::string> out;
  Status parse_error;
  auto collect = [&](std::string_view, std::string_view v) {
    Result<json> row = ParseRow(v, "attachment");
    if (!row.ok()) {
      parse_error = row.status();
      return false;
    }
    out.insert(row->value("sha256", ""));
    return true;
  };
  DOCKET_RETURN_IF_ERROR(store_->Scan(Cf::kAttachments, "", collect));
  // A row that does not parse may name a blob: better to collect nothing.
  DOCKET_RETURN_IF_ERROR(parse_error);
  return out;
}

Result<std::vector<json>> CaseQueries::Watchers(const Scope& scope,
                                                std::string_view number) const {
  return CaseRows(scope, number, Cf::kWatchers, "watcher");
}

Result<json> CaseQueries::UpdateItem(std::string_view suffix,
                                     std::map<std::string, std::string>& subjects) const {
  // <inv time 16><number><version 20>: a pointer to the activity row.
  if (suffix.size() != 16 + keys::kNumberWidth + 20) {
    return DataLossError("read store: an updates key is not a pointer to an activity item");
  }
  const std::string number(suffix.substr(16, keys::kNumberWidth));
  DOCKET_ASSIGN_OR_RETURN(auto row,
                          store_->Get(Cf::kActivity, number + std::string(suffix.substr(29))));
  if (!row) return DataLossError("read store: the updates feed names a missing activity item of " + number);
  DOCKET_ASSIGN_OR_RETURN(json item, ActivityJson(*row));
  auto subject = subjects.find(number);
  if (subject == subjects.end()) {
    DOCKET_ASSIGN_OR_RETURN(auto body, store_->Get(Cf::kBodies, number));
    if (!body) return DataLossError("read store: case " + number + " has no body row");
    DOCKET_ASSIGN_OR_RETURN(std::string text, BodySubject(*body));
    subject = subjects.emplace(number, std::move(text)).first;
  }
  item["case_number"] = number;
  item["subject"] = subject->second;
  return item;
}

Result<json> CaseQueries::Overview(const Scope& scope, const OverviewOptions& options) const {
  const std::vector<std::string> accounts = scope.Accounts();
  DOCKET_ASSIGN_OR_RETURN(std::vector<uint64_t> per_state, StateCounts(accounts));
  json counts = json::object();
  for (size_t st = 0; st < per_state.size(); ++st) {
    counts[std::string(aggregates::StateName(static_cast<fb::CaseState>(st)))] = per_state[st];
  }
  json open = json::array();
  if (options.open_cases > 0) {
    ListQuery q;
    q.states = {fb::CaseState::New, fb::CaseState::Open, fb::CaseState::AwaitingInfo,
                fb::CaseState::Resolved};
    q.page_size = std::min(options.open_cases, kMaxPageSize);
    DOCKET_ASSIGN_OR_RETURN(ListPage page, List(scope, q));
    for (auto& r : page.rows) open.push_back(std::move(r));
  }
  json updates = json::array();
  std::vector<std::string> prefixes;
  for (const auto& a : accounts) prefixes.push_back(keys::UpdatesPrefix(a));
  MergedIndex feed(store_, Cf::kUpdates, prefixes, "");
  std::string suffix, value;
  std::map<std::string, std::string> subjects;  // by case number
  while (updates.size() < options.updates && feed.Next(&suffix, &value)) {
    DOCKET_ASSIGN_OR_RETURN(json item, UpdateItem(suffix, subjects));
    updates.push_back(std::move(item));
  }
  DOCKET_RETURN_IF_ERROR(feed.status());
  return json{{"counts", counts}, {"open_cases", open}, {"updates", updates}};
}

Result<SearchPage> CaseQueries::Search(const Scope& scope, const SearchQuery& query) const {
  DOCKET_RETURN_IF_ERROR(query.Validate());
  // A case number: "CS00000050455", "cs 000000504", "00000050455".
  std::string compact;
  for (char c : query.q) {
    if (c != ' ' && c != '\t') compact.push_back(c);
  }
  std::string digits = compact;
  if (digits.size() >= 2 && (digits[0] == 'C' || digits[0] == 'c') &&
      (digits[1] == 'S' || digits[1] == 's')) {
    digits = digits.substr(2);
  }
  if (digits.size() >= 6 && digits.size() <= 11 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return SearchNumbers(scope, digits, query);
  }
  return SearchWords(scope, query);
}

Result<SearchPage> CaseQueries::SearchNumbers(const Scope& scope, const std::string& digits,
                                              const SearchQuery& query) const {
  std::string start;
  if (!query.after.empty()) {
    DOCKET_ASSIGN_OR_RETURN(start, ReadCursor(query.after, 'n', keys::kNumberWidth,
                                              "page[after]"));
  }
  const std::string prefix = "CS" + digits;
  std::vector<std::string> found;
  auto collect = [&](Cf cf, const std::string& key_prefix) -> Status {
    auto it = store_->NewIterator(cf);
    const std::string seek = key_prefix + std::max(prefix, start);
    for (it->Seek(seek); it->Valid() && it->key().starts_with(key_prefix + prefix); it->Next()) {
      std::string number = it->key().ToString().substr(key_prefix.size());
      if (number <= start) continue;
      found.push_back(std::move(number));
      if (found.size() > query.page_size) break;  // per index; merged below
    }
    if (!it->status().ok()) return UnavailableError("read store: " + it->status().ToString());
    return Status::Ok();
  };
  for (const auto& a : scope.Accounts()) {
    DOCKET_RETURN_IF_ERROR(a.empty() ? collect(Cf::kCases, "")
                                     : collect(Cf::kLists, keys::NumberPrefix(a)));
  }
  std::sort(found.begin(), found.end());
  SearchPage page;
  if (found.size() > query.page_size) {
    found.resize(query.page_size);
    page.has_more = true;
    page.after_cursor = MakeCursor('n', found.back());
  }
  for (const auto& n : found) {
    DOCKET_ASSIGN_OR_RETURN(auto s, Summary(n));
    if (!s || !scope.Allows(Text(*s, "account_id"))) continue;
    json row = PublicRow(std::move(*s), false);
    row["score"] = n == prefix ? 100.0 : 50.0;
    page.rows.push_back(std::move(row));
  }
  return page;
}

namespace {

// The offset into the ranking that a word search's page[after] holds ("r"
// + 8 bytes, big-endian); 0 for the first page. kInvalidArgument when it is
// not such a cursor or points implausibly far.
Result<size_t> ReadRankCursor(std::string_view after) {
  size_t offset = 0;
  if (after.empty()) return offset;
  DOCKET_ASSIGN_OR_RETURN(std::string raw, ReadCursor(after, 'r', 8, "page[after]"));
  for (unsigned char c : raw) offset = offset << 8 | c;
  if (offset > 100'000) return InvalidArgumentError("page[after] is not a cursor of this search");
  return offset;
}

// The cursor of the word-search page starting at ranking offset `next`.
std::string MakeRankCursor(size_t next) {
  std::string raw(8, '\0');
  for (int i = 7; i >= 0; --i) raw[7 - i] = static_cast<char>((next >> (8 * i)) & 0xff);
  return MakeCursor('r', raw);
}

}  // namespace

Result<SearchPage> CaseQueries::SearchWords(const Scope& scope, const SearchQuery& query) const {
  DOCKET_ASSIGN_OR_RETURN(const size_t offset, ReadRankCursor(query.after));
  thread_local TextAnalyzer analyzer;
  std::vector<Word> words = analyzer.Words(query.q);
  SearchPage page;
  if (words.empty()) return page;
  if (words.size() > 16) return InvalidArgumentError("q has more than 16 words");

  DOCKET_ASSIGN_OR_RETURN(const WordRanking ranking,
                          RankWords(*store_, scope.Accounts(), words, offset + query.page_size));
  for (size_t i = offset; i < ranking.top.size(); ++i) {
    DOCKET_ASSIGN_OR_RETURN(auto s, Summary(NumberOfDoc(ranking.top[i].doc)));
    if (!s || !scope.Allows(Text(*s, "account_id"))) continue;  // belt and braces
    json row = PublicRow(std::move(*s), false);
    row["score"] = std::round(ranking.top[i].score * 1000) / 1000;
    page.rows.push_back(std::move(row));
  }
  const size_t next = offset + query.page_size;
  if (next < ranking.matches) {
    page.has_more = true;
    page.after_cursor = MakeRankCursor(next);
  }
  return page;
}

}  // namespace docket::projections
