// The command bus routes each command to the handler whose Handles() takes
// its type; ContextOf names that handler's context. Runs against
// librdkafka's mock cluster (no broker needed).
#include "consumers/command_bus.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <set>

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

}  // namespace
}  // namespace docket::consumers
