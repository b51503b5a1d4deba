// Search against Xapian on the same documents (results in docs/benchmarks.md,
// "Search against Xapian"): run after projection_bench built its store.
//
//   1. indexing: every case's search document (its terms with their
//      frequencies, as Docket's projection analysed them: s\0<number>
//      rows) added to a fresh Xapian database (glass) as a document of the
//      same terms and within-document frequencies, with the case's number
//      as its id; documents/s, and the database's size. Docket's own
//      documents/s (projection_bench's indexing) projects whole events,
//      summaries and lists included: the ratio flatters Xapian.
//   2. queries: the same two-common-word and one-word queries over all
//      cases (staff), ranked by BM25 with the same parameters (k1 1.2,
//      b 0.75), top 25: Xapian's Enquire, Docket's RankWords (ranking only)
//      and CaseQueries::Search (ranking and the 25 rows); p50/p99.
//
//   build/bench/xapian_bench [--store /tmp/docket-bench-store]
//                            [--xapian /tmp/docket-bench-xapian] [--queries 500]
//                            [--json FILE]
#include <xapian.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>

#include "projections/cases/case_projection.h"
#include "projections/cases/case_queries.h"
#include "projections/cases/keys.h"
#include "projections/cases/search_index.h"
#include "projections/cases/word_search.h"

namespace docket {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

FILE* json_out = nullptr;

struct Latency {
  double p50_us = 0, p99_us = 0;
};

Latency Measure(size_t n, const std::function<void(size_t)>& fn) {
  std::vector<double> us;
  for (size_t i = 0; i < n; ++i) {
    const auto t = SteadyClock::now();
    fn(i);
    us.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - t).count());
  }
  std::sort(us.begin(), us.end());
  return {us[n / 2], us[std::min(n - 1, n * 99 / 100)]};
}

void Report(const std::string& engine, const std::string& what, const Latency& l) {
  std::printf("  %-8s %-40s p50 %10.1f us   p99 %10.1f us\n", engine.c_str(), what.c_str(),
              l.p50_us, l.p99_us);
  if (json_out) {
    std::fprintf(json_out,
                 "{\"bench\":\"xapian_query\",\"engine\":\"%s\",\"what\":\"%s\","
                 "\"p50_us\":%.1f,\"p99_us\":%.1f}\n",
                 engine.c_str(), what.c_str(), l.p50_us, l.p99_us);
  }
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

// Copies every search document of `store` into a fresh Xapian database at
// `dir`; prints documents/s. False on an error.
bool IndexXapian(const projections::ReadStore& store, const std::string& dir) {
  fs::remove_all(dir);
  Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OVERWRITE);
  uint64_t docs = 0;
  bool ok = true;
  const auto t = SteadyClock::now();
  Status s = store.Scan(projections::Cf::kSearch, projections::keys::DocTermsKey(""),
                        [&](std::string_view key, std::string_view terms) {
    auto id = projections::DocId(key.substr(2));
    if (!id.ok() || *id == 0) {
      ok = false;
      return false;
    }
    std::vector<projections::TermCount> tf;
    if (!projections::ParseTermList(terms, &tf)) {
      ok = false;
      return false;
    }
    Xapian::Document doc;
    for (const auto& [term, n] : tf) {
      doc.add_term(std::string(term), static_cast<Xapian::termcount>(n));
    }
    db.replace_document(*id, doc);
    ++docs;
    return true;
  });
  db.commit();
  const double secs = std::chrono::duration<double>(SteadyClock::now() - t).count();
  if (!s.ok() || !ok) {
    std::cerr << "reading the Docket store failed: " << s << "\n";
    return false;
  }
  db.close();
  const uint64_t bytes = DirectoryBytes(dir);
  std::printf("xapian indexing: %llu documents in %.1f s: %.0f documents/s; %.1f MB\n",
              static_cast<unsigned long long>(docs), secs, docs / secs, bytes / 1e6);
  if (json_out) {
    std::fprintf(json_out,
                 "{\"bench\":\"xapian_indexing\",\"documents\":%llu,\"seconds\":%.1f,"
                 "\"documents_per_s\":%.0f,\"bytes\":%llu}\n",
                 static_cast<unsigned long long>(docs), secs, docs / secs,
                 static_cast<unsigned long long>(bytes));
  }
  return true;
}

int Run(const std::string& store_dir, const std::string& xapian_dir, size_t n) {
  const projections::CaseProjection projection;
  auto opened = projections::OpenStore(projection, store_dir);
  if (!opened.ok()) {
    std::cerr << opened.status() << "\n";
    return 1;
  }
  const auto& store = **opened;
  if (!IndexXapian(store, xapian_dir)) return 1;

  Xapian::Database db(xapian_dir);
  Xapian::Enquire enquire(db);
  enquire.set_weighting_scheme(Xapian::BM25Weight(1.2, 0, 1, 0.75, 0));
  projections::CaseQueries queries(&store);
  projections::TextAnalyzer analyzer;
  const projections::Scope staff{true, {}};
  size_t sink = 0;
  struct Class {
    std::string name;
    std::vector<std::string> queries;
  };
  const std::vector<Class> classes = {
      {"2 common words (staff, top 25)",
       {"router speed", "invoice refund", "fiber outage", "backup office", "slow evening"}},
      {"1 common word (staff, top 25)", {"router", "invoice", "fiber", "backup", "slow"}},
  };
  for (const auto& c : classes) {
    Report("xapian", c.name, Measure(n, [&](size_t i) {
             std::vector<std::string> terms;
             for (const auto& w : analyzer.Words(c.queries[i % c.queries.size()])) {
               terms.push_back(w.stem);
             }
             enquire.set_query(Xapian::Query(Xapian::Query::OP_AND, terms.begin(), terms.end()));
             sink += enquire.get_mset(0, 25).size();
           }));
    Report("docket", c.name + " ranking", Measure(n, [&](size_t i) {
             // The last word is a prefix for Docket; in these queries each
             // expands to its own term only, so both rank the same terms.
             auto words = analyzer.Words(c.queries[i % c.queries.size()]);
             sink += projections::RankWords(store, {""}, words, 25)->top.size();
           }));
    Report("docket", c.name + " search", Measure(n, [&](size_t i) {
             projections::SearchQuery sq;
             sq.q = c.queries[i % c.queries.size()];
             sink += queries.Search(staff, sq)->rows.size();
           }));
  }
  std::printf("  (checksum %zu)\n", sink);
  return 0;
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) {
  CLI::App app{"xapian_bench: Docket's search index against Xapian on the same documents"};
  std::string store = (std::filesystem::temp_directory_path() / "docket-bench-store").string();
  std::string xapian = (std::filesystem::temp_directory_path() / "docket-bench-xapian").string();
  size_t queries = 500;
  std::string json_path;
  app.add_option("--store", store, "Docket store built by projection_bench")->capture_default_str();
  app.add_option("--xapian", xapian, "Xapian database directory (rebuilt)")->capture_default_str();
  app.add_option("--queries", queries, "Queries per class")->capture_default_str();
  app.add_option("--json", json_path, "Also append every figure to this file as JSON lines");
  CLI11_PARSE(app, argc, argv);
  if (!json_path.empty()) docket::json_out = std::fopen(json_path.c_str(), "a");
  try {
    return docket::Run(store, xapian, std::max<size_t>(queries, 1));
  } catch (const Xapian::Error& e) {
    std::cerr << "xapian: " << e.get_description() << "\n";
    return 1;
  }
}
