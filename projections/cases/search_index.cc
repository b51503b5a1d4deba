#include "projections/cases/search_index.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "aggregates/cases/case.h"
#include "projections/cases/case_families.h"
#include "projections/cases/keys.h"

namespace docket::projections {
namespace {

// Moves `doc` between the bit-sliced bitmaps `key(k)` from value `from` to `to`.
template <typename KeyFn>
void MoveSlices(Txn& txn, uint32_t doc, int64_t from, int64_t to, KeyFn key) {
  for (int k = 0; k < kSliceBits; ++k) {
    const bool was = (from >> k) & 1, is = (to >> k) & 1;
    if (was != is) txn.SetBit(Cf::kPostings, key(k), doc, is);
  }
}

}  // namespace

bool ParseTermList(std::string_view text, std::vector<TermCount>* out) {
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const size_t sp = line.rfind(' ');
    if (sp == 0 || line.empty()) return false;
    TermCount t{.term = line.substr(0, sp), .tf = 1};
    if (sp != std::string_view::npos) {
      auto r = std::from_chars(line.data() + sp + 1, line.data() + line.size(), t.tf);
      if (r.ec != std::errc() || r.ptr != line.data() + line.size() || t.tf < 1) return false;
    }
    if (!out->empty() && out->back().term >= t.term) return false;
    out->push_back(t);
  }
  return true;
}

std::string SearchDocEntry::Encode() const {
  return std::to_string(length) + " " + std::to_string(updated_us) + " " +
         std::to_string(opened_us);
}

std::optional<SearchDocEntry> SearchDocEntry::Decode(std::string_view v) {
  SearchDocEntry e;
  const char* end = v.data() + v.size();
  auto r = std::from_chars(v.data(), end, e.length);
  if (r.ec != std::errc() || r.ptr == end || *r.ptr != ' ') return std::nullopt;
  r = std::from_chars(r.ptr + 1, end, e.updated_us);
  if (r.ec != std::errc()) return std::nullopt;
  if (r.ptr == end) return e;  // an older store: no opening time
  if (*r.ptr != ' ') return std::nullopt;
  r = std::from_chars(r.ptr + 1, end, e.opened_us);
  if (r.ec != std::errc() || r.ptr != end) return std::nullopt;
  return e;
}

Result<SearchDocEntry> ReadSearchDoc(const ReadStore& store, const std::string& number) {
  DOCKET_ASSIGN_OR_RETURN(auto v, store.Get(Cf::kSearch, keys::DocKey(number)));
  auto e = v ? SearchDocEntry::Decode(*v) : std::nullopt;
  if (!e) return DataLossError("read store: search document of " + number + " is missing or malformed");
  return *e;
}

Result<uint32_t> DocId(std::string_view number) {
  auto n = aggregates::ParseCaseNumber(number);
  if (!n.ok()) return FailedPreconditionError(n.status().message());
  if (*n > UINT32_MAX) {
    return FailedPreconditionError("case " + std::string(number) +
                                   " is beyond the search index's 2^32 document ids");
  }
  return static_cast<uint32_t>(*n);
}

std::string NumberOfDoc(uint32_t id) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "CS%011u", id);
  return buf;
}

Status IndexText(Txn& txn, TextAnalyzer& analyzer, const std::string& number,
                 const std::string& account, int64_t updated_us, int64_t opened_us,
                 const std::vector<std::string>& texts) {
  DOCKET_ASSIGN_OR_RETURN(const uint32_t doc, DocId(number));
  // The event's terms, sorted: runs of equal terms are their frequencies.
  std::vector<std::string> terms;
  for (const auto& t : texts) {
    for (auto& term : analyzer.Terms(t)) terms.push_back(std::move(term));
  }
  const auto added = static_cast<int64_t>(terms.size());
  if (!terms.empty()) {
    std::sort(terms.begin(), terms.end());
    const std::string terms_key = keys::DocTermsKey(number);
    DOCKET_ASSIGN_OR_RETURN(auto known_text, txn.Get(Cf::kSearch, terms_key));
    std::vector<TermCount> known;
    if (known_text && !ParseTermList(*known_text, &known)) {
      return DataLossError("read store: search terms of " + number + " are malformed");
    }
    // Both lists are sorted: one merge writes the new list and edits the
    // index for each of the event's terms.
    std::string joined;
    joined.reserve((known_text ? known_text->size() : 0) + terms.size() * 12);
    auto write = [&](std::string_view term, int64_t tf) {
      if (!joined.empty()) joined.push_back('\n');
      joined.append(term).push_back(' ');
      char digits[20];
      joined.append(digits, std::to_chars(digits, digits + sizeof digits, tf).ptr);
    };
    auto k = known.begin();
    for (size_t i = 0; i < terms.size();) {
      const std::string& term = terms[i];
      int64_t n = 0;
      for (; i < terms.size() && terms[i] == term; ++i) ++n;
      for (; k != known.end() && k->term < term; ++k) write(k->term, k->tf);
      int64_t tf = 0;
      if (k != known.end() && k->term == term) tf = (k++)->tf;
      if (tf == 0) {
        txn.SetBit(Cf::kPostings, keys::TermBitsKey(term), doc, true);
        txn.Merge(Cf::kSearch, keys::DocFreqKey(term), 1);
        txn.Merge(Cf::kSearch, keys::VocabKey(account, term), 1);
      }
      const int64_t excess_before = tf == 0 ? 0 : tf - 1;
      tf = std::min<int64_t>(tf + n, int64_t{1} << kSliceBits);
      MoveSlices(txn, doc, excess_before, tf - 1,
                 [&](int b) { return keys::ExcessTfBitsKey(term, b); });
      write(term, tf);
    }
    for (; k != known.end(); ++k) write(k->term, k->tf);
    txn.Put(Cf::kSearch, terms_key, joined);
  }
  const std::string doc_key = keys::DocKey(number);
  DOCKET_ASSIGN_OR_RETURN(auto entry, txn.Get(Cf::kSearch, doc_key));
  std::optional<SearchDocEntry> old;
  if (entry && !(old = SearchDocEntry::Decode(*entry))) {
    return DataLossError("read store: search document of " + number + " is malformed");
  }
  const int64_t length = old ? old->length : 0;
  const int64_t new_length = std::min<int64_t>(length + added, (int64_t{1} << kSliceBits) - 1);
  txn.Put(Cf::kSearch, doc_key, SearchDocEntry{new_length, updated_us, opened_us}.Encode());
  // Only the slices that change (an event without words changes none).
  MoveSlices(txn, doc, length, new_length, [](int k) { return keys::LengthBitsKey(k); });
  if (!entry) {
    txn.Merge(Cf::kSearch, keys::SearchDocsKey(), 1);
    txn.Merge(Cf::kSearch, keys::AccountDocsKey(account), 1);
  }
  if (new_length != length) {
    txn.Merge(Cf::kSearch, keys::SearchLengthKey(), new_length - length);
    txn.Merge(Cf::kSearch, keys::AccountLengthKey(account), new_length - length);
  }
  return Status::Ok();
}

}  // namespace docket::projections
