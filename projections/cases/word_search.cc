#include "projections/cases/word_search.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <queue>
#include <set>
#include <unordered_map>

#include "projections/cases/case_families.h"
#include "projections/cases/keys.h"
#include "projections/cases/search_index.h"

namespace docket::projections {
namespace {

constexpr double kK1 = 1.2, kB = 0.75;
constexpr size_t kMaxExpansion = 64;  // terms a prefix word expands to
constexpr int64_t kUnknown = INT64_MIN;  // a RankedCase's recency not read yet

// Calls fn(id) for every id of `b`, in increasing order.
template <typename Fn>
void ForEach(const Bitmap& b, Fn&& fn) {
  roaring_iterate(
      &b.roaring,
      [](uint32_t id, void* p) {
        (*static_cast<Fn*>(p))(id);
        return true;
      },
      &fn);
}

Result<int64_t> ReadCounter(const ReadStore& store, const std::string& key) {
  DOCKET_ASSIGN_OR_RETURN(auto v, store.Get(Cf::kSearch, key));
  return v ? std::max<int64_t>(0, DecodeCounter(*v).value_or(0)) : 0;
}

// BM25 collection statistics of a scope.
struct CorpusStats {
  double docs = 1;     // documents in the scope, at least 1
  double avg_len = 1;  // their average length in terms, at least 1
  double Idf(int64_t df) const {
    return std::log(1 + (docs - static_cast<double>(df) + 0.5) / (static_cast<double>(df) + 0.5));
  }
};

Result<CorpusStats> ReadCorpusStats(const ReadStore& store, const std::vector<std::string>& scopes) {
  int64_t doc_count = 0, total_length = 0;
  for (const auto& account : scopes) {
    DOCKET_ASSIGN_OR_RETURN(int64_t d, ReadCounter(store, account.empty()
                                                              ? keys::SearchDocsKey()
                                                              : keys::AccountDocsKey(account)));
    DOCKET_ASSIGN_OR_RETURN(int64_t l, ReadCounter(store, account.empty()
                                                              ? keys::SearchLengthKey()
                                                              : keys::AccountLengthKey(account)));
    doc_count += d;
    total_length += l;
  }
  CorpusStats stats;
  stats.docs = std::max<double>(1, static_cast<double>(doc_count));
  stats.avg_len =
      std::max(1.0, static_cast<double>(total_length) / std::max<double>(1, doc_count));
  return stats;
}

// The indexed terms starting with `stem` in the vocabulary of `scopes`, at
// most kMaxExpansion, in term order.
Result<std::vector<std::string>> ExpandPrefix(const ReadStore& store,
                                              const std::vector<std::string>& scopes,
                                              const std::string& stem) {
  std::set<std::string> terms;
  for (const auto& account : scopes) {
    // Staff: the posting bitmaps' keys; a customer: their accounts' vocabulary.
    const Cf cf = account.empty() ? Cf::kPostings : Cf::kSearch;
    const std::string base = account.empty() ? keys::TermBitsPrefix("") : keys::VocabPrefix(account);
    const std::string start = base + stem;
    auto it = store.NewIterator(cf);
    for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next()) {
      terms.insert(it->key().ToString().substr(base.size()));
      if (terms.size() >= kMaxExpansion) break;
    }
    if (!it->status().ok()) return UnavailableError("read store: " + it->status().ToString());
  }
  std::vector<std::string> out(terms.begin(), terms.end());
  if (out.size() > kMaxExpansion) out.resize(kMaxExpansion);
  return out;
}

// One query word: its terms, their idfs and posting bitmaps.
struct WordTerms {
  std::vector<std::string> terms;
  std::vector<double> idfs;
  std::vector<Bitmap> postings;
  Bitmap any;  // the union of `postings`
};

Result<std::vector<WordTerms>> PlanWords(const ReadStore& store,
                                         const std::vector<std::string>& scopes,
                                         const CorpusStats& stats,
                                         const std::vector<Word>& words) {
  std::vector<WordTerms> plan(words.size());
  for (size_t w = 0; w < words.size(); ++w) {
    const std::string& stem = words[w].stem;
    if (w + 1 < words.size() || stem.size() < 2) {
      plan[w].terms = {stem};
    } else {
      DOCKET_ASSIGN_OR_RETURN(plan[w].terms, ExpandPrefix(store, scopes, stem));
    }
    std::vector<const Bitmap*> parts;
    for (const auto& term : plan[w].terms) {
      int64_t df = 0;
      for (const auto& account : scopes) {
        DOCKET_ASSIGN_OR_RETURN(int64_t n,
                                ReadCounter(store, account.empty() ? keys::DocFreqKey(term)
                                                                   : keys::VocabKey(account, term)));
        df += n;
      }
      plan[w].idfs.push_back(stats.Idf(df));
      DOCKET_ASSIGN_OR_RETURN(Bitmap b, store.GetBitmap(Cf::kPostings, keys::TermBitsKey(term)));
      plan[w].postings.push_back(std::move(b));
    }
    for (const auto& b : plan[w].postings) parts.push_back(&b);
    plan[w].any = parts.empty() ? Bitmap() : Bitmap::fastunion(parts.size(), parts.data());
  }
  return plan;
}

// Per-match arrays: indexed by id - lo when the matches are dense enough,
// else by rank among the sorted matches.
class MatchSlots {
 public:
  explicit MatchSlots(const Bitmap& matches) {
    const uint64_t n = matches.cardinality();
    lo_ = matches.minimum();
    const uint64_t span = uint64_t{matches.maximum()} - lo_ + 1;
    dense_ = span <= 8 * n + 4096;
    if (!dense_) {
      ids_.resize(n);
      matches.toUint32Array(ids_.data());
    }
    size_ = dense_ ? span : n;
  }
  size_t size() const { return size_; }
  size_t operator()(uint32_t id) const {
    if (dense_) return id - lo_;
    return static_cast<size_t>(std::lower_bound(ids_.begin(), ids_.end(), id) - ids_.begin());
  }

 private:
  bool dense_ = true;
  uint32_t lo_ = 0;
  size_t size_ = 0;
  std::vector<uint32_t> ids_;
};

// The cases of `within` whose length in terms has bit k set, per k.
Result<std::vector<Bitmap>> ReadLengthSlices(const ReadStore& store, const Bitmap& within) {
  std::vector<Bitmap> out(kSliceBits);
  for (int k = 0; k < kSliceBits; ++k) {
    DOCKET_ASSIGN_OR_RETURN(out[k], store.GetBitmap(Cf::kPostings, keys::LengthBitsKey(k)));
    if (!out[k].isEmpty()) out[k] &= within;
  }
  return out;
}

// A term's frequency slices: (bit k, the cases of `within` whose frequency
// minus 1 has bit k set), only the non-empty ones (one seek).
using ExcessSlices = std::vector<std::pair<int, Bitmap>>;

Result<ExcessSlices> ReadExcessSlices(const ReadStore& store, const std::string& term,
                                      const Bitmap& within) {
  ExcessSlices out;
  const std::string prefix = keys::ExcessTfBitsPrefix(term);
  auto it = store.NewIterator(Cf::kPostings);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view key = it->key().ToStringView();
    const int b = key.size() == prefix.size() + 1 ? key.back() - keys::SliceBit(0) : -1;
    if (b < 0 || b >= kSliceBits) continue;
    auto x = DecodeBitmap(it->value().ToStringView());
    if (!x) return DataLossError("read store: frequency bitmap of '" + term + "' is corrupt");
    *x &= within;
    if (!x->isEmpty()) out.emplace_back(b, std::move(*x));
  }
  if (!it->status().ok()) return UnavailableError("read store: " + it->status().ToString());
  return out;
}

// The cases of `set` with the `k` smallest lengths, and every case as short
// as the k-th (all of `set` when it has at most k): a bit-sliced top-k
// (O'Neil and Quass), one pass from the highest length bit down, with set
// operations only.
Bitmap Shortest(Bitmap set, const std::vector<Bitmap>& length_bits, size_t k) {
  uint64_t count = set.cardinality();
  if (count <= k) return set;
  Bitmap in;  // certainly among the k shortest
  uint64_t in_count = 0;
  for (int b = kSliceBits - 1; b >= 0 && in_count < k; --b) {
    const Bitmap& ones = length_bits[b];
    if (ones.isEmpty()) continue;  // every case has this bit 0
    // The cases with this bit 0 are the shorter ones.
    const uint64_t zero = count - roaring_bitmap_and_cardinality(&set.roaring, &ones.roaring);
    if (in_count + zero >= k) {
      set -= ones;
      count = zero;
    } else {
      in |= set - ones;
      in_count += zero;
      set &= ones;
      count -= zero;
    }
  }
  in |= set;  // `set`: the cases as long as the k-th, all tied
  return in;
}

// BM25 of one case: `tf` per query term (flattened over the words' terms,
// 0 when absent) and its length, summed in query and term order.
double Bm25(const std::vector<WordTerms>& plan, const std::vector<uint32_t>& tf, uint32_t length,
            double avg_len) {
  double score = 0;
  size_t i = 0;
  const double norm = kK1 * (1 - kB + kB * static_cast<double>(length) / avg_len);
  for (const auto& w : plan) {
    for (size_t t = 0; t < w.terms.size(); ++t, ++i) {
      if (tf[i] == 0) continue;
      const double f = tf[i];
      score += w.idfs[t] * f * (kK1 + 1) / (f + norm);
    }
  }
  return score;
}

// The length of case `id` from the length bit slices.
uint32_t LengthOf(const std::vector<Bitmap>& length_bits, uint32_t id) {
  uint32_t n = 0;
  for (int b = 0; b < kSliceBits; ++b) {
    if (!length_bits[b].isEmpty() && length_bits[b].contains(id)) n |= uint32_t{1} << b;
  }
  return n;
}

// The matches that can be among the best k, found without scoring them
// all. The matches are split into groups whose cases hold every query term
// equally often (by term membership where a word has several terms, and by
// the frequency bit slices): in a group the score only falls as the length
// grows, so only the group's k shortest (and those tied with them) can rank.
// The cases of a prefix's terms that hold few matches are candidates whole,
// outside the groups.
// Groups are visited best bound first (their score at the shortest length
// of all matches); once k cases are known, a group whose bound is below the
// k-th best known score is skipped, and so are all after it. Groups left
// with at most k cases are candidates whole. Every match when the groups
// would exceed kMaxGroups.
Bitmap Candidates(const std::vector<WordTerms>& plan,
                  const std::vector<std::vector<ExcessSlices>>& excess,
                  const std::vector<Bitmap>& length_bits, const Bitmap& matches, size_t k,
                  double avg_len) {
  constexpr size_t kMaxGroups = 512;
  struct Group {
    Bitmap cases;
    std::vector<uint32_t> tf;  // per query term; exact unless `mixed`
    bool mixed = false;        // left unsplit (at most k cases)
  };
  size_t terms = 0;
  for (const auto& w : plan) terms += w.terms.size();
  // A term of a several-term word that holds few of the matches (at most k,
  // or a sixteenth: most of a prefix's terms): its cases are candidates
  // whole (splitting every group by each of up to 64 such terms would cost
  // more than scoring them), and the groups are made of the other cases,
  // which do not hold it.
  Bitmap out;
  Bitmap rest = matches;
  std::vector<bool> whole(terms, false);
  {
    size_t i = 0;
    for (const auto& w : plan) {
      for (size_t t = 0; t < w.terms.size(); ++t, ++i) {
        if (w.terms.size() < 2) continue;
        Bitmap held = w.postings[t] & matches;
        if (held.cardinality() > std::max<uint64_t>(k, matches.cardinality() / 16)) continue;
        whole[i] = true;
        rest -= held;
        out |= held;
      }
    }
  }
  std::vector<Group> groups(1);
  groups[0].cases = std::move(rest);
  groups[0].tf.assign(terms, 0);
  size_t i = 0;
  auto split = [&](const Bitmap& by, auto&& mark) {
    std::vector<Group> next;
    for (auto& g : groups) {
      if (g.mixed || !roaring_bitmap_intersect(&g.cases.roaring, &by.roaring)) {
        next.push_back(std::move(g));
        continue;
      }
      Group with{g.cases & by, g.tf, false};
      mark(with.tf);
      g.cases -= by;
      next.push_back(std::move(with));
      if (!g.cases.isEmpty()) next.push_back(std::move(g));
    }
    groups = std::move(next);
    for (auto& g : groups) {
      if (!g.mixed && g.cases.cardinality() <= k) g.mixed = true;  // whole: no more splits
    }
  };
  for (size_t w = 0; w < plan.size(); ++w) {
    for (size_t t = 0; t < plan[w].terms.size(); ++t, ++i) {
      if (whole[i]) continue;  // no case left in the groups holds it
      if (plan[w].terms.size() > 1) {
        split(plan[w].postings[t], [&](std::vector<uint32_t>& tf) { tf[i] = 1; });
      } else {
        for (auto& g : groups) g.tf[i] = 1;  // every match holds a one-term word
      }
      for (const auto& [b, x] : excess[w][t]) {
        split(x, [&](std::vector<uint32_t>& tf) { tf[i] += uint32_t{1} << b; });
      }
      if (groups.size() > kMaxGroups) return matches;
    }
  }
  if (groups.size() == 1 && groups[0].cases.isEmpty()) return out;
  const Bitmap shortest = Shortest(matches, length_bits, 1);
  const uint32_t min_length = LengthOf(length_bits, shortest.minimum());
  std::vector<std::pair<double, Group*>> order;
  for (auto& g : groups) {
    if (g.mixed) {
      out |= g.cases;
    } else {
      order.emplace_back(Bm25(plan, g.tf, min_length, avg_len), &g);
    }
  }
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  std::priority_queue<double, std::vector<double>, std::greater<>> best;  // the k best known
  for (const auto& [bound, g] : order) {
    if (best.size() == k && bound < best.top()) break;
    const Bitmap few = Shortest(std::move(g->cases), length_bits, k);
    for (uint32_t id : few) {
      const double score = Bm25(plan, g->tf, LengthOf(length_bits, id), avg_len);
      if (best.size() < k) {
        best.push(score);
      } else if (score > best.top()) {
        best.pop();
        best.push(score);
      }
    }
    out |= few;
  }
  return out;
}

// The `need` most recent of `tied` (ids), by walking each scope's by-updated
// list index, newest first, and keeping the members of `tied`; every case
// updated at the same time as the last one kept is kept too (the caller
// orders those by number). Fewer than `need` only when the list index and
// the postings disagree (a read between two commits).
Result<std::vector<RankedCase>> WalkRecent(const ReadStore& store,
                                           const std::vector<std::string>& scopes,
                                           const Bitmap& tied, size_t need) {
  std::vector<RankedCase> out;
  for (const auto& account : scopes) {
    const std::string prefix = keys::ListPrefix(account, 'u');
    size_t found = 0;
    int64_t boundary = 0;
    auto it = store.NewIterator(Cf::kLists);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string_view rest = it->key().ToStringView().substr(prefix.size());
      if (rest.size() != 16 + keys::kNumberWidth) continue;
      uint64_t inv = 0;
      uint32_t doc = 0;
      std::from_chars(rest.data(), rest.data() + 16, inv, 16);
      const int64_t updated = static_cast<int64_t>(~inv);
      if (found >= need && updated != boundary) break;
      const std::string_view digits = rest.substr(16 + 2);
      if (std::from_chars(digits.data(), digits.data() + digits.size(), doc).ec != std::errc() ||
          !tied.contains(doc)) {
        continue;
      }
      out.push_back({doc, 0, updated});
      if (++found == need) boundary = updated;
    }
    if (!it->status().ok()) return UnavailableError("read store: " + it->status().ToString());
  }
  return out;
}

bool Better(const RankedCase& a, const RankedCase& b) {
  if (a.score != b.score) return a.score > b.score;
  if (a.updated_us != b.updated_us) return a.updated_us > b.updated_us;
  return a.doc > b.doc;
}

// The best `k` of the scored matches, recency read only where it decides.
Result<std::vector<RankedCase>> SelectTop(const ReadStore& store,
                                          const std::vector<std::string>& scopes,
                                          std::vector<RankedCase> scored, size_t k,
                                          size_t tie_lookups) {
  k = std::min(k, scored.size());
  if (k == 0) return std::vector<RankedCase>();
  auto by_score = [](const RankedCase& a, const RankedCase& b) { return a.score > b.score; };
  std::nth_element(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k - 1),
                   scored.end(), by_score);
  const double kth = scored[k - 1].score;
  std::vector<RankedCase> top, tied;
  for (const auto& c : scored) {
    if (c.score > kth) top.push_back(c);
    else if (c.score == kth) tied.push_back(c);
  }
  const size_t need = k - top.size();
  if (tied.size() > need && tied.size() > tie_lookups) {
    Bitmap tied_bits;
    for (const auto& c : tied) tied_bits.add(c.doc);
    DOCKET_ASSIGN_OR_RETURN(auto recent, WalkRecent(store, scopes, tied_bits, need));
    if (recent.size() >= need) {
      for (auto& c : recent) c.score = kth;
      tied = std::move(recent);
    }
  }
  for (auto* part : {&top, &tied}) {
    for (auto& c : *part) {
      if (c.updated_us == kUnknown) {
        DOCKET_ASSIGN_OR_RETURN(const SearchDocEntry e, ReadSearchDoc(store, NumberOfDoc(c.doc)));
        c.updated_us = e.updated_us;
      }
    }
  }
  std::sort(tied.begin(), tied.end(), Better);
  if (tied.size() > need) tied.resize(need);
  top.insert(top.end(), tied.begin(), tied.end());
  std::sort(top.begin(), top.end(), Better);
  return top;
}

}  // namespace

Result<WordRanking> RankWords(const ReadStore& store, const std::vector<std::string>& scopes,
                              const std::vector<Word>& words, size_t k,
                              const RankOptions& options) {
  WordRanking ranking;
  if (words.empty() || scopes.empty()) return ranking;
  DOCKET_ASSIGN_OR_RETURN(const CorpusStats stats, ReadCorpusStats(store, scopes));
  DOCKET_ASSIGN_OR_RETURN(std::vector<WordTerms> plan, PlanWords(store, scopes, stats, words));

  // 1. The matches: every word's bitmap, and a customer's accounts.
  std::vector<const Bitmap*> sets;
  for (const auto& w : plan) sets.push_back(&w.any);
  Bitmap accounts;
  if (!scopes.front().empty()) {
    for (const auto& account : scopes) {
      DOCKET_ASSIGN_OR_RETURN(Bitmap b, store.GetBitmap(Cf::kPostings, keys::AccountBitsKey(account)));
      accounts |= b;
    }
    sets.push_back(&accounts);
  }
  std::sort(sets.begin(), sets.end(),
            [](const Bitmap* a, const Bitmap* b) { return a->cardinality() < b->cardinality(); });
  Bitmap matches = *sets.front();
  for (size_t i = 1; i < sets.size() && !matches.isEmpty(); ++i) matches &= *sets[i];
  ranking.matches = matches.cardinality();
  if (matches.isEmpty()) return ranking;

  // 2. The candidates: the matches that can still be among the best k.
  DOCKET_ASSIGN_OR_RETURN(const std::vector<Bitmap> length_bits, ReadLengthSlices(store, matches));
  std::vector<std::vector<ExcessSlices>> excess(plan.size());
  for (size_t w = 0; w < plan.size(); ++w) {
    for (const auto& term : plan[w].terms) {
      DOCKET_ASSIGN_OR_RETURN(ExcessSlices x, ReadExcessSlices(store, term, matches));
      excess[w].push_back(std::move(x));
    }
  }
  const Bitmap candidates = ranking.matches > options.prune_above
                                ? Candidates(plan, excess, length_bits, matches, k,
                                             stats.avg_len)
                                : matches;

  // 3. Their scores: BM25 of each word's terms, summed in query and term order.
  const MatchSlots slot(candidates);
  std::vector<uint32_t> length(slot.size(), 0);
  for (int b = 0; b < kSliceBits; ++b) {
    if (length_bits[b].isEmpty()) continue;
    ForEach(length_bits[b] & candidates,
            [&](uint32_t id) { length[slot(id)] |= uint32_t{1} << b; });
  }
  std::vector<double> score(slot.size(), 0.0);
  for (size_t w = 0; w < plan.size(); ++w) {
    for (size_t t = 0; t < plan[w].terms.size(); ++t) {
      const Bitmap hits = plan[w].postings[t] & candidates;
      if (hits.isEmpty()) continue;
      // Frequencies above 1 (few): tf - 1, bit-sliced.
      std::unordered_map<uint32_t, uint32_t> tf_excess;
      for (const auto& [b, x] : excess[w][t]) {
        ForEach(x & hits, [&](uint32_t id) { tf_excess[id] |= uint32_t{1} << b; });
      }
      const double idf = plan[w].idfs[t];
      ForEach(hits, [&](uint32_t id) {
        const size_t s = slot(id);
        double tf = 1;
        if (!tf_excess.empty()) {
          auto e = tf_excess.find(id);
          if (e != tf_excess.end()) tf += e->second;
        }
        const double norm = kK1 * (1 - kB + kB * static_cast<double>(length[s]) / stats.avg_len);
        score[s] += idf * tf * (kK1 + 1) / (tf + norm);
      });
    }
  }
  std::vector<RankedCase> scored;
  scored.reserve(candidates.cardinality());
  ForEach(candidates, [&](uint32_t id) { scored.push_back({id, score[slot(id)], kUnknown}); });

  // 4. The best k.
  DOCKET_ASSIGN_OR_RETURN(ranking.top, SelectTop(store, scopes, std::move(scored), k, options.tie_lookups));
  return ranking;
}

}  // namespace docket::projections
