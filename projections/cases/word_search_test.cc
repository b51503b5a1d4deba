// Word search on the postings bitmaps ranks exactly like scoring every case
// in scope: an exhaustive BM25 ranking computed here from the stored search
// documents, on synthetic cases, for a sample of query classes.
#include "projections/cases/word_search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "aggregates/cases/synthetic.h"
#include "projections/cases/keys.h"
#include "projections/cases/projection_fixture.h"
#include "projections/cases/search_index.h"

namespace docket::projections {
namespace {

using nlohmann::json;

struct Doc {
  std::string number, account;
  std::map<std::string, int64_t> tf;
  int64_t length = 0, updated = 0;
};

struct Expected {
  std::string number;
  double score;
};

class WordSearchTest : public ReadModelTest {
 protected:
  void SetUp() override {
    ReadModelTest::SetUp();
    aggregates::SyntheticOptions so;
    so.accounts = 4;
    so.active_cases = 50;
    so.seed = 7;
    aggregates::SyntheticCases gen(so);
    // Several events per batch, as the runner commits them.
    Txn txn(store_.get());
    for (int i = 0; i < 6000; ++i) {
      auto r = ApplyCaseEvent(gen.Next(), txn, text_);
      ASSERT_TRUE(r.ok()) << r.status();
      if (i % 250 == 249) {
        ASSERT_TRUE(store_->Commit(txn).ok());
      }
    }
    ASSERT_TRUE(store_->Commit(txn).ok());
    LoadDocs();
  }

  // Every case's search document, read back as the index's input.
  void LoadDocs() {
    auto s = store_->Scan(Cf::kSearch, keys::DocTermsKey(""), [&](std::string_view k,
                                                                   std::string_view v) {
      Doc d;
      d.number = std::string(k.substr(2));
      while (!v.empty()) {
        const size_t nl = v.find('\n');
        const std::string_view line = v.substr(0, nl);
        const size_t sp = line.rfind(' ');
        std::from_chars(line.data() + sp + 1, line.data() + line.size(), d.tf[std::string(line.substr(0, sp))]);
        v = nl == std::string_view::npos ? std::string_view() : v.substr(nl + 1);
      }
      docs_.push_back(std::move(d));
      return true;
    });
    ASSERT_TRUE(s.ok()) << s;
    for (Doc& d : docs_) {
      auto entry = **store_->Get(Cf::kSearch, keys::DocKey(d.number));
      const size_t sp = entry.find(' ');
      d.length = std::stoll(entry.substr(0, sp));
      d.updated = std::stoll(entry.substr(sp + 1, entry.find(' ', sp + 1) - sp - 1));
      d.account = Summary(d.number)["account_id"].get<std::string>();
    }
    ASSERT_GT(docs_.size(), 500u);
  }

  // Every case in scope scored by BM25, the way RankWords defines it.
  std::vector<Expected> Exhaustive(const std::string& account, const std::string& q) {
    std::vector<const Doc*> scope;
    for (const Doc& d : docs_) {
      if (account.empty() || d.account == account) scope.push_back(&d);
    }
    double total = 0;
    for (const Doc* d : scope) total += static_cast<double>(d->length);
    const double n = std::max<double>(1, static_cast<double>(scope.size()));
    const double avg = std::max(1.0, total / n);
    std::vector<Word> words = text_.Words(q);
    std::vector<std::vector<std::string>> terms(words.size());
    for (size_t w = 0; w < words.size(); ++w) {
      const std::string& stem = words[w].stem;
      if (w + 1 < words.size() || stem.size() < 2) {
        terms[w] = {stem};
        continue;
      }
      std::set<std::string> vocab;
      for (const Doc* d : scope) {
        for (const auto& [t, _] : d->tf) {
          if (t.starts_with(stem)) vocab.insert(t);
        }
      }
      for (const auto& t : vocab) {
        if (terms[w].size() < 64) terms[w].push_back(t);
      }
    }
    struct Hit {
      const Doc* doc;
      double score;
    };
    std::vector<Hit> hits;
    for (const Doc* d : scope) {
      double score = 0;
      bool all = true;
      for (size_t w = 0; w < words.size() && all; ++w) {
        bool any = false;
        for (const auto& t : terms[w]) {
          auto it = d->tf.find(t);
          if (it == d->tf.end()) continue;
          any = true;
          int64_t df = 0;
          for (const Doc* o : scope) df += o->tf.count(t);
          const double idf =
              std::log(1 + (n - static_cast<double>(df) + 0.5) / (static_cast<double>(df) + 0.5));
          const double tf = static_cast<double>(it->second);
          const double norm = 1.2 * (1 - 0.75 + 0.75 * static_cast<double>(d->length) / avg);
          score += idf * tf * (1.2 + 1) / (tf + norm);
        }
        all = any;
      }
      if (all && !words.empty()) hits.push_back({d, score});
    }
    std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
      if (a.score != b.score) return a.score > b.score;
      if (a.doc->updated != b.doc->updated) return a.doc->updated > b.doc->updated;
      return a.doc->number > b.doc->number;
    });
    std::vector<Expected> out;
    for (const Hit& h : hits) out.push_back({h.doc->number, h.score});
    return out;
  }

  void ExpectSameRanking(const std::string& account, const std::string& q, size_t k,
                         RankOptions options) {
    SCOPED_TRACE("q='" + q + "' account='" + account + "' k=" + std::to_string(k) +
                 " tie_lookups=" + std::to_string(options.tie_lookups) +
                 " prune_above=" + std::to_string(options.prune_above));
    const std::vector<Expected> expected = Exhaustive(account, q);
    auto got = RankWords(*store_, {account}, text_.Words(q), k, options);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->matches, expected.size());
    ASSERT_EQ(got->top.size(), std::min(k, expected.size()));
    for (size_t i = 0; i < got->top.size(); ++i) {
      EXPECT_EQ(NumberOfDoc(got->top[i].doc), expected[i].number) << "rank " << i;
      EXPECT_EQ(got->top[i].score, expected[i].score) << "rank " << i;
    }
    checked_ += got->top.size();
  }

  std::vector<Doc> docs_;
  size_t checked_ = 0;
};

const std::vector<std::string> kQueries = {
    "router",          // one common word
    "router speed",    // two common words
    "invoice refund",  // two common words
    "router w1",       // common + rare prefix (expands to many terms)
    "w12",             // a rare prefix alone
    "ro",              // a two-letter prefix expanding to many terms
    "fiber outage backup",
    "w3 router",       // rare first
    "nosuchword",      // nothing
};

constexpr RankOptions kScoreAll{.prune_above = UINT64_MAX};
constexpr RankOptions kPrune{.prune_above = 0};

TEST_F(WordSearchTest, StaffRankingEqualsTheExhaustiveRanking) {
  for (const auto& q : kQueries) {
    for (size_t k : {1, 25, 200}) ExpectSameRanking("", q, k, kScoreAll);
  }
  EXPECT_GT(checked_, 1000u);
}

// Only the shortest cases of each group of equal term frequencies are
// scored: the ranking is still the exhaustive one.
TEST_F(WordSearchTest, ScoringOnlyTheCandidatesRanksTheSame) {
  for (const auto& q : kQueries) {
    for (size_t k : {1, 10, 25, 200}) ExpectSameRanking("", q, k, kPrune);
    ExpectSameRanking(aggregates::SyntheticCases::AccountId(3), q, 25, kPrune);
  }
  EXPECT_GT(checked_, 1000u);
}

TEST_F(WordSearchTest, CustomerRankingUsesTheirAccountsOnly) {
  for (const auto& q : kQueries) {
    ExpectSameRanking(aggregates::SyntheticCases::AccountId(1), q, 50, kScoreAll);
  }
  EXPECT_GT(checked_, 200u);
}

// Many cases tie with the k-th score: recency then comes from walking the
// by-updated list index instead of point lookups; the order is the same.
TEST_F(WordSearchTest, TiesSettledByTheListIndexWalkRankTheSame) {
  for (const auto& q : kQueries) {
    ExpectSameRanking("", q, 30, {.tie_lookups = 0, .prune_above = 0});
    ExpectSameRanking(aggregates::SyntheticCases::AccountId(2), q, 30,
                      {.tie_lookups = 0, .prune_above = UINT64_MAX});
  }
  EXPECT_GT(checked_, 300u);
}

// Through CaseQueries: pages follow the ranking, and nothing ranks twice.
TEST_F(WordSearchTest, PagesWalkTheRanking) {
  const std::vector<Expected> expected = Exhaustive("", "router speed");
  ASSERT_GT(expected.size(), 60u);
  SearchQuery sq;
  sq.q = "router speed";
  sq.page_size = 20;
  std::vector<std::string> seen;
  for (int page = 0; page < 3; ++page) {
    auto p = queries_->Search(Staff(), sq);
    ASSERT_TRUE(p.ok()) << p.status();
    for (const auto& row : p->rows) seen.push_back(row["number"].get<std::string>());
    ASSERT_TRUE(p->has_more);
    sq.after = p->after_cursor;
  }
  ASSERT_EQ(seen.size(), 60u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], expected[i].number) << i;
}

}  // namespace
}  // namespace docket::projections
