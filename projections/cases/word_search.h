// Ranked word search over the postings bitmaps (search_index.h writes them).
//
// Every query word must match (AND); the last one, of at least 2 bytes, as
// a prefix that expands to at most 64 indexed terms (in term order) of the
// caller's vocabulary. Matches are ranked by BM25 (k1 = 1.2, b = 0.75)
// with the caller's statistics: staff's over all accounts, a customer's
// over their accounts only, so neither scores nor prefix expansion reveal
// anything of other accounts. Ties are broken by recency (last update,
// newest first), then by case number (highest first).
//
// How (Lucene's and Xapian's order of work, on Roaring bitmaps):
//   1. each word's bitmap is the union of its terms'; the matches are their
//      intersection, smallest first, with the union of a customer's
//      account bitmaps;
//   2. the candidates: the matches are split into groups whose cases hold
//      every query term equally often (term membership, frequency bit
//      slices); in a group the score only falls as the length grows, so the
//      group's k shortest (and those as short as the k-th) are its only
//      candidates, found with set operations on the length bit slices
//      (bit-sliced top-k) without scoring anything;
//   3. only the candidates are scored: lengths and term frequencies come
//      from their bit slices intersected with the candidates, into arrays
//      indexed by document id, so the work grows with k and the groups,
//      never with the store or with other accounts;
//   4. the best k are selected without sorting the rest (nth_element);
//      recency is read only for the k and for the cases tied with the k-th
//      score: by point lookups when few, else by walking the scope's
//      by-updated list index and stopping once the ties are settled.
// The scores and order are exactly those of scoring every case in scope
// (word_search_test checks that against an exhaustive ranking).
//
// Thread-safe: reads the store only (each call keeps its own arrays).
#ifndef DOCKET_PROJECTIONS_CASES_WORD_SEARCH_H_
#define DOCKET_PROJECTIONS_CASES_WORD_SEARCH_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "projections/cases/text.h"
#include "projections/read_store.h"

namespace docket::projections {

struct RankedCase {
  uint32_t doc = 0;  // document id (NumberOfDoc gives the case number)
  double score = 0;
  int64_t updated_us = 0;
};

struct WordRanking {
  std::vector<RankedCase> top;  // at most k, best first
  uint64_t matches = 0;         // every case that matched
};

struct RankOptions {
  // Cases tied with the k-th score whose recency is read by point lookups;
  // beyond this many, by walking the by-updated list index.
  size_t tie_lookups = 4096;
  // Above this many matches, only the candidates that can still rank are
  // scored (step 2 below); up to it, every match.
  uint64_t prune_above = 4096;
};

// The best `k` cases for `words` (TextAnalyzer::Words of the query) among
// `scopes` (Scope::Accounts(): "" = every account, else the customer's
// accounts). kUnavailable when the store fails, kDataLoss when it holds
// something malformed.
Result<WordRanking> RankWords(const ReadStore& store, const std::vector<std::string>& scopes,
                              const std::vector<Word>& words, size_t k,
                              const RankOptions& options = {});

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_WORD_SEARCH_H_
