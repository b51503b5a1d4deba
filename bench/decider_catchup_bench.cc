// How long a decider that lost its state store takes to catch up from the
// log, and how much memory it needs, with its catch-up written in bounded
// chunks (--flush N events, the default 10,000) or all at once (--flush 0,
// the way it was before: every state of the partitions in one in-memory
// batch inside the rebalance callback).
//
//   tools/kafka/local-kafka.sh start
//   build/bench/decider_catchup_bench --brokers B --cases 1000000 --prefix P --load
//   build/bench/decider_catchup_bench --brokers B --prefix P --flush 10000
//   build/bench/decider_catchup_bench --brokers B --prefix P --flush 0
//
// --load writes the synthetic histories of --cases cases to P's events
// topic (aggregates/cases/synthetic.h) and exits; every other run starts one
// decider on an empty store, times the first command it decides (which
// waits for the catch-up of all six partitions) and prints the process's
// peak resident memory (VmHWM). Run each setting in its own process.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "aggregates/cases/case_handler.h"
#include "aggregates/cases/synthetic.h"
#include "consumers/command_bus.h"
#include "consumers/decider.h"
#include "events/envelope.h"

namespace docket {
namespace {

// A line of /proc/self/status, e.g. "VmHWM:  123456 kB" -> 123456.
long StatusKb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

int Load(const kafka::KafkaOptions& ko, const events::TopicLayout& layout, int64_t cases) {
  auto admin = kafka::Admin::Create(ko);
  if (!admin.ok() || !(*admin)->EnsureTopics(events::AllTopicSpecs(layout)).ok()) {
    std::cerr << "cannot create topics\n";
    return 69;
  }
  kafka::Producer::Options po;
  po.kafka = ko;
  po.linger_ms = 20;
  auto producer = kafka::Producer::Create(po);
  if (!producer.ok()) return 69;
  aggregates::SyntheticOptions so;
  so.partitions = layout.partitions;
  so.accounts = 1000;
  aggregates::SyntheticCases gen(so);
  const std::string topic = layout.EventsTopic("cases");
  int64_t events = 0;
  while (static_cast<int64_t>(gen.cases_opened()) < cases) {
    fb::EventEnvelopeT e = gen.Next();
    kafka::Record r{topic, gen.PartitionOf(e), e.aggregate_id, events::EncodeEvent(e), {}};
    if (!(*producer)->Produce(r, [](const kafka::Delivery&) {}).ok()) return 69;
    ++events;
  }
  if (!(*producer)->Flush().ok()) return 69;
  std::printf("loaded %lld events of %lld cases into %s\n", static_cast<long long>(events),
              static_cast<long long>(cases), topic.c_str());
  return 0;
}

int CatchUp(const kafka::KafkaOptions& ko, const events::TopicLayout& layout, size_t flush) {
  auto catalog = aggregates::Catalog::Load(DOCKET_CATALOG_PATH);
  aggregates::CaseHandler handler(&*catalog, aggregates::CaseLimits{});
  consumers::DeciderOptions dopt;
  dopt.kafka = ko;
  dopt.layout = layout;
  dopt.instance_id = "catchup-" + std::to_string(std::random_device{}());
  dopt.group_id = "catchup-bench-" + dopt.instance_id;
  dopt.data_dir = (std::filesystem::temp_directory_path() / dopt.instance_id).string();
  dopt.catch_up_flush_events = flush == 0 ? SIZE_MAX : flush;
  const long rss_before = StatusKb("VmRSS");
  consumers::Decider decider(dopt, handler, SystemClock::Default());
  std::atomic<bool> stop{false}, failed{false};
  const auto t0 = std::chrono::steady_clock::now();
  std::thread decider_thread([&] {
    if (Status s = decider.Run(stop); !s.ok()) {
      std::cerr << "decider: " << s << "\n";
      failed = true;
    }
  });
  consumers::CommandBusOptions bopt;
  bopt.kafka = ko;
  bopt.layout = layout;
  auto bus = consumers::CommandBus::Create(bopt, handler);
  if (!bus.ok()) return 69;
  fb::OpenCaseT o;
  o.account_id = "acc-1";
  o.case_type = "technical-support";
  o.category = "internet";
  o.subject = "After the catch-up";
  o.description = "The first command a caught-up decider decides.";
  fb::ActorT actor;
  actor.user_id = "u-bench";
  actor.role = fb::Role::Customer;
  actor.account_ids = {"acc-1"};
  fb::CommandEnvelopeT c = events::MakeCommand("", std::move(actor), 0);
  c.command_id = "first-" + dopt.instance_id;
  c.command.Set(std::move(o));
  // The same command id until decided (a repeat is deduplicated).
  Result<consumers::CommandOutcome> out = UnavailableError("not sent");
  while (!failed && (!out.ok() || !out->decided)) {
    out = (*bus)->Submit(c, std::chrono::seconds(5));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop = true;
  decider.Wake();
  decider_thread.join();
  std::filesystem::remove_all(dopt.data_dir);
  if (!out.ok() || !out->decided) {
    std::cerr << "the first command was not decided\n";
    return 70;
  }
  std::printf("flush %s: caught up and decided in %.1f s; peak RSS %ld MiB (%ld MiB before)\n",
              flush == 0 ? "none (one batch)" : std::to_string(flush).c_str(), seconds,
              StatusKb("VmHWM") / 1024, rss_before / 1024);
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{"decider catch-up benchmark"};
  std::string brokers = "127.0.0.1:9092", prefix;
  int64_t cases = 1'000'000;
  size_t flush = consumers::DeciderOptions{}.catch_up_flush_events;
  bool load = false;
  app.add_option("--brokers", brokers)->capture_default_str();
  app.add_option("--prefix", prefix, "Topic prefix (shared by the --load run and the others)")
      ->required();
  app.add_option("--cases", cases, "Cases to load")->capture_default_str();
  app.add_option("--flush", flush, "catch_up_flush_events; 0: one batch")->capture_default_str();
  app.add_flag("--load", load, "Load the events and exit");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  events::TopicLayout layout;
  layout.prefix = prefix;
  kafka::KafkaOptions ko;
  ko.brokers = brokers;
  return load ? Load(ko, layout, cases) : CatchUp(ko, layout, flush);
}

}  // namespace
}  // namespace docket

int main(int argc, char** argv) { return docket::Main(argc, argv); }
