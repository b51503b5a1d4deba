// Commands per second through the command bus (produce command -> decider
// transaction -> result) at 1, 16 and 64 concurrent submitters, with ack
// latency p50/p99, against the raw rate of the same librdkafka producer
// settings (idempotent, acks=all, linger.ms=1) and record size, measured in
// the same run on the same broker.
//
//   tools/kafka/local-kafka.sh start
//   build/bench/command_bus_bench [--brokers 127.0.0.1:9092] [--seconds 10]
//
// The decider runs in this process (one instance, 6 partitions, RocksDB
// state store in a temporary directory); each submitter waits for its
// result before sending the next command, as a web request would.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "aggregates/cases/case_handler.h"
#include "consumers/command_bus.h"
#include "consumers/decider.h"
#include "events/envelope.h"

namespace docket {
namespace {

using Clock = std::chrono::steady_clock;

struct Sample {
  double per_second = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  size_t n = 0;
};

Sample Summarize(std::vector<double> latencies_ms, double seconds) {
  Sample s;
  s.n = latencies_ms.size();
  if (s.n == 0) return s;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  s.per_second = s.n / seconds;
  s.p50_ms = latencies_ms[s.n / 2];
  s.p99_ms = latencies_ms[std::min(s.n - 1, s.n * 99 / 100)];
  return s;
}

// Runs `op` from `threads` threads for `seconds`; returns per-op latencies.
Sample Load(int threads, double seconds, const std::function<bool(int, int)>& op) {
  std::mutex mu;
  std::vector<double> all;
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  const auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::vector<double> mine;
      for (int i = 0; Clock::now() < end; ++i) {
        auto t0 = Clock::now();
        if (!op(t, i)) continue;
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
      std::lock_guard<std::mutex> lock(mu);
      all.insert(all.end(), mine.begin(), mine.end());
    });
  }
  for (auto& th : pool) th.join();
  return Summarize(std::move(all),
                   std::chrono::duration<double>(Clock::now() - start).count());
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

int Main(int argc, char** argv) {
  CLI::App app{"command bus benchmark"};
  std::string brokers = "127.0.0.1:9092";
  double seconds = 10;
  std::vector<int> levels = {1, 16, 64};
  app.add_option("--brokers", brokers)->capture_default_str();
  app.add_option("--seconds", seconds, "Per measurement")->capture_default_str();
  app.add_option("--submitters", levels, "Concurrency levels")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  events::TopicLayout layout;
  layout.prefix = "bench-" + std::to_string(std::random_device{}());
  kafka::KafkaOptions ko;
  ko.brokers = brokers;
  auto admin = kafka::Admin::Create(ko);
  if (!admin.ok() || !(*admin)->EnsureTopics(events::AllTopicSpecs(layout)).ok()) {
    std::cerr << "cannot create topics on " << brokers << "\n";
    return 69;
  }
  const std::string raw_topic = layout.prefix + ".raw";
  if (!(*admin)->CreateTopics({{raw_topic, layout.partitions, 1, {}}}).ok()) return 69;

  auto catalog = aggregates::Catalog::Load(DOCKET_CATALOG_PATH);
  aggregates::CaseHandler handler(&*catalog, aggregates::CaseLimits{});
  consumers::DeciderOptions dopt;
  dopt.kafka = ko;
  dopt.layout = layout;
  dopt.instance_id = "bench";
  dopt.data_dir = (std::filesystem::temp_directory_path() / layout.prefix).string();
  consumers::Decider decider(dopt, handler, SystemClock::Default());
  std::atomic<bool> stop{false};
  std::thread decider_thread([&] { decider.Run(stop).IgnoreError(); });

  consumers::CommandBusOptions bopt;
  bopt.kafka = ko;
  bopt.layout = layout;
  auto bus = consumers::CommandBus::Create(bopt, handler);
  if (!bus.ok()) return 69;

  // 500 cases to comment on.
  std::vector<std::string> cases;
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
      std::cerr << "opening cases failed\n";
      return 70;
    }
    cases.push_back(r->result.aggregate_id);
  }
  const size_t record_bytes = events::EncodeCommand(Comment("cmd-0-0-0", cases[0])).size();

  kafka::Producer::Options popt;
  popt.kafka = ko;
  popt.linger_ms = 1;
  auto raw = kafka::Producer::Create(popt);

  std::cout << "record size " << record_bytes << " bytes, " << seconds
            << " s per measurement, brokers " << brokers << "\n\n";
  std::cout << "| submitters | raw produce+ack/s | raw p50 ms | raw p99 ms | bus commands/s | "
               "bus p50 ms | bus p99 ms | bus/raw |\n|---|---|---|---|---|---|---|---|\n";
  for (int level : levels) {
    Sample r = Load(level, seconds, [&](int t, int i) {
      std::string value = events::EncodeCommand(
          Comment("raw-" + std::to_string(level) + "-" + std::to_string(t) + "-" +
                      std::to_string(i),
                  cases[(t * 7919 + i) % cases.size()]));
      return (*raw)->Produce({raw_topic, (t + i) % layout.partitions, cases[0], value})
          .get()
          .status.ok();
    });
    Sample b = Load(level, seconds, [&](int t, int i) {
      auto out = (*bus)->Submit(
          Comment("cmd-" + std::to_string(level) + "-" + std::to_string(t) + "-" +
                      std::to_string(i),
                  cases[(t * 7919 + i) % cases.size()]),
          std::chrono::seconds(30));
      return out.ok() && out->decided && out->result.code == fb::ResultCode::Accepted;
    });
    std::printf("| %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f |\n", level,
                r.per_second, r.p50_ms, r.p99_ms, b.per_second, b.p50_ms, b.p99_ms,
                r.per_second > 0 ? b.per_second / r.per_second : 0.0);
    std::fflush(stdout);
  }
  stop = true;
  decider_thread.join();
  std::filesystem::remove_all(dopt.data_dir);
  std::vector<std::string> topics;
  for (const auto& s : events::AllTopicSpecs(layout)) topics.push_back(s.name);
  topics.push_back(raw_topic);
  (*admin)->DeleteTopics(topics).IgnoreError();
  return 0;
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) { return docket::Main(argc, argv); }
