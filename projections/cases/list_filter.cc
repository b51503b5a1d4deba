#include "projections/cases/list_filter.h"

#include <algorithm>

#include "projections/cases/case_families.h"
#include "projections/cases/keys.h"
#include "projections/cases/search_index.h"

namespace docket::projections {
namespace {

// Rough costs on a warm store, measured with projection_bench: one step of
// a list index walk, one point lookup of a search document.
constexpr double kStepUs = 0.3, kLookupUs = 2.0;

// The union of the bitmaps at `keys`.
Result<Bitmap> Union(const ReadStore& store, const std::vector<std::string>& keys) {
  Bitmap out;
  for (const auto& k : keys) {
    DOCKET_ASSIGN_OR_RETURN(Bitmap b, store.GetBitmap(Cf::kPostings, k));
    out |= b;
  }
  return out;
}

}  // namespace

Result<std::optional<Bitmap>> FilterSet(const ReadStore& store,
                                        const std::vector<std::string>& accounts,
                                        const ListQuery& q) {
  if (q.states.empty() && q.case_types.empty() && q.categories.empty()) {
    return std::optional<Bitmap>();
  }
  std::vector<std::vector<std::string>> filters;
  if (!q.states.empty()) {
    filters.emplace_back();
    for (auto s : q.states) {
      filters.back().push_back(keys::StateBitsKey(static_cast<char>('0' + static_cast<int>(s))));
    }
  }
  if (!q.case_types.empty()) {
    filters.emplace_back();
    for (const auto& t : q.case_types) filters.back().push_back(keys::TypeBitsKey(t));
  }
  if (!q.categories.empty()) {
    // A category is named within its case type: every type's (or the
    // filtered types') category of that name.
    std::vector<std::string> types = q.case_types;
    if (types.empty()) {
      DOCKET_RETURN_IF_ERROR(store.Scan(Cf::kPostings, keys::TypeBitsKey(""),
                                        [&](std::string_view k, std::string_view) {
                                          types.emplace_back(k.substr(2));
                                          return true;
                                        }));
    }
    filters.emplace_back();
    for (const auto& t : types) {
      for (const auto& c : q.categories) filters.back().push_back(keys::CategoryBitsKey(t, c));
    }
  }
  if (!(accounts.size() == 1 && accounts.front().empty())) {
    filters.emplace_back();
    for (const auto& a : accounts) filters.back().push_back(keys::AccountBitsKey(a));
  }
  std::vector<Bitmap> sets;
  for (const auto& f : filters) {
    DOCKET_ASSIGN_OR_RETURN(Bitmap b, Union(store, f));
    sets.push_back(std::move(b));
  }
  std::sort(sets.begin(), sets.end(),
            [](const Bitmap& a, const Bitmap& b) { return a.cardinality() < b.cardinality(); });
  Bitmap out = std::move(sets.front());
  for (size_t i = 1; i < sets.size() && !out.isEmpty(); ++i) out &= sets[i];
  return std::optional<Bitmap>(std::move(out));
}

bool PreferDirectPage(uint64_t selected, uint64_t in_scope, size_t page_size) {
  if (selected == 0) return true;
  const double walk = std::min<double>(
      static_cast<double>(in_scope),
      static_cast<double>(page_size) * static_cast<double>(in_scope) / static_cast<double>(selected));
  return static_cast<double>(selected) * kLookupUs < walk * kStepUs;
}

Result<std::vector<std::string>> DirectSuffixes(const ReadStore& store, const Bitmap& set,
                                                char sort) {
  std::vector<std::string> out;
  out.reserve(set.cardinality());
  for (uint32_t doc : set) {
    const std::string number = NumberOfDoc(doc);
    DOCKET_ASSIGN_OR_RETURN(const SearchDocEntry e, ReadSearchDoc(store, number));
    const int64_t t = sort == 'u' ? e.updated_us : e.opened_us;
    out.push_back(keys::InvTime(t) + number);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace docket::projections
