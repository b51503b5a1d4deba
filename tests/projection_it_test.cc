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
#include "projections/identity/identity_projection.h"
#include "projections/identity/identity_queries.h"
#include "projections/status/status_projection.h"
#include "projections/status/status_queries.h"
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
    runner_ = std::make_unique<consumers::ProjectionRunner>(cases_, Options());
    stop_ = false;
    thread_ = std::thread([this] { ASSERT_TRUE(runner_->Run(stop_).ok()); });
  }
  void StopRunner() {
    stop_ = true;
    if (runner_) runner_->Wake();
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

TEST_F(ProjectionIT, ALiveViewLearnsWhichAggregatesChanged) {
  StartRunner();
  aggregates::SyntheticOptions so;
  so.partitions = layout_.partitions;
  so.active_cases = 3;
  so.seed = 7;
  aggregates::SyntheticCases gen(so);
  // A first event, applied: the change count from here on.
  kafka::Delivery first = Produce(gen, gen.Next());
  ASSERT_TRUE(runner_->WaitForPosition(first.partition, first.offset, std::chrono::seconds(10)));
  const uint64_t seen = runner_->WaitForChangedKeys(0, std::chrono::milliseconds(0)).now;
  ASSERT_GT(seen, 0u);
  // Nothing new: no keys, after the timeout.
  consumers::ProjectionRunner::Changes none =
      runner_->WaitForChangedKeys(seen, std::chrono::milliseconds(100));
  EXPECT_EQ(none.now, seen);
  EXPECT_TRUE(none.keys.empty());
  std::set<std::string> ids;
  kafka::Delivery last;
  for (int i = 0; i < 20; ++i) {
    fb::EventEnvelopeT e = gen.Next();
    ids.insert(e.aggregate_id);
    last = Produce(gen, e);
  }
  ASSERT_TRUE(runner_->WaitForPosition(last.partition, last.offset, std::chrono::seconds(10)));
  consumers::ProjectionRunner::Changes changed =
      runner_->WaitForChangedKeys(seen, std::chrono::milliseconds(0));
  EXPECT_GT(changed.now, seen);
  EXPECT_TRUE(changed.complete);
  // Exactly the aggregates of those events, each once.
  EXPECT_EQ(std::set<std::string>(changed.keys.begin(), changed.keys.end()), ids);
  EXPECT_EQ(changed.keys.size(), ids.size());
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

// After an upgrade that changed the row layout, the live generation holds
// another model format: docketctl refuses it by name, and the runner builds
// a fresh generation from the log and serves it (equal to a replay).
TEST_F(ProjectionIT, AStoreOfAnotherModelFormatIsRebuiltFromTheLog) {
  Load(2000);
  StartRunner();
  ASSERT_TRUE(WaitCaughtUp(std::chrono::seconds(60)));
  StopRunner();
  runner_.reset();
  auto old_dir = projections::ExistingGeneration(Options().Root());
  ASSERT_TRUE(old_dir.ok()) << old_dir.status();
  {
    // What an older build would have left: the same data, another format.
    auto raw = projections::ReadStore::Open(*old_dir, cases_.Families());
    ASSERT_TRUE(raw.ok()) << raw.status();
    projections::Txn t(raw->get());
    t.Put(projections::CommonCf::kMeta, projections::kModelFormatKey, "case-rows/1");
    ASSERT_TRUE((*raw)->Commit(t).ok());
  }
  CommandOutput refused = Ctl({"verify", "cases", "--digest-only"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("'case-rows/1'"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("docketctl rebuild cases"), std::string::npos) << refused.err;

  StartRunner();
  // The old generation holds every offset too: WaitCaughtUp would answer
  // from it if it looked before the runner replaced it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto replaced = [&] {
    auto live = projections::ExistingGeneration(Options().Root());
    return live.ok() && *live != *old_dir;
  };
  while (!replaced() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_TRUE(replaced()) << "the runner did not replace " << *old_dir;
  ASSERT_TRUE(WaitCaughtUp(std::chrono::seconds(60)));
  auto new_dir = projections::ExistingGeneration(Options().Root());
  ASSERT_TRUE(new_dir.ok());
  EXPECT_NE(*new_dir, *old_dir);
  EXPECT_FALSE(std::filesystem::exists(*old_dir));
  EXPECT_EQ(runner_->store()->dir(), *new_dir);
  projections::CaseQueries q(runner_->store().get());
  auto page = q.List(projections::Scope{true, {}}, projections::ListQuery{});
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->rows.size(), 25u);
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

// The same runner for the identity context: it catches up with the log as
// it was at its start (CaughtUp), folds accounts and users, parks an address
// for an account never created, and docketctl works on it by name.
TEST_F(ProjectionIT, IdentityRunnerCatchesUpAndParksAnAddressForAnUnknownAccount) {
  const std::string topic = layout_.EventsTopic("identity");
  fb::ActorT admin;
  admin.user_id = "admin-1";
  admin.role = fb::Role::Admin;
  auto produce = [&](const fb::EventEnvelopeT& e) {
    kafka::Record r;
    r.topic = topic;
    r.partition = static_cast<int32_t>(std::hash<std::string>()(e.aggregate_id) %
                                       static_cast<size_t>(layout_.partitions));
    r.key = e.aggregate_id;
    r.value = events::EncodeEvent(e);
    ASSERT_TRUE(producer_->Produce(r).get().status.ok());
  };
  for (int i = 0; i < 200; ++i) {
    fb::AccountCreatedT a;
    a.account_id = a.account_number = "ACC-" + std::to_string(i);
    a.name = "Account " + std::to_string(i);
    produce(events::MakeEvent(a.account_id, 1, admin, "acc-" + std::to_string(i), 0, i, a));
    fb::UserCreatedT u;
    u.user_id = "u-" + std::to_string(i);
    u.email = "User" + std::to_string(i) + "@Example.com";
    u.name = "User";
    u.account_ids = {a.account_id};
    u.password_hash = "$argon2id$v=19$h" + std::to_string(i);
    produce(events::MakeEvent(u.user_id, 1, admin, "user-" + std::to_string(i), 0, i, u));
  }
  fb::ServiceAddressAddedT lost;
  lost.address = "9 Nowhere";
  produce(events::MakeEvent("ACC-missing", 2, admin, "lost", 0, 1, lost));

  const projections::IdentityProjection identity;
  consumers::ProjectorOptions o = Options();
  o.context = "identity";
  consumers::ProjectionRunner runner(identity, o);
  EXPECT_FALSE(runner.CaughtUp());
  std::atomic<bool> stop{false};
  std::thread t([&] { ASSERT_TRUE(runner.Run(stop).ok()); });
  ASSERT_TRUE(runner.WaitCaughtUp(std::chrono::seconds(60)));
  EXPECT_EQ(runner.stats().applied.load(), 400u);
  EXPECT_EQ(runner.stats().parked.load(), 1u);
  {
    auto store = runner.store();
    ASSERT_NE(store, nullptr);
    projections::IdentityQueries q(store.get());
    auto u = q.UserByEmail("user199@example.COM");
    ASSERT_TRUE(u.ok() && u->has_value());
    EXPECT_EQ((*u)->password_hash, "$argon2id$v=19$h199");
    auto a = q.Account("ACC-0");
    ASSERT_TRUE(a.ok() && a->has_value());
    EXPECT_EQ((*a)->name, "Account 0");
  }
  // Later events do not take CaughtUp back; they are applied as usual.
  fb::ServiceAddressAddedT more;
  more.address = "1 Main St";
  fb::EventEnvelopeT late = events::MakeEvent("ACC-0", 2, admin, "late", 0, 2, more);
  produce(late);
  EXPECT_TRUE(runner.CaughtUp());
  stop = true;
  runner.Wake();
  t.join();

  CommandOutput dead = Ctl({"dead-letters", "list", "--projection", "identity"});
  ASSERT_EQ(dead.exit_code, 0) << dead.err;
  EXPECT_NE(dead.out.find("ACC-missing"), std::string::npos) << dead.out;
  CommandOutput verify = Ctl({"verify", "identity"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  CommandOutput lag = Ctl({"lag", "identity", "--json"});
  ASSERT_EQ(lag.exit_code, 0) << lag.err;
}

TEST_F(ProjectionIT, StatusRunnerOnAnEmptyLogIsCaughtUpAtOnce) {
  const projections::StatusProjection status;
  consumers::ProjectorOptions o = Options();
  o.context = "status";
  consumers::ProjectionRunner runner(status, o);
  std::atomic<bool> stop{false};
  std::thread t([&] { ASSERT_TRUE(runner.Run(stop).ok()); });
  EXPECT_TRUE(runner.WaitCaughtUp(std::chrono::seconds(30)));
  auto store = runner.store();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(projections::StatusQueries(store.get()).Services()->empty());
  stop = true;
  runner.Wake();
  t.join();
  // A runner whose options name another context refuses to run.
  consumers::ProjectionRunner wrong(status, Options());
  EXPECT_EQ(wrong.Run(stop).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace docket::testing
