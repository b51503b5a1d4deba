// The search index's writes (the postings family and the search family's
// documents and statistics; key layouts in keys.h), and the mapping between
// case numbers and the index's document ids.
//
// A case's document id is its number's digits ("CS00000050455" -> 50455):
// numbers are handed out densely (counter × partitions + partition), so the
// ids of a store's cases form a dense range and every bitmap stays compact.
// Ids are 32-bit (Roaring): a number at or above 2^32 (4,294,967,296 cases)
// cannot be indexed and fails the event with kFailedPrecondition.
//
// Per case and term, the index keeps the term frequency bit-sliced: the
// case is in t\0<term>, and in x\0<term>\0<k> for each bit k of (tf - 1);
// most terms occur once in a case, so the x bitmaps are small. The case's
// length in terms is bit-sliced the same way (l\0<k>). Every edit is a
// bitmap merge (Txn::SetBit) and every statistic a counter merge: no key
// that two partitions share is ever read, so partitions apply in parallel.
//
// Thread safety: the functions are pure over the Txn they are given.
#ifndef DOCKET_PROJECTIONS_CASES_SEARCH_INDEX_H_
#define DOCKET_PROJECTIONS_CASES_SEARCH_INDEX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "projections/cases/text.h"
#include "projections/read_store.h"

namespace docket::projections {

// Bits of a bit-sliced length or term frequency (up to 2^24 - 1).
inline constexpr int kSliceBits = 24;

// The document id of a case number; kFailedPrecondition when it is not a
// case number or is too large for the index.
Result<uint32_t> DocId(std::string_view number);
// The case number of a document id ("CS" + 11 digits).
std::string NumberOfDoc(uint32_t id);

// A case's search document entry (d\0<number>): "<length> <updated µs>
// <opened µs>"; stores built before the opening time was kept end after the
// update time (opened_us 0).
struct SearchDocEntry {
  int64_t length = 0;
  int64_t updated_us = 0;
  int64_t opened_us = 0;
  std::string Encode() const;
  static std::optional<SearchDocEntry> Decode(std::string_view value);
};

// The entry of case `number` in `store`; kDataLoss when missing or malformed.
Result<SearchDocEntry> ReadSearchDoc(const ReadStore& store, const std::string& number);

// One term of a case's term list and its frequency; `term` points into the
// parsed text.
struct TermCount {
  std::string_view term;
  int64_t tf = 0;
};

// A case's terms and frequencies (s\0<number>: "<term> <tf>\n"..., in
// ascending byte order of the terms) into `out`, in that order; false when
// malformed, out of order or repeated. A line without a frequency (a store
// built before frequencies were kept) counts once.
bool ParseTermList(std::string_view text, std::vector<TermCount>* out);

// Adds `texts` to the case's search document: its terms and their
// frequencies (postings), document frequencies for the terms new to the
// case (all accounts' and the account's), the document's length, last
// update and opening time (for the list filters' direct pages), and the
// collection statistics. One read: the case's term list.
Status IndexText(Txn& txn, TextAnalyzer& analyzer, const std::string& number,
                 const std::string& account, int64_t updated_us, int64_t opened_us,
                 const std::vector<std::string>& texts);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_SEARCH_INDEX_H_
