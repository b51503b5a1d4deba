// Fast unit tests of the Kafka adapter against librdkafka's mock cluster.
// The real-broker behaviour (transactions, read_committed, broker absent) is
// tested in tests/ against Apache Kafka.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <thread>

#include "events/kafka.h"
#include "events/topics.h"

namespace docket::kafka {
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

KafkaOptions Opts(const std::string& brokers) {
  KafkaOptions o;
  o.brokers = brokers;
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

TEST(KafkaOptionsTest, ValidateRefusesBadValues) {
  KafkaOptions o;
  EXPECT_TRUE(o.Validate().ok());
  o.brokers = "";
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
  o = KafkaOptions{};
  o.timeout = std::chrono::milliseconds(1);
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
  o = KafkaOptions{};
  o.properties["enable.idempotence"] = "false";
  Status s = o.Validate();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("enable.idempotence"));
  o = KafkaOptions{};
  o.consumer_queue_bytes = 1000;  // below 1 MiB
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
}

TEST(KafkaOptionsTest, UnknownLibrdkafkaPropertyIsInvalidArgument) {
  Producer::Options o;
  o.kafka.properties["no.such.property"] = "1";
  auto p = Producer::Create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(p.status().message(), ::testing::HasSubstr("no.such.property"));
}

TEST(KafkaMockTest, ProducedRecordsAreConsumedInOrderWithHeaders) {
  MockCluster cluster;
  cluster.CreateTopic("t", 2);
  auto producer = Producer::Create({Opts(cluster.bootstraps())});
  ASSERT_TRUE(producer.ok()) << producer.status();
  std::vector<std::future<Delivery>> futures;
  for (int i = 0; i < 100; ++i) {
    futures.push_back((*producer)->Produce(
        Record{"t", i % 2, "k" + std::to_string(i), "v" + std::to_string(i),
               {{"h", std::to_string(i)}}}));
  }
  std::vector<int64_t> last(2, -1);
  for (int i = 0; i < 100; ++i) {
    Delivery d = futures[i].get();
    ASSERT_TRUE(d.status.ok()) << d.status;
    EXPECT_EQ(d.partition, i % 2);
    EXPECT_GT(d.offset, last[d.partition]);  // per-partition order
    last[d.partition] = d.offset;
  }

  auto consumer = Consumer::Create({Opts(cluster.bootstraps())});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  auto parts = (*consumer)->Partitions("t");
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ(*parts, (std::vector<int32_t>{0, 1}));
  ASSERT_TRUE((*consumer)->Assign({{"t", 0, kOffsetBeginning}, {"t", 1, kOffsetBeginning}}).ok());
  std::vector<Message> got;
  for (int tries = 0; got.size() < 100 && tries < 100; ++tries) {
    auto batch = (*consumer)->Poll(500, std::chrono::milliseconds(200));
    ASSERT_TRUE(batch.ok()) << batch.status();
    for (auto& m : batch->messages) got.push_back(std::move(m));
  }
  ASSERT_EQ(got.size(), 100u);
  std::vector<int> next(2, 0);
  for (const Message& m : got) {
    int i = std::stoi(m.value.substr(1));
    EXPECT_EQ(i % 2, m.partition);
    EXPECT_EQ(i, next[m.partition] * 2 + m.partition);  // order kept
    ++next[m.partition];
    EXPECT_EQ(m.key, "k" + std::to_string(i));
    ASSERT_EQ(m.headers.size(), 1u);
    EXPECT_EQ(m.headers[0], (Header{"h", std::to_string(i)}));
  }
}

// A stop flag is seen at once: Wake ends the poll in progress, and one that
// came before a poll ends that poll (a loop between two polls misses none).
TEST(KafkaMockTest, WakeEndsThePollInProgressOrTheNextOne) {
  MockCluster cluster;
  cluster.CreateTopic("t", 1);
  auto consumer = Consumer::Create({Opts(cluster.bootstraps())});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  ASSERT_TRUE((*consumer)->Assign({{"t", 0, kOffsetBeginning}}).ok());
  // The end of the empty partition ends a poll too: take it first.
  bool at_end = false;
  for (int tries = 0; !at_end && tries < 50; ++tries) {
    auto batch = (*consumer)->Poll(10, std::chrono::milliseconds(200));
    ASSERT_TRUE(batch.ok()) << batch.status();
    at_end = !batch->reached_end.empty();
  }
  ASSERT_TRUE(at_end);
  // Without a wake each poll would wait its minute; half of it means woken.
  constexpr auto kLong = std::chrono::seconds(60);
  auto timed_poll = [&] {
    const auto t0 = std::chrono::steady_clock::now();
    auto batch = (*consumer)->Poll(10, kLong);
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (batch.ok()) {
      EXPECT_TRUE(batch->messages.empty() && batch->reached_end.empty());
    }
    return std::chrono::steady_clock::now() - t0;
  };
  (*consumer)->Wake();
  EXPECT_LT(timed_poll(), kLong / 2);
  std::thread waker([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (*consumer)->Wake();
  });
  EXPECT_LT(timed_poll(), kLong / 2);
  waker.join();
}

TEST(KafkaMockTest, PartitionsOfMissingTopicIsNotFound) {
  MockCluster cluster;
  auto consumer = Consumer::Create({Opts(cluster.bootstraps())});
  ASSERT_TRUE(consumer.ok());
  auto parts = (*consumer)->Partitions("does-not-exist");
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.status().code(), StatusCode::kNotFound);
}

TEST(TopicLayoutTest, NamesAndEventsTopicSettings) {
  events::TopicLayout l;
  EXPECT_EQ(l.EventsTopic("cases"), "docket.cases.events");
  EXPECT_EQ(l.CommandsTopic("cases"), "docket.cases.commands");
  EXPECT_EQ(l.ResultsTopic(), "docket.command-results");
  TopicSpec e = events::EventsTopicSpec(l, "cases");
  EXPECT_EQ(e.partitions, 6);
  EXPECT_EQ(e.configs.at("cleanup.policy"), "delete");
  EXPECT_EQ(e.configs.at("retention.ms"), "-1");
  // commands + events of cases, identity, status and chat, the results
  // topic and the parked commands
  EXPECT_EQ(events::AllTopicSpecs(l).size(), 10u);
  EXPECT_EQ(l.ParkedCommandsTopic(), "docket.commands.parked");
  EXPECT_EQ(events::ParkedCommandsTopicSpec(l).partitions, 1);
  EXPECT_EQ(l.EventsTopic("identity"), "docket.identity.events");
  l.partitions = 0;
  EXPECT_EQ(l.Validate().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace docket::kafka
