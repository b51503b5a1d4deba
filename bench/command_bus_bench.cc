// The command path against a raw acked produce of the same record size and
// settings (idempotent, acks=all, linger.ms=0), measured in the same run on
// the same broker:
//   - closed loop: 1, 16 and 64 submitters, each waiting for its result
//     before sending the next command, as a web request would;
//   - open loop: offered rates (commands/s, scheduled ahead of time, sent
//     with SubmitAsync so hundreds can be in flight); latency counts from
//     the scheduled time, so a stall shows in the tail instead of slowing
//     the sender. The highest rate the bus keeps up with is its saturation.
//   - raw transactions: the decider's transaction with nothing to decide
//     (begin, a record acked, a record to a second topic acked, offsets,
//     commit), one at a time, with as many transactional producers taking
//     turns as the decider has: what Kafka's exactly-once costs a lone
//     command before the engine adds anything; and the same with a record
//     to every partition per step, as a busy batch writes.
// Each for 1 and 2 decider producers (DeciderOptions::producers), in the
// order given: the second runs on the topics and state store the first
// left, and measures lower near saturation, so compare orders across runs.
// Failed, rejected and undecided commands are counted and reported, never
// skipped.
//
//   tools/kafka/local-kafka.sh start
//   build/bench/command_bus_bench [--brokers 127.0.0.1:9092] [--seconds 10]
//       [--submitters 1,16,64] [--rates 500,1000,2000,4000] [--decider-producers 1,2]
//       [--partitions 6] [--max-batch 10000] [--json FILE]
//
// The decider runs in this process (one instance, --partitions, RocksDB
// state store in a temporary directory).
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "aggregates/cases/case_handler.h"
#include "common/status.h"
#include "consumers/command_bus.h"
#include "consumers/decider.h"
#include "events/envelope.h"
#include "events/kafka.h"

namespace docket {
namespace {

using Clock = std::chrono::steady_clock;

struct Sample {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  size_t n = 0;       // succeeded
  size_t errors = 0;  // failed, rejected or undecided
};

Sample Summarize(std::vector<double> latencies_ms, size_t errors, double seconds) {
  Sample s;
  s.n = latencies_ms.size();
  s.errors = errors;
  if (s.n == 0) return s;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  s.per_second = s.n / seconds;
  s.p50_ms = latencies_ms[s.n / 2];
  s.p99_ms = latencies_ms[std::min(s.n - 1, s.n * 99 / 100)];
  s.max_ms = latencies_ms.back();
  return s;
}

double MsSince(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Closed loop: runs `op` from `threads` threads for `seconds`.
Sample ClosedLoop(int threads, double seconds, const std::function<bool(int, int)>& op) {
  std::mutex mu;
  std::vector<double> all;
  size_t errors = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::vector<double> mine;
      size_t failed = 0;
      for (int i = 0; Clock::now() < end; ++i) {
        auto t0 = Clock::now();
        if (op(t, i)) {
          mine.push_back(MsSince(t0));
        } else {
          ++failed;
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      all.insert(all.end(), mine.begin(), mine.end());
      errors += failed;
    });
  }
  for (auto& th : pool) th.join();
  return Summarize(std::move(all), errors,
                   std::chrono::duration<double>(Clock::now() - start).count());
}

// Open loop: op i is started at start + i/rate whether or not earlier ones
// finished; `op(i, done)` starts it and calls done(ok) once, on any thread.
// Latency counts from the scheduled time. Waits for every op to report.
Sample OpenLoop(double rate, double seconds,
                const std::function<void(int, std::function<void(bool)>)>& op) {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<double> all;
  size_t errors = 0, outstanding = 0;
  const auto start = Clock::now();
  const int total = static_cast<int>(rate * seconds);
  for (int i = 0; i < total; ++i) {
    const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(i / rate));
    std::this_thread::sleep_until(due);
    {
      std::lock_guard<std::mutex> lock(mu);
      ++outstanding;
    }
    op(i, [&, due](bool ok) {
      const double ms = MsSince(due);
      std::lock_guard<std::mutex> lock(mu);
      if (ok) {
        all.push_back(ms);
      } else {
        ++errors;
      }
      if (--outstanding == 0) cv.notify_all();
    });
  }
  // Every op reports exactly once (the bus's callbacks do, at the latest
  // when their wait ends), so wait for all: the callbacks use this frame.
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return outstanding == 0; });
  // Throughput over the offered window plus the time the last ones took.
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> copy = all;
  lock.unlock();
  return Summarize(std::move(copy), errors, std::max(seconds, elapsed));
}

fb::CommandEnvelopeT Comment(const std::string& id, const std::string& number) {
  fb::AddCommentT a;
  a.body = "The line dropped again at 19:02, modem lights all green, speed test 2 Mbit/s.";
  fb::ActorT actor;
  actor.user_id = "u-bench";
  actor.role = fb::Role::Customer;
  actor.account_ids = {"acc-1"};
  fb::CommandEnvelopeT c = events::MakeCommand(number, std::move(actor), /*issued_at_us=*/0);
  c.command_id = id;
  c.command.Set(std::move(a));
  return c;
}

// One in-process decider with `producers` transactional producers.
class RunningDecider {
 public:
  RunningDecider(consumers::DeciderOptions options, const aggregates::AggregateHandler& h)
      : decider_(std::move(options), h, SystemClock::Default()),
        thread_([this] { decider_.Run(stop_).IgnoreError(); }) {}
  ~RunningDecider() {
    stop_ = true;
    decider_.Wake();
    thread_.join();
  }
  const consumers::Decider::Stats& stats() const { return decider_.stats(); }

 private:
  std::atomic<bool> stop_{false};
  consumers::Decider decider_;
  std::thread thread_;
};

// The decider's transaction with nothing to decide: the floor under a
// command's latency on this broker. `producers` transactional producers
// take turns, as the decider's do; each round is begin, one record to
// each of `spread` partitions of `events_topic` and their acknowledgements
// (AddPartitionsToTxn, produce), the same for `results_topic`, consumed
// offsets with a group's metadata (AddOffsetsToTxn, TxnOffsetCommit),
// commit (EndTxn). A lone command's transaction has a spread of 1; a busy
// decider's batch touches up to every partition it owns. One round at a
// time, for `seconds`. An error when the producers or the consumer cannot
// be set up; a failed round is counted in errors.
struct ChainSample {
  Sample whole;
  Sample events, results, commit;  // per step: acknowledged / committed
};

Result<ChainSample> RawTransactions(const kafka::KafkaOptions& ko, const std::string& prefix,
                                    const std::string& events_topic,
                                    const std::string& results_topic, int partitions,
                                    int spread, int producers, const std::string& value,
                                    double seconds) {
  kafka::Consumer::Options co;
  co.kafka = ko;
  co.group_id = prefix + ".raw-txn";
  DOCKET_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(co));
  std::vector<std::unique_ptr<kafka::Producer>> txn;
  for (int k = 0; k < producers; ++k) {
    kafka::Producer::Options po;
    po.kafka = ko;
    po.transactional_id = prefix + ".raw-txn-" + std::to_string(k);
    po.linger_ms = 0;
    DOCKET_ASSIGN_OR_RETURN(auto p, kafka::Producer::Create(po));
    DOCKET_RETURN_IF_ERROR(p->InitTransactions());
    DOCKET_RETURN_IF_ERROR(p->Prepare({events_topic, results_topic}));
    txn.push_back(std::move(p));
  }
  std::vector<double> whole, events, results, commit;
  size_t errors = 0;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  for (int i = 0; Clock::now() < end; ++i) {
    kafka::Producer& p = *txn[static_cast<size_t>(i % producers)];
    const int32_t partition = i % partitions;
    const auto t0 = Clock::now();
    double acked[2] = {0, 0};  // ms since t0: the first step, the second
    // One record to each of `spread` partitions, all acknowledged.
    auto step = [&](const std::string& topic) {
      std::vector<std::future<kafka::Delivery>> sent;
      for (int j = 0; j < spread; ++j) {
        sent.push_back(p.Produce({topic, (partition + j) % partitions, "raw", value}));
      }
      bool ok = true;
      for (auto& f : sent) ok = f.get().status.ok() && ok;
      return ok;
    };
    auto round = [&] {
      if (!p.BeginTransaction().ok()) return false;
      if (!step(events_topic)) return false;
      acked[0] = MsSince(t0);
      if (!step(results_topic)) return false;
      acked[1] = MsSince(t0);
      return p.SendOffsetsToTransaction({{events_topic, partition, i + 1}}, *consumer).ok() &&
             p.CommitTransaction().ok();
    };
    if (!round()) {
      p.AbortTransaction().IgnoreError();
      ++errors;
      continue;
    }
    whole.push_back(MsSince(t0));
    events.push_back(acked[0]);
    results.push_back(acked[1] - acked[0]);
    commit.push_back(whole.back() - acked[1]);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  ChainSample out;
  out.whole = Summarize(std::move(whole), errors, elapsed);
  out.events = Summarize(std::move(events), 0, elapsed);
  out.results = Summarize(std::move(results), 0, elapsed);
  out.commit = Summarize(std::move(commit), 0, elapsed);
  return out;
}

void Emit(std::ofstream* json, nlohmann::json row) {
  if (json == nullptr) return;
  *json << row.dump() << "\n";
  json->flush();
}

nlohmann::json Row(const Sample& s) {
  return {{"per_s", s.per_second}, {"p50_ms", s.p50_ms}, {"p99_ms", s.p99_ms},
          {"max_ms", s.max_ms},    {"ok", s.n},          {"errors", s.errors}};
}

int Main(int argc, char** argv) {
  CLI::App app{"command bus benchmark"};
  std::string brokers = "127.0.0.1:9092";
  double seconds = 10;
  std::vector<int> levels = {1, 16, 64};
  std::vector<double> rates = {500, 1000, 2000, 4000};
  std::vector<int> producer_counts = {1, 2};
  std::string json_path;
  size_t max_batch = consumers::DeciderOptions{}.max_batch;
  int partitions = events::TopicLayout{}.partitions;
  app.add_option("--brokers", brokers)->capture_default_str();
  app.add_option("--seconds", seconds, "Per measurement")->capture_default_str();
  app.add_option("--submitters", levels, "Closed-loop concurrency levels")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--rates", rates, "Open-loop offered rates, commands/s")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--decider-producers", producer_counts, "Decider producers to compare")
      ->delimiter(',')
      ->check(CLI::Range(1, 2))
      ->capture_default_str();
  app.add_option("--partitions", partitions,
                 "Partitions of the bench's topics (commands, events, results, raw)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  app.add_option("--max-batch", max_batch, "Commands per decider transaction, at most")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  app.add_option("--json", json_path, "Also write JSON lines (bench/report.py reads them)");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  std::unique_ptr<std::ofstream> json;
  if (!json_path.empty()) json = std::make_unique<std::ofstream>(json_path, std::ios::app);

  events::TopicLayout layout;
  layout.prefix = "bench-" + std::to_string(std::random_device{}());
  layout.partitions = partitions;
  kafka::KafkaOptions ko;
  ko.brokers = brokers;
  auto admin = kafka::Admin::Create(ko);
  if (!admin.ok() || !(*admin)->EnsureTopics(events::AllTopicSpecs(layout)).ok()) {
    std::cerr << "command_bus_bench: cannot create topics on " << brokers << "\n";
    return 69;
  }
  const std::string raw_topic = layout.prefix + ".raw";
  const std::string raw_results_topic = raw_topic + "-results";  // raw transactions, 2nd step
  if (!(*admin)->CreateTopics({{raw_topic, layout.partitions, 1, {}},
                               {raw_results_topic, layout.partitions, 1, {}}})
           .ok()) {
    return 69;
  }

  auto catalog = aggregates::Catalog::Load(DOCKET_CATALOG_PATH);
  aggregates::CaseHandler handler(&*catalog, aggregates::CaseLimits{});
  consumers::DeciderOptions dopt;
  dopt.kafka = ko;
  dopt.layout = layout;
  dopt.instance_id = "bench";
  dopt.max_batch = max_batch;
  dopt.data_dir = (std::filesystem::temp_directory_path() / layout.prefix).string();

  consumers::CommandBusOptions bopt;
  bopt.kafka = ko;
  bopt.layout = layout;
  auto bus = consumers::CommandBus::Create(bopt, handler);
  if (!bus.ok()) {
    std::cerr << "command_bus_bench: " << bus.status() << "\n";
    return 69;
  }

  // 500 cases to comment on.
  std::vector<std::string> cases;
  {
    RunningDecider decider(dopt, handler);
    for (int i = 0; i < 500; ++i) {
      fb::OpenCaseT o;
      o.account_id = "acc-1";
      o.case_type = "technical-support";
      o.category = "internet";
      o.subject = "Line drops";
      o.description = "Every evening.";
      fb::CommandEnvelopeT c = Comment("open-" + std::to_string(i), "");
      c.command.Set(std::move(o));
      auto r = (*bus)->Submit(c, std::chrono::seconds(60));
      if (!r.ok() || !r->decided) {
        std::cerr << "command_bus_bench: opening cases failed\n";
        return 70;
      }
      cases.push_back(r->result.aggregate_id);
    }
  }
  const size_t record_bytes = events::EncodeCommand(Comment("cmd-0-0-0", cases[0])).size();

  kafka::Producer::Options popt;
  popt.kafka = ko;
  popt.linger_ms = 0;
  auto raw = kafka::Producer::Create(popt);
  if (!raw.ok()) return 69;
  std::atomic<uint64_t> seq{0};
  auto raw_value = [&](int i) {
    return events::EncodeCommand(
        Comment("raw-" + std::to_string(seq++), cases[static_cast<size_t>(i) % cases.size()]));
  };
  auto command = [&](int i) {
    return Comment("cmd-" + std::to_string(seq++),
                   cases[(static_cast<size_t>(i) * 7919) % cases.size()]);
  };
  auto accepted = [](const Result<consumers::CommandOutcome>& out) {
    return out.ok() && out->decided && out->result.code == fb::ResultCode::Accepted;
  };

  std::cout << "record size " << record_bytes << " bytes, " << partitions << " partitions, "
            << seconds
            << " s per measurement, brokers " << brokers << "\n";
  Emit(json.get(), {{"bench", "command_bus"}, {"kind", "setup"}, {"record_bytes", record_bytes},
                    {"seconds", seconds}, {"partitions", partitions}});

  std::printf("\n| raw transactions | producers | partitions per step | per s | p50 ms | "
              "p99 ms | max ms | events step p50 | results step p50 | offsets + commit p50 | "
              "errors |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
  const std::string raw_txn_value = raw_value(0);
  for (int producers : producer_counts) {
    for (int spread : std::set<int>{1, layout.partitions}) {
      Result<ChainSample> chain =
          RawTransactions(ko, layout.prefix, raw_topic, raw_results_topic, layout.partitions,
                          spread, producers, raw_txn_value, seconds);
      if (!chain.ok()) {
        std::cerr << "command_bus_bench: raw transactions: " << chain.status() << "\n";
        return 69;
      }
      const ChainSample& c = *chain;
      std::printf(
          "| 1 at a time | %d | %d | %.0f | %.2f | %.2f | %.1f | %.2f | %.2f | %.2f | %zu |\n",
          producers, spread, c.whole.per_second, c.whole.p50_ms, c.whole.p99_ms, c.whole.max_ms,
          c.events.p50_ms, c.results.p50_ms, c.commit.p50_ms, c.whole.errors);
      std::fflush(stdout);
      Emit(json.get(), {{"bench", "command_bus"}, {"kind", "raw_transaction"},
                        {"producers", producers}, {"spread", spread}, {"whole", Row(c.whole)},
                        {"events_p50_ms", c.events.p50_ms},
                        {"results_p50_ms", c.results.p50_ms},
                        {"commit_p50_ms", c.commit.p50_ms}});
    }
  }
  std::cout << "\n| submitters | raw/s | raw p50 | raw p99 | producers | bus/s | "
               "p50 ms | p99 ms | max ms | errors | bus/raw |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|\n";
  std::vector<Sample> raw_closed;
  for (int level : levels) {
    raw_closed.push_back(ClosedLoop(level, seconds, [&](int t, int i) {
      return (*raw)
          ->Produce({raw_topic, (t + i) % layout.partitions, cases[0], raw_value(t * 7919 + i)})
          .get()
          .status.ok();
    }));
  }
  std::vector<Sample> raw_open;
  for (double rate : rates) {
    raw_open.push_back(OpenLoop(rate, seconds, [&](int i, std::function<void(bool)> done) {
      Status s = (*raw)->Produce(
          {raw_topic, i % layout.partitions, cases[0], raw_value(i)},
          [done](const kafka::Delivery& d) { done(d.status.ok()); });
      if (!s.ok()) done(false);
    }));
  }
  // Where the time went, as histogram bucket bounds (ms): p50 and p99 per
  // stage of the decider and the bus, over everything since `decider` began.
  auto print_stages = [&](const consumers::Decider::Stats& stats, int producers) {
    std::printf("\nstages with %d decider producer(s), p50/p99 bucket bounds in ms:", producers);
    nlohmann::json row = {{"bench", "command_bus"}, {"kind", "stages"}, {"producers", producers}};
    auto add = [&](const char* name, const LatencyHistogram& h) {
      std::printf(" %s %g/%g", name, h.Quantile(0.5) * 1e3, h.Quantile(0.99) * 1e3);
      row[name] = {{"p50_ms", h.Quantile(0.5) * 1e3}, {"p99_ms", h.Quantile(0.99) * 1e3},
                   {"n", h.count()}};
    };
    for (int i = 0; i < consumers::Decider::Stats::kStageCount; ++i) {
      add(consumers::Decider::Stats::kStageNames[i], stats.stages[i]);
    }
    std::printf("\n");
    Emit(json.get(), row);
  };
  for (int producers : producer_counts) {
    dopt.producers = producers;
    RunningDecider decider(dopt, handler);
    // Warm-up: the decider owns its partitions again.
    for (int i = 0; i < 20; ++i) (*bus)->Submit(command(i), std::chrono::seconds(60)).status().IgnoreError();
    for (size_t l = 0; l < levels.size(); ++l) {
      Sample b = ClosedLoop(levels[l], seconds, [&](int t, int i) {
        return accepted((*bus)->Submit(command(t * 131 + i), std::chrono::seconds(30)));
      });
      const Sample& r = raw_closed[l];
      std::printf("| %d | %.0f | %.2f | %.2f | %d | %.0f | %.2f | %.2f | %.1f | %zu | %.3f |\n",
                  levels[l], r.per_second, r.p50_ms, r.p99_ms, producers, b.per_second,
                  b.p50_ms, b.p99_ms, b.max_ms, b.errors,
                  r.per_second > 0 ? b.per_second / r.per_second : 0.0);
      std::fflush(stdout);
      Emit(json.get(), {{"bench", "command_bus"}, {"kind", "closed"}, {"submitters", levels[l]},
                        {"producers", producers}, {"raw", Row(r)}, {"bus", Row(b)}});
    }
    std::printf("\n| offered/s | raw/s | raw p50 | raw p99 | producers | bus/s | p50 ms | "
                "p99 ms | max ms | errors | bus/raw |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (size_t k = 0; k < rates.size(); ++k) {
      Sample b = OpenLoop(rates[k], seconds, [&](int i, std::function<void(bool)> done) {
        Status s = (*bus)->SubmitAsync(command(i), std::chrono::seconds(30),
                                       [done, &accepted](Result<consumers::CommandOutcome> o) {
                                         done(accepted(o));
                                       });
        if (!s.ok()) done(false);
      });
      const Sample& r = raw_open[k];
      std::printf("| %.0f | %.0f | %.2f | %.2f | %d | %.0f | %.2f | %.2f | %.1f | %zu | %.3f |\n",
                  rates[k], r.per_second, r.p50_ms, r.p99_ms, producers, b.per_second, b.p50_ms,
                  b.p99_ms, b.max_ms, b.errors,
                  r.per_second > 0 ? b.per_second / r.per_second : 0.0);
      std::fflush(stdout);
      Emit(json.get(), {{"bench", "command_bus"}, {"kind", "open"}, {"offered", rates[k]},
                        {"producers", producers}, {"raw", Row(r)}, {"bus", Row(b)}});
    }
    print_stages(decider.stats(), producers);
  }
  bus->reset();
  std::filesystem::remove_all(dopt.data_dir);
  std::vector<std::string> topics;
  for (const auto& s : events::AllTopicSpecs(layout)) topics.push_back(s.name);
  topics.push_back(raw_topic);
  topics.push_back(raw_results_topic);
  (*admin)->DeleteTopics(topics).IgnoreError();
  return 0;
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) { return docket::Main(argc, argv); }
