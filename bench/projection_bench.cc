// Read-side benchmarks (results in docs/benchmarks.md):
//
//   1. rebuild: events/s of BuildUntil (what `docketctl rebuild` runs) over a
//      topic of --events synthetic events, against a raw read_committed
//      consumer of the same topic in the same run (the ceiling);
//   2. indexing: a store of --cases cases built in-process from synthetic
//      events through ProjectionApplier (the rebuild path without Kafka):
//      events/s and documents (cases) indexed/s;
//   3. queries on that store: p50/p99 of get, list page (25), overview and
//      every search query class (one and two common words, common + rare,
//      two-letter prefixes, case-number prefix), for a customer (one
//      account) and for staff.
//
//   tools/kafka/local-kafka.sh start
//   build/bench/projection_bench [--events 1000000] [--cases 1000000]
//                                [--store /tmp/docket-bench-store] [--skip-rebuild]
//
// --store keeps the built store between runs (it is rebuilt when missing).
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>

#include "aggregates/cases/case.h"
#include "aggregates/cases/synthetic.h"
#include "consumers/projection_runner.h"
#include "events/topics.h"
#include "projections/cases/case_projection.h"
#include "projections/cases/case_queries.h"

namespace docket {
namespace {

using SteadyClock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Latency {
  double p50_us = 0, p99_us = 0;
  size_t n = 0;
};

Latency Measure(size_t n, const std::function<void(size_t)>& fn) {
  std::vector<double> us;
  us.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const auto t = SteadyClock::now();
    fn(i);
    us.push_back(std::chrono::duration<double, std::micro>(SteadyClock::now() - t).count());
  }
  std::sort(us.begin(), us.end());
  return {us[n / 2], us[std::min(n - 1, n * 99 / 100)], n};
}

// --json: every figure also as one JSON line (bench/report.py renders them).
FILE* json_out = nullptr;

void Print(const std::string& what, const Latency& l) {
  std::printf("  %-44s p50 %11.1f us   p99 %11.1f us   (n=%zu)\n", what.c_str(), l.p50_us,
              l.p99_us, l.n);
  if (json_out) {
    std::fprintf(json_out,
                 "{\"bench\":\"query\",\"what\":\"%s\",\"p50_us\":%.1f,\"p99_us\":%.1f,"
                 "\"n\":%zu}\n",
                 what.c_str(), l.p50_us, l.p99_us, l.n);
    std::fflush(json_out);
  }
}

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) total += e.file_size();
  }
  return total;
}

int Rebuild(const std::string& brokers, int64_t events, int repeat) {
  events::TopicLayout layout;
  layout.prefix = "bench-" + std::to_string(std::random_device{}());
  kafka::KafkaOptions ko;
  ko.brokers = brokers;
  auto admin = kafka::Admin::Create(ko);
  if (!admin.ok() || !(*admin)->EnsureTopics(events::AllTopicSpecs(layout)).ok()) {
    std::cerr << "cannot create topics on " << brokers << "\n";
    return 1;
  }
  const std::string topic = layout.EventsTopic("cases");
  {
    kafka::Producer::Options po;
    po.kafka = ko;
    po.linger_ms = 20;
    auto producer = kafka::Producer::Create(po);
    aggregates::SyntheticOptions so;
    so.partitions = layout.partitions;
    so.accounts = 1000;
    aggregates::SyntheticCases gen(so);
    for (int64_t i = 0; i < events; ++i) {
      fb::EventEnvelopeT e = gen.Next();
      kafka::Record r{topic, gen.PartitionOf(e), e.aggregate_id, events::EncodeEvent(e), {}};
      if (!(*producer)->Produce(r, [](const kafka::Delivery&) {}).ok()) return 1;
    }
    if (!(*producer)->Flush().ok()) return 1;
  }
  std::printf("rebuild: %lld synthetic events in %s (6 partitions)\n",
              static_cast<long long>(events), topic.c_str());
  std::vector<double> raw, built;
  for (int r = 0; r < repeat; ++r) {
    // Raw: the same consumer settings, records taken and dropped.
    kafka::Consumer::Options co;
    co.kafka = ko;
    auto consumer = kafka::Consumer::Create(co);
    std::vector<kafka::TopicPartitionOffset> all;
    for (int32_t p = 0; p < layout.partitions; ++p) all.push_back({topic, p, 0});
    if (!(*consumer)->Assign(all).ok()) return 1;
    const auto t = SteadyClock::now();
    int64_t n = 0;
    while (n < events) {
      auto b = (*consumer)->Poll(5000, std::chrono::milliseconds(1000));
      if (!b.ok()) return 1;
      n += static_cast<int64_t>(b->messages.size());
    }
    raw.push_back(events / Seconds(t));

    consumers::ProjectorOptions o;
    o.kafka = ko;
    o.layout = layout;
    o.context = "cases";
    o.data_dir = (fs::temp_directory_path() / layout.prefix).string();
    o.max_batch = 5000;
    const std::string dir = o.data_dir + "/gen";
    std::atomic<bool> stop{false};
    const auto t2 = SteadyClock::now();
    if (Status s = consumers::BuildUntil(projections::CaseProjection(), o, dir, {}, nullptr, stop); !s.ok()) {
      std::cerr << s << "\n";
      return 1;
    }
    built.push_back(events / Seconds(t2));
    fs::remove_all(o.data_dir);
    std::printf("  run %d: raw consumer %.0f events/s, rebuild %.0f events/s\n", r + 1,
                raw.back(), built.back());
  }
  std::printf("  median: raw consumer %.0f events/s, rebuild %.0f events/s (rebuild/raw %.3f)\n",
              Median(raw), Median(built), Median(built) / Median(raw));
  if (json_out) {
    auto list = [](const std::vector<double>& v) {
      std::string s = "[";
      for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(std::lround(v[i]));
      return s + "]";
    };
    std::fprintf(json_out,
                 "{\"bench\":\"rebuild\",\"events\":%lld,\"raw_per_s\":%s,"
                 "\"rebuild_per_s\":%s}\n",
                 static_cast<long long>(events), list(raw).c_str(), list(built).c_str());
    std::fflush(json_out);
  }
  (*admin)->DeleteTopics({topic, layout.CommandsTopic("cases"), layout.ResultsTopic()}).IgnoreError();
  return 0;
}

// Indexes `cases` synthetic cases into the empty `store` through
// ProjectionApplier, prints the rates and compacts the store. False on an
// error (an Apply error is printed).
bool IndexCases(const projections::CaseProjection& projection, projections::ReadStore* store,
                uint64_t cases) {
  aggregates::SyntheticOptions so;
  so.partitions = 6;
  so.accounts = 1000;
  so.seed = 42;
  // The rebuild path without Kafka: records through ProjectionApplier
  // (decode, project, two lanes, one WriteBatch per lane and batch).
  aggregates::SyntheticCases gen(so);
  consumers::ProjectionApplier applier(projection, store);
  if (!applier.Load().ok()) return false;
  const auto t = SteadyClock::now();
  int64_t n = 0;
  uint64_t opened_cases = 0;
  std::map<int32_t, int64_t> next_offset;
  while (opened_cases < cases) {
    std::vector<kafka::Message> batch;
    while (batch.size() < 5000) {
      fb::EventEnvelopeT e = gen.Next();
      if (e.event.type == fb::Event::CaseOpened) {
        if (opened_cases == cases) continue;
        ++opened_cases;
      }
      kafka::Message m;
      m.partition = gen.PartitionOf(e);
      m.offset = next_offset[m.partition]++;
      m.key = e.aggregate_id;
      m.value = events::EncodeEvent(e);
      batch.push_back(std::move(m));
      ++n;
      if (opened_cases == cases) break;
    }
    if (auto r = applier.Apply(batch, {}); !r.ok()) {
      std::cerr << r.status() << "\n";
      return false;
    }
  }
  const double secs = Seconds(t);
  std::printf("indexing: %llu cases (%lld events) in %.0f s: %.0f events/s, %.0f documents/s\n",
              static_cast<unsigned long long>(opened_cases), static_cast<long long>(n), secs,
              n / secs, opened_cases / secs);
  rocksdb::CompactRangeOptions compact;
  compact.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;
  for (int f = 0; f < store->family_count(); ++f) {
    store->db()->CompactRange(compact, store->handle(projections::Family(f)), nullptr, nullptr)
        .PermitUncheckedError();
  }
  const uint64_t bytes = DirectoryBytes(store->dir());
  std::printf("store: %.1f MB after a full compaction, %.0f bytes per case\n", bytes / 1e6,
              static_cast<double>(bytes) / static_cast<double>(opened_cases));
  // Where the bytes are: each family's table files, per case.
  std::printf("  by family (bytes per case):");
  for (int f = 0; f < store->family_count(); ++f) {
    uint64_t sst = 0;
    store->db()->GetIntProperty(store->handle(projections::Family(f)),
                                "rocksdb.total-sst-files-size", &sst);
    std::printf(" %s %.0f", store->handle(projections::Family(f))->GetName().c_str(),
                static_cast<double>(sst) / static_cast<double>(opened_cases));
  }
  std::printf("\n");
  if (json_out) {
    std::fprintf(json_out,
                 "{\"bench\":\"indexing\",\"cases\":%llu,\"events\":%lld,\"seconds\":%.1f,"
                 "\"events_per_s\":%.0f,\"documents_per_s\":%.0f,\"store_bytes\":%llu}\n",
                 static_cast<unsigned long long>(opened_cases), static_cast<long long>(n), secs,
                 n / secs, opened_cases / secs, static_cast<unsigned long long>(bytes));
    std::fflush(json_out);
  }
  return true;
}

// Case numbers that exist in the store and their accounts, index for index.
struct SampledCases {
  std::vector<std::string> numbers;
  std::vector<std::string> accounts;
};

// Samples up to 2000 existing cases of a store of `cases` cases.
SampledCases SampleCases(const projections::CaseQueries& q, const projections::Scope& staff,
                         uint64_t cases) {
  std::mt19937_64 rng(1);
  SampledCases s;
  // Case numbers that exist: counter × 6 + partition, counters up to cases/6.
  for (int i = 0; i < 2000; ++i) {
    const uint64_t counter = 1 + rng() % (cases / 6);
    const std::string n = aggregates::FormatCaseNumber(counter, static_cast<int32_t>(rng() % 6), 6);
    auto c = q.GetCase(staff, n);
    if (!c.ok()) continue;
    s.numbers.push_back(n);
    s.accounts.push_back((*c)["account_id"].get<std::string>());
  }
  return s;
}

// Prints the latencies of get case, list pages and overview; adds what they
// return to `sink`.
void MeasureLookups(const projections::CaseQueries& q, const SampledCases& s,
                    const projections::Scope& staff, size_t& sink) {
  Print("get case (customer)", Measure(s.numbers.size(), [&](size_t i) {
          sink += q.GetCase({false, {s.accounts[i]}}, s.numbers[i])->size();
        }));
  Print("list page of 25 (customer)", Measure(s.numbers.size(), [&](size_t i) {
          projections::ListQuery lq;
          sink += q.List({false, {s.accounts[i]}}, lq)->rows.size();
        }));
  Print("list page of 25, state=OPEN (staff)", Measure(500, [&](size_t) {
          projections::ListQuery lq;
          lq.states = {fb::CaseState::Open};
          sink += q.List(staff, lq)->rows.size();
        }));
  Print("overview (customer)", Measure(s.numbers.size(), [&](size_t i) {
          sink += q.Overview({false, {s.accounts[i]}}, {})->size();
        }));
}

// Prints the latencies of every search query class of issue 15, for a
// customer (the sampled case's account) and for staff; adds what they
// return to `sink`.
void MeasureSearches(const projections::CaseQueries& q, const SampledCases& s,
                     const projections::Scope& staff, size_t& sink) {
  // Synthetic text draws a third of its words from 20,000 rare ones
  // ("w<n>") and the rest from 48 common ones, each in about half of all
  // cases: two common words are the worst case (a quarter of the scope
  // matches and is scored).
  const std::vector<std::string> two_words = {"router speed", "invoice refund", "fiber outage",
                                              "backup office", "slow evening"};
  const std::vector<std::string> one_word = {"router", "invoice", "fiber", "backup", "slow"};
  const std::vector<std::string> two_letters = {"ro", "in", "fi", "ba", "sl", "wi", "ch"};
  struct Class {
    std::string name;
    std::function<std::string(size_t)> query;
  };
  const std::vector<Class> classes = {
      {"1 common word", [&](size_t i) { return one_word[i % one_word.size()]; }},
      {"2 common words", [&](size_t i) { return two_words[i % two_words.size()]; }},
      {"common + rare word", [&](size_t i) { return "router w" + std::to_string(i * 97 % 20000); }},
      {"2-letter prefix", [&](size_t i) { return two_letters[i % two_letters.size()]; }},
      {"common word + 2-letter prefix",
       [&](size_t i) { return one_word[i % one_word.size()] + " " + two_letters[i % two_letters.size()]; }},
      {"case number prefix (8 digits)", [&](size_t i) { return s.numbers[i].substr(0, 10); }},
  };
  const size_t n = std::min<size_t>(s.numbers.size(), 1000);
  for (const auto& c : classes) {
    Print("search, " + c.name + " (customer)", Measure(n, [&](size_t i) {
            projections::SearchQuery sq;
            sq.q = c.query(i);
            sink += q.Search({false, {s.accounts[i]}}, sq)->rows.size();
          }));
    Print("search, " + c.name + " (staff)", Measure(n, [&](size_t i) {
            projections::SearchQuery sq;
            sq.q = c.query(i);
            sink += q.Search(staff, sq)->rows.size();
          }));
  }
}

// Runs one staff search 1000 times on the kept store (for a profiler).
int OneQuery(const std::string& store_dir, const std::string& text) {
  const projections::CaseProjection cases_projection;
  auto opened = projections::OpenStore(cases_projection, store_dir);
  if (!opened.ok()) {
    std::cerr << opened.status() << "\n";
    return 1;
  }
  projections::CaseQueries q(opened->get());
  size_t sink = 0;
  Print("search '" + text + "' (staff)", Measure(1000, [&](size_t) {
          projections::SearchQuery sq;
          sq.q = text;
          sink += q.Search({true, {}}, sq)->rows.size();
        }));
  return sink == 0;
}

// Builds the query store when it is missing, then measures queries on it.
int Queries(const std::string& store_dir, uint64_t cases) {
  const bool fresh = !fs::exists(store_dir);
  const projections::CaseProjection cases_projection;
  auto opened = projections::OpenStore(cases_projection, store_dir);
  if (!opened.ok()) {
    std::cerr << opened.status() << "\n";
    return 1;
  }
  std::unique_ptr<projections::ReadStore> store = std::move(*opened);
  if (fresh) {
    if (!IndexCases(cases_projection, store.get(), cases)) return 1;
  } else {
    std::printf("queries on the existing store %s\n", store_dir.c_str());
  }
  projections::CaseQueries q(store.get());
  const projections::Scope staff{true, {}};
  const SampledCases sample = SampleCases(q, staff, cases);
  if (sample.numbers.size() < 100) {
    std::cerr << "store has too few cases\n";
    return 1;
  }
  std::printf("queries (%zu sampled cases; customers are single accounts of 1000):\n",
              sample.numbers.size());
  size_t sink = 0;
  MeasureLookups(q, sample, staff, sink);
  MeasureSearches(q, sample, staff, sink);
  std::printf("  (checksum %zu)\n", sink);
  return 0;
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) {
  CLI::App app{"projection_bench: rebuild, indexing and query benchmarks of the read models"};
  std::string brokers = "127.0.0.1:9092";
  int64_t events = 1'000'000;
  uint64_t cases = 1'000'000;
  int repeat = 3;
  std::string store = (std::filesystem::temp_directory_path() / "docket-bench-store").string();
  bool skip_rebuild = false, skip_queries = false;
  std::string json_path;
  app.add_option("--brokers", brokers)->capture_default_str();
  app.add_option("--events", events, "Events in the rebuild topic")->capture_default_str();
  app.add_option("--repeat", repeat, "Rebuild runs (median)")->capture_default_str();
  app.add_option("--cases", cases, "Cases in the query store")->capture_default_str();
  app.add_option("--store", store, "Query store directory (kept)")->capture_default_str();
  app.add_flag("--skip-rebuild", skip_rebuild);
  app.add_flag("--skip-queries", skip_queries);
  app.add_option("--json", json_path, "Also append every figure to this file as JSON lines");
  std::string one_query;
  app.add_option("--query", one_query,
                 "Only this staff search on the kept store, 1000 times (to profile it)");
  CLI11_PARSE(app, argc, argv);
  if (!json_path.empty()) {
    docket::json_out = std::fopen(json_path.c_str(), "a");
    if (!docket::json_out) {
      std::cerr << "cannot open " << json_path << "\n";
      return 1;
    }
  }
  spdlog::set_level(spdlog::level::warn);
  if (!one_query.empty()) return docket::OneQuery(store, one_query);
  if (!skip_rebuild && docket::Rebuild(brokers, events, repeat) != 0) return 1;
  if (!skip_queries && docket::Queries(store, cases) != 0) return 1;
  return 0;
}
