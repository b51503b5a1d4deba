// The command bus routes each command to the handler whose Handles() takes
// its type; ContextOf names that handler's context. Runs against
// librdkafka's mock cluster (no broker needed).
#include "consumers/command_bus.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "events/envelope.h"

namespace docket::consumers {
namespace {

class MockCluster {
 public:
  MockCluster() {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    cluster_ = rd_kafka_mock_cluster_new(rk_, 1);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(rk_);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  void CreateTopic(const std::string& name, int partitions) {
    rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1);
  }

 private:
  rd_kafka_t* rk_;
  rd_kafka_mock_cluster_t* cluster_;
};

// A context that takes the given command types; everything else is unused.
class FakeHandler final : public aggregates::AggregateHandler {
 public:
  FakeHandler(std::string context, std::set<fb::Command> types)
      : context_(std::move(context)), types_(std::move(types)) {}
  std::string_view context() const override { return context_; }
  bool Handles(fb::Command type) const override { return types_.count(type) > 0; }
  bool Creates(const fb::CommandEnvelopeT&) const override { return false; }
  Result<int32_t> PartitionOf(std::string_view, int32_t) const override { return 0; }
  std::string NewId(uint64_t, int32_t, int32_t) const override { return ""; }
  uint64_t CounterAfter(std::string_view, int32_t) const override { return 0; }
  aggregates::Decision Decide(std::string_view, const fb::CommandEnvelopeT&, int64_t,
                              const std::string&) const override {
    return aggregates::Events{};
  }
  Result<std::string> Apply(std::string_view, const fb::EventEnvelopeT&) const override {
    return std::string();
  }
  uint64_t Version(std::string_view) const override { return 0; }
  std::optional<int64_t> TimerDueAt(std::string_view) const override { return std::nullopt; }
  std::optional<fb::CommandEnvelopeT> TimerCommand(std::string_view, int64_t) const override {
    return std::nullopt;
  }

 private:
  std::string context_;
  std::set<fb::Command> types_;
};

TEST(CommandBusTest, HandlesPicksTheContext) {
  MockCluster cluster;
  CommandBusOptions o;
  o.kafka.brokers = cluster.bootstraps();
  o.kafka.timeout = std::chrono::milliseconds(5000);
  o.layout.prefix = "bus-test";
  o.layout.partitions = 1;
  cluster.CreateTopic(o.layout.ResultsTopic(), 1);
  FakeHandler people("people", {fb::Command::CreateUser, fb::Command::CreateAccount});
  FakeHandler weather("weather", {fb::Command::SetServiceStatus});
  auto bus = CommandBus::Create(o, {&people, &weather});
  ASSERT_TRUE(bus.ok()) << bus.status();
  EXPECT_EQ((*bus)->ContextOf(fb::Command::CreateUser), "people");
  EXPECT_EQ((*bus)->ContextOf(fb::Command::SetServiceStatus), "weather");
  EXPECT_EQ((*bus)->ContextOf(fb::Command::OpenCase), "");

  fb::CommandEnvelopeT c = events::MakeCommand("CS00000000006", events::SystemActor("t"), 0);
  c.command_id = "c-1";
  c.command.Set(fb::CloseCaseT{});
  auto out = (*bus)->Submit(c, std::chrono::milliseconds(0));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("CloseCase"), std::string::npos) << out.status();
}

// A bus on the mock cluster with one context ("people", every command on
// partition 0) and a producer to play the decider's part: it writes
// results to the results topic.
class BusOnMock : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.kafka.brokers = cluster_.bootstraps();
    options_.kafka.timeout = std::chrono::milliseconds(5000);
    options_.layout.prefix = "bus-test";
    options_.layout.partitions = 1;
    cluster_.CreateTopic(options_.layout.ResultsTopic(), 1);
    cluster_.CreateTopic(options_.layout.CommandsTopic("people"), 1);
    kafka::Producer::Options po;
    po.kafka = options_.kafka;
    auto p = kafka::Producer::Create(po);
    ASSERT_TRUE(p.ok()) << p.status();
    decider_ = std::move(*p);
  }
  std::unique_ptr<CommandBus> Bus() {
    auto bus = CommandBus::Create(options_, handler_);
    EXPECT_TRUE(bus.ok()) << bus.status();
    return bus.ok() ? std::move(*bus) : nullptr;
  }
  static fb::CommandEnvelopeT Command(const std::string& id) {
    fb::CommandEnvelopeT c = events::MakeCommand("u-1", events::SystemActor("t"), 0);
    c.command_id = id;
    c.command.Set(fb::CreateUserT{});
    return c;
  }
  void Answer(const std::string& command_id) {
    fb::CommandResultT r;
    r.command_id = command_id;
    r.context = "people";
    r.code = fb::ResultCode::Accepted;
    r.schema_version = events::kResultSchemaVersion;
    kafka::Delivery d = decider_
                            ->Produce({options_.layout.ResultsTopic(), 0, command_id,
                                       events::EncodeCommandResult(r)})
                            .get();
    ASSERT_TRUE(d.status.ok()) << d.status;
  }

  MockCluster cluster_;
  CommandBusOptions options_;
  FakeHandler handler_{"people", {fb::Command::CreateUser}};
  std::unique_ptr<kafka::Producer> decider_;
};

// Collects the outcomes of asynchronous submits.
class Outcomes {
 public:
  CommandBus::SubmitCallback Callback() {
    return [this](Result<CommandOutcome> out) {
      std::lock_guard<std::mutex> lock(mu_);
      outcomes_.push_back(std::move(out));
      cv_.notify_all();
    };
  }
  // The outcomes once there are `n` of them (or what there is after `limit`).
  std::vector<Result<CommandOutcome>> Await(
      size_t n, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, limit, [&] { return outcomes_.size() >= n; });
    return outcomes_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Result<CommandOutcome>> outcomes_;
};

TEST_F(BusOnMock, AnAsyncSubmitIsAnsweredByItsOwnResult) {
  Outcomes a, b;  // outlive the bus, which may call them until it is gone
  auto bus = Bus();
  ASSERT_NE(bus, nullptr);
  ASSERT_TRUE(bus->SubmitAsync(Command("c-a"), std::chrono::seconds(30), a.Callback()).ok());
  ASSERT_TRUE(bus->SubmitAsync(Command("c-b"), std::chrono::seconds(30), b.Callback()).ok());
  Answer("c-b");
  auto got = b.Await(1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].ok()) << got[0].status();
  EXPECT_TRUE(got[0]->decided);
  EXPECT_EQ(got[0]->result.command_id, "c-b");
  EXPECT_EQ(got[0]->result.code, fb::ResultCode::Accepted);
  // c-b's result did not answer c-a.
  Answer("c-a");
  auto got_a = a.Await(1);
  ASSERT_EQ(got_a.size(), 1u);
  ASSERT_TRUE(got_a[0].ok());
  EXPECT_EQ(got_a[0]->result.command_id, "c-a");
  // Each callback ran exactly once.
  EXPECT_EQ(b.Await(2, std::chrono::milliseconds(500)).size(), 1u);
}

TEST_F(BusOnMock, WithoutAResultTheCommandEndsPendingAfterTheWait) {
  Outcomes o;
  auto bus = Bus();
  ASSERT_NE(bus, nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(bus->SubmitAsync(Command("c-late"), std::chrono::milliseconds(200),
                               o.Callback()).ok());
  auto got = o.Await(1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].ok()) << got[0].status();
  EXPECT_FALSE(got[0]->decided);
  EXPECT_EQ(got[0]->result.command_id, "c-late");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(200));
  // The synchronous submit too; the result that comes later is found.
  auto sync = bus->Submit(Command("c-late2"), std::chrono::milliseconds(100));
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_FALSE(sync->decided);
  Answer("c-late2");
  for (int i = 0; i < 100 && !bus->Lookup("c-late2"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(bus->Lookup("c-late2").has_value());
  // Sent again, a command whose result is known is answered at once.
  auto again = bus->Submit(Command("c-late2"), std::chrono::seconds(5));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->decided);
}

TEST_F(BusOnMock, CommandsInFlightAreBounded) {
  options_.max_in_flight = 2;
  Outcomes o;
  auto bus = Bus();
  ASSERT_NE(bus, nullptr);
  ASSERT_TRUE(bus->SubmitAsync(Command("c-1"), std::chrono::seconds(30), o.Callback()).ok());
  ASSERT_TRUE(bus->SubmitAsync(Command("c-2"), std::chrono::seconds(30), o.Callback()).ok());
  Status third = bus->SubmitAsync(Command("c-3"), std::chrono::seconds(30), o.Callback());
  EXPECT_EQ(third.code(), StatusCode::kUnavailable) << third;
  auto refused = bus->Submit(Command("c-3"), std::chrono::seconds(1));
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  Answer("c-1");
  ASSERT_EQ(o.Await(1).size(), 1u);
  EXPECT_TRUE(bus->SubmitAsync(Command("c-3"), std::chrono::seconds(30), o.Callback()).ok());
}

TEST_F(BusOnMock, WaitersLeftAtShutdownAreToldPending) {
  Outcomes o;
  {
    auto bus = Bus();
    ASSERT_NE(bus, nullptr);
    ASSERT_TRUE(bus->SubmitAsync(Command("c-x"), std::chrono::seconds(60), o.Callback()).ok());
  }
  auto got = o.Await(1);
  ASSERT_EQ(got.size(), 1u);
  ASSERT_TRUE(got[0].ok()) << got[0].status();
  EXPECT_FALSE(got[0]->decided);
}

}  // namespace
}  // namespace docket::consumers
