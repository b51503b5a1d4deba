// The projection runner against a real broker: poison records park exactly
// their case, read-your-writes, lag, blue/green swap while serving, and the
// docketctl read-model commands.
#include <gtest/gtest.h>

#include <future>
#include <set>
#include <sstream>
#include <thread>

#include "aggregates/cases/synthetic.h"
#include "projections/cases/case_queries.h"
#include "tests/projection_env.h"

namespace docket::testing {
namespace {

using nlohmann::json;

class ProjectionIT : public ProjectionEnv {
 protected:
  void SetUp() override {
    ProjectionEnv::SetUp();
    kafka::Producer::Options po;
    po.kafka = TestKafka();
    auto p = kafka::Producer::Create(po);
    ASSERT_TRUE(p.ok()) << p.status();
    producer_ = std::move(*p);
  }
  void TearDown() override {
    StopRunner();
    ProjectionEnv::TearDown();
  }
  void StartRunner() {
    runner_ = std::make_unique<consumers::ProjectionRunner>(Options());
    stop_ = false;
    thread_ = std::thread([this] { ASSERT_TRUE(runner_->Run(stop_).ok()); });
  }
  void StopRunner() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Produces one record and returns where it landed.
  kafka::Delivery Produce(const std::string& key, const std::string& value, int32_t partition) {
    kafka::Record r;
    r.topic = layout_.EventsTopic("cases");
    r.partition = partition;
    r.key = key;
    r.value = value;
    kafka::Delivery d = producer_->Produce(r).get();
    EXPECT_TRUE(d.status.ok()) << d.status;
    return d;
  }
  kafka::Delivery Produce(aggregates::SyntheticCases& gen, const fb::EventEnvelopeT& e) {
    return Produce(e.aggregate_id, events::EncodeEvent(e), gen.PartitionOf(e));
  }

  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<consumers::ProjectionRunner> runner_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST_F(ProjectionIT, CorruptRecordParksExactlyItsCase) {
  aggregates::SyntheticOptions so;
  so.partitions = layout_.partitions;
  so.active_cases = 100;
  aggregates::SyntheticCases gen(so);
  std::vector<fb::EventEnvelopeT> log;
  for (int i = 0; i < 6000; ++i) log.push_back(gen.Next());
  // The poisoned case: one with events on both sides of the corrupt record.
  const std::string victim = log[3000].aggregate_id;
  std::map<std::string, uint64_t> expected_version;
  int victim_after = 0;
  std::future<kafka::Delivery> poison_future;
  std::vector<std::future<kafka::Delivery>> pending;
  auto send = [&](const std::string& key, const std::string& value, int32_t partition) {
    kafka::Record r;
    r.topic = layout_.EventsTopic("cases");
    r.partition = partition;
    r.key = key;
    r.value = value;
    return producer_->Produce(r);
  };
  for (int i = 0; i < 6000; ++i) {
    if (i == 3001) {
      poison_future = send(victim, "DKEV this is not a flatbuffer at all",
                           gen.PartitionOf(log[3000]));
    }
    pending.push_back(send(log[i].aggregate_id, events::EncodeEvent(log[i]),
                           gen.PartitionOf(log[i])));
    if (log[i].aggregate_id == victim && i > 3000) {
      ++victim_after;
    } else {
      expected_version[log[i].aggregate_id] = log[i].version;
    }
  }
  ASSERT_GT(victim_after, 0) << "pick a victim with later events";
  for (auto& f : pending) ASSERT_TRUE(f.get().status.ok());
  const kafka::Delivery poison = poison_future.get();
  ASSERT_TRUE(poison.status.ok());

  StartRunner();
  ASSERT_TRUE(WaitCaughtUp(std::chrono::seconds(120)));
  auto store = runner_->store();
  projections::CaseQueries q(store.get());
  const projections::Scope staff{true, {}};
  for (const auto& [number, version] : expected_version) {
    auto c = q.GetCase(staff, number);
    ASSERT_TRUE(c.ok()) << number << ": " << c.status();
    ASSERT_EQ((*c)["version"].get<uint64_t>(), version) << number;
  }
  EXPECT_EQ(runner_->stats().parked.load(), static_cast<uint64_t>(1 + victim_after));

  CommandOutput list = Ctl({"dead-letters", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto lines = Lines(list.out);
  ASSERT_EQ(lines.size(), 2u) << list.out;  // header + the one parked case
  std::stringstream row(lines[1]);
  std::string c, partition, offset, parked;
  row >> c >> partition >> offset >> parked;
  EXPECT_EQ(c, victim);
  EXPECT_EQ(partition, std::to_string(poison.partition));
  EXPECT_EQ(offset, std::to_string(poison.offset));
  EXPECT_EQ(parked, std::to_string(1 + victim_after));
  EXPECT_NE(lines[1].find("decode"), std::string::npos) << lines[1];

  CommandOutput show = Ctl({"dead-letters", "show", victim});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  json shown = json::parse(show.out);
  EXPECT_EQ(shown["records"].size(), static_cast<size_t>(1 + victim_after));
  EXPECT_EQ(shown["records"][0]["offset"], poison.offset);

  // A retry through the running projector: the record is still corrupt, so
  // the case stays parked, and nothing else moves.
  CommandOutput retry = Ctl({"dead-letters", "retry", victim});
  ASSERT_EQ(retry.exit_code, 0) << retry.err;
  EXPECT_NE(retry.out.find("still parked"), std::string::npos) << retry.out;
  EXPECT_EQ(Ctl({"dead-letters", "show", "CS99999999999"}).exit_code, 65);

  // The whole model equals a fresh replay, dead letters included.
  StopRunner();
  CommandOutput verify = Ctl({"verify", "cases"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("equal"), std::string::npos);
}

TEST_F(ProjectionIT, ReadYourWritesHundredTimesInARow) {
  StartRunner();
  aggregates::SyntheticOptions so;
  so.partitions = layout_.partitions;
  so.active_cases = 5;
  so.seed = 99;
  aggregates::SyntheticCases gen(so);
  int opened = 0;
  for (int i = 0; opened < 100; ++i) {
    fb::EventEnvelopeT e = gen.Next();
    kafka::Delivery d = Produce(gen, e);
    ASSERT_TRUE(runner_->WaitForPosition(d.partition, d.offset, std::chrono::seconds(10)))
        << "event " << i << " at " << d.partition << "@" << d.offset;
    auto store = runner_->store();
    projections::CaseQueries q(store.get());
    const std::string account = e.event.type == fb::Event::CaseOpened
                                    ? e.event.AsCaseOpened()->account_id
                                    : "";
    if (e.event.type == fb::Event::CaseOpened) {
      ++opened;
      auto page = q.List(projections::Scope{false, {account}}, projections::ListQuery{});
      ASSERT_TRUE(page.ok());
      ASSERT_FALSE(page->rows.empty());
      EXPECT_EQ(page->rows[0]["number"], e.aggregate_id) << "write not visible on read " << i;
    }
    auto c = q.GetCase(projections::Scope{true, {}}, e.aggregate_id);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ((*c)["version"].get<uint64_t>(), e.version);
  }
  // A position nobody wrote yet times out (bounded).
  EXPECT_FALSE(runner_->WaitForPosition(0, 1'000'000, std::chrono::milliseconds(300)));
}

TEST_F(ProjectionIT, LagIsReportedInEventsAndSeconds) {
  Load(3000);
  StartRunner();
  ASSERT_TRUE(WaitCaughtUp(std::chrono::seconds(60)));
  // The runner's own view (for metrics): nothing behind. Its end offsets
  // refresh every lag_interval (2 s).
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  for (const auto& l : runner_->Lag()) EXPECT_EQ(l.events(), 0) << l.partition;
  StopRunner();
  Load(1200, 8);  // arrives while nobody projects
  CommandOutput out = Ctl({"lag", "cases", "--json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  json rows = json::parse(out.out);
  ASSERT_EQ(rows.size(), 6u);
  int64_t behind = 0;
  for (const auto& r : rows) {
    behind += r["lag_events"].get<int64_t>();
    EXPECT_EQ(r["lag_events"].get<int64_t>(),
              r["end_offset"].get<int64_t>() - r["next_offset"].get<int64_t>());
    if (r["lag_events"].get<int64_t>() > 0) {
      EXPECT_GE(r["lag_seconds"].get<double>(), 0.0);
    }
  }
  EXPECT_EQ(behind, 1200);
  CommandOutput table = Ctl({"lag", "cases"});
  ASSERT_EQ(table.exit_code, 0);
  EXPECT_EQ(Lines(table.out).size(), 7u);
  EXPECT_NE(table.out.find("lag_events"), std::string::npos);
}

TEST_F(ProjectionIT, RebuildSwapsUnderARunningProjector) {
  Load(5000);
  StartRunner();
  ASSERT_TRUE(WaitCaughtUp(std::chrono::seconds(60)));
  auto old_store = runner_->store();
  const std::string old_dir = old_store->dir();
  CommandOutput live = Ctl({"verify", "cases", "--digest-only"});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  const std::string live_digest = Lines(live.out)[0].substr(6, 64);

  CommandOutput rebuild = Ctl({"rebuild", "cases"});
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.err;
  EXPECT_NE(rebuild.err.find("5000/5000 events (100.0%)"), std::string::npos) << rebuild.err;
  EXPECT_NE(rebuild.out.find("digest " + live_digest), std::string::npos) << rebuild.out;

  // The runner notices the swap and serves the new generation.
  for (int i = 0; i < 100 && runner_->stats().swaps.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(runner_->stats().swaps.load(), 1u);
  for (int i = 0; i < 100 && runner_->store()->dir() == old_dir; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(runner_->store()->dir(), old_dir);
  // A reader that still holds the old generation keeps reading it.
  projections::CaseQueries old_q(old_store.get());
  auto page = old_q.List(projections::Scope{true, {}}, projections::ListQuery{});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->rows.size(), 25u);
  // New events land in the new generation.
  Load(500, 9);
  ASSERT_TRUE(WaitCaughtUp(std::chrono::seconds(60)));
  StopRunner();
  CommandOutput verify = Ctl({"verify", "cases"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_F(ProjectionIT, CommandsNameTheirProblems) {
  CommandOutput never = Ctl({"verify", "cases"});
  EXPECT_EQ(never.exit_code, 65);
  EXPECT_NE(never.err.find("never built"), std::string::npos) << never.err;
  CommandOutput unknown = Ctl({"rebuild", "orders"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("orders"), std::string::npos) << unknown.err;
  CommandOutput refused = RunCommand({DOCKETCTL_PATH, "load", "--brokers", TestBrokers(),
                                      "--topic-prefix", "docket", "--events", "1"});
  EXPECT_EQ(refused.exit_code, 65);
  EXPECT_NE(refused.err.find("--i-know"), std::string::npos);
}

}  // namespace
}  // namespace docket::testing
