// docketctl load: writes synthetic case histories (aggregates/cases/synthetic.h)
// straight to a context's events topic, for benchmarks and tests of the
// read side. It bypasses the deciders, so it refuses the default "docket"
// topic prefix unless --i-know: never point it at a production log.
#include <atomic>
#include <cinttypes>
#include <iostream>

#include "aggregates/cases/synthetic.h"
#include "events/topics.h"
#include "tools/docketctl/commands.h"

namespace docket::ctl {
namespace {

struct LoadFlags {
  ConnectionFlags conn;
  std::string prefix;
  int32_t partitions = 6;
  int64_t events = 100000;
  int accounts = 20;
  uint64_t seed = 1;
  size_t active = 500;
  bool i_know = false;
};

int RunLoad(const LoadFlags& f) {
  const std::string cmd = "load";
  if (f.prefix == "docket" && !f.i_know) {
    return Fail(cmd, FailedPreconditionError(
                         "refusing to write synthetic events to the 'docket' topics without "
                         "--i-know (they bypass the deciders)"));
  }
  events::TopicLayout layout;
  layout.prefix = f.prefix;
  layout.partitions = f.partitions;
  if (Status s = layout.Validate(); !s.ok()) return Fail(cmd, s);
  auto admin = kafka::Admin::Create(f.conn.ToKafka("docketctl-load"));
  if (!admin.ok()) return Fail(cmd, admin.status());
  if (Status s = (*admin)->EnsureTopics(events::AllTopicSpecs(layout)); !s.ok()) {
    return Fail(cmd, s);
  }
  kafka::Producer::Options po;
  po.kafka = f.conn.ToKafka("docketctl-load");
  po.linger_ms = 20;
  auto producer = kafka::Producer::Create(po);
  if (!producer.ok()) return Fail(cmd, producer.status());
  aggregates::SyntheticOptions so;
  so.seed = f.seed;
  so.partitions = f.partitions;
  so.accounts = f.accounts;
  so.active_cases = f.active;
  if (Status s = so.Validate(); !s.ok()) return Fail(cmd, s);
  aggregates::SyntheticCases gen(so);
  const std::string topic = layout.EventsTopic("cases");
  std::atomic<int64_t> failed{0};
  Status first_error = Status::Ok();
  std::mutex mu;
  const auto start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < f.events; ++i) {
    fb::EventEnvelopeT e = gen.Next();
    kafka::Record r;
    r.topic = topic;
    r.partition = gen.PartitionOf(e);
    r.key = e.aggregate_id;
    r.value = events::EncodeEvent(e);
    Status s = (*producer)->Produce(r, [&](const kafka::Delivery& d) {
      if (!d.status.ok()) {
        if (failed++ == 0) {
          std::lock_guard lock(mu);
          first_error = d.status;
        }
      }
    });
    if (!s.ok()) return Fail(cmd, s);
  }
  if (Status s = (*producer)->Flush(); !s.ok()) return Fail(cmd, s);
  if (failed > 0) return Fail(cmd, first_error);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("loaded %" PRId64 " events of %" PRIu64 " cases into %s in %.1f s (%.0f events/s)\n",
              f.events, gen.cases_opened(), topic.c_str(), secs, secs > 0 ? f.events / secs : 0);
  return kExitOk;
}

}  // namespace

void RegisterLoad(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<LoadFlags>();
  CLI::App* sub = app.add_subcommand(
      "load", "Write synthetic case histories to an events topic (benchmarks, tests)");
  AddConnectionFlags(sub, &f->conn);
  sub->add_option("--topic-prefix", f->prefix, "Topic name prefix")->required();
  sub->add_option("--partitions", f->partitions, "Partitions per topic")->capture_default_str();
  sub->add_option("--events", f->events, "How many events")->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000'000}));
  sub->add_option("--accounts", f->accounts, "Accounts the cases belong to")->capture_default_str();
  sub->add_option("--seed", f->seed, "Random seed (same seed, same log)")->capture_default_str();
  sub->add_option("--active-cases", f->active, "Case lifecycles interleaved at once")
      ->capture_default_str();
  sub->add_flag("--i-know", f->i_know, "Allow the default 'docket' prefix");
  sub->callback([f, exit_code] { *exit_code = RunLoad(*f); });
}

}  // namespace docket::ctl
