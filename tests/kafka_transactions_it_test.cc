// Against the real broker: 100,000 events in transactional batches to a
// 6-partition topic, read back read_committed. Per-partition order is kept,
// nothing is lost or duplicated, and the events of aborted transactions are
// never seen (while a read_uncommitted reader proves they were written).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>

#include "events/codec.h"
#include "events/envelope.h"
#include "events/testdata.h"
#include "tests/kafka_env.h"

namespace docket {
namespace {

using kafka::Consumer;
using kafka::Producer;

constexpr int kPartitions = 6;
constexpr int kEvents = 100'000;
constexpr int kBatch = 1'000;

std::string EventRecord(int partition, uint64_t seq, bool aborted) {
  fb::CommentAddedT c;
  c.comment_id = "c" + std::to_string(seq);
  c.body = "event " + std::to_string(seq);
  std::string agg = (aborted ? "ABORTED-" : "P") + std::to_string(partition);
  return events::EncodeEvent(events::MakeEvent(
      agg, seq, events::testdata::SampleActor(), "cmd-" + agg + "-" + std::to_string(seq),
      0, 1'795'000'000'000'000, std::move(c)));
}

// Reads every partition to its end; returns the decoded events per partition.
std::map<int, std::vector<fb::EventEnvelopeT>> ReadAll(const std::string& topic,
                                                       bool read_committed) {
  std::map<int, std::vector<fb::EventEnvelopeT>> out;
  for (const auto& m : testing::ReadToEnd(topic, kPartitions, read_committed)) {
    auto e = events::DecodeEvent(m.value);
    EXPECT_TRUE(e.ok()) << e.status();
    if (e.ok()) out[m.partition].push_back(std::move(*e));
  }
  return out;
}

TEST(KafkaTransactionsIT, CommittedBatchesAreReadBackExactlyOnceInOrder) {
  const std::string topic = testing::UniqueName("it-txn");
  ASSERT_TRUE(testing::CreateTopic(topic, kPartitions).ok());

  Producer::Options po;
  po.kafka = testing::TestKafka();
  po.transactional_id = testing::UniqueName("it-txn-producer");
  auto producer = Producer::Create(po);
  ASSERT_TRUE(producer.ok()) << producer.status();
  Producer& p = **producer;
  ASSERT_TRUE(p.InitTransactions().ok());

  std::vector<uint64_t> seq(kPartitions, 0);
  std::atomic<int> delivered{0}, failed{0};
  auto on_delivery = [&](const kafka::Delivery& d) {
    d.status.ok() ? ++delivered : ++failed;
  };
  int aborted_events = 0;
  for (int b = 0; b < kEvents / kBatch; ++b) {
    ASSERT_TRUE(p.BeginTransaction().ok());
    for (int i = 0; i < kBatch; ++i) {
      int part = (b * kBatch + i) % kPartitions;
      ASSERT_TRUE(p.Produce({topic, part, "P" + std::to_string(part),
                             EventRecord(part, ++seq[part], false)},
                            on_delivery)
                      .ok());
    }
    Status s = p.CommitTransaction();
    ASSERT_TRUE(s.ok()) << s;
    if (b % 10 == 5) {  // an aborted transaction between committed ones
      ASSERT_TRUE(p.BeginTransaction().ok());
      for (int i = 0; i < 300; ++i, ++aborted_events) {
        int part = i % kPartitions;
        ASSERT_TRUE(p.Produce({topic, part, "ABORTED", EventRecord(part, i + 1, true)},
                              on_delivery)
                        .ok());
      }
      ASSERT_TRUE(p.Flush().ok());  // written to the log, then aborted
      ASSERT_TRUE(p.AbortTransaction().ok());
    }
  }
  EXPECT_EQ(delivered.load(), kEvents + aborted_events);
  EXPECT_EQ(failed.load(), 0);

  auto committed = ReadAll(topic, /*read_committed=*/true);
  int total = 0;
  for (int part = 0; part < kPartitions; ++part) {
    const auto& events = committed[part];
    total += static_cast<int>(events.size());
    EXPECT_EQ(events.size(), seq[part]) << "partition " << part;
    for (size_t i = 0; i < events.size(); ++i) {
      // Versions run 1..n in order: nothing lost, duplicated or reordered.
      ASSERT_EQ(events[i].version, i + 1) << "partition " << part << " index " << i;
      ASSERT_EQ(events[i].aggregate_id, "P" + std::to_string(part));
    }
  }
  EXPECT_EQ(total, kEvents);

  // The aborted records are physically in the log: a read_uncommitted
  // reader sees them, so the check above is not vacuous.
  auto uncommitted = ReadAll(topic, /*read_committed=*/false);
  int seen_aborted = 0;
  for (auto& [part, events] : uncommitted) {
    for (const auto& e : events) seen_aborted += e.aggregate_id.rfind("ABORTED", 0) == 0;
  }
  EXPECT_EQ(seen_aborted, aborted_events);
}

TEST(KafkaTransactionsIT, NewProducerWithSameIdFencesTheOldOne) {
  const std::string topic = testing::UniqueName("it-fence");
  ASSERT_TRUE(testing::CreateTopic(topic, 1).ok());
  Producer::Options po;
  po.kafka = testing::TestKafka();
  po.transactional_id = testing::UniqueName("it-fence-producer");
  auto old_owner = Producer::Create(po);
  ASSERT_TRUE(old_owner.ok());
  ASSERT_TRUE((*old_owner)->InitTransactions().ok());
  ASSERT_TRUE((*old_owner)->BeginTransaction().ok());
  ASSERT_TRUE((*old_owner)->Produce({topic, 0, "k", EventRecord(0, 1, true)}, [](auto&) {}).ok());

  auto new_owner = Producer::Create(po);
  ASSERT_TRUE(new_owner.ok());
  ASSERT_TRUE((*new_owner)->InitTransactions().ok());  // fences old_owner

  Status s = (*old_owner)->CommitTransaction();
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s;
  EXPECT_TRUE((*old_owner)->fenced());

  ASSERT_TRUE((*new_owner)->BeginTransaction().ok());
  ASSERT_TRUE((*new_owner)->Produce({topic, 0, "k", EventRecord(0, 1, false)}, [](auto&) {}).ok());
  ASSERT_TRUE((*new_owner)->CommitTransaction().ok());

  Consumer::Options co;
  co.kafka = testing::TestKafka();
  auto c = Consumer::Create(co);
  ASSERT_TRUE((*c)->Assign({{topic, 0, kafka::kOffsetBeginning}}).ok());
  std::vector<std::string> aggs;
  for (int i = 0; i < 50 && aggs.empty(); ++i) {
    auto batch = (*c)->Poll(10, std::chrono::milliseconds(200));
    ASSERT_TRUE(batch.ok());
    for (auto& m : batch->messages) aggs.push_back(events::DecodeEvent(m.value)->aggregate_id);
  }
  EXPECT_EQ(aggs, std::vector<std::string>{"P0"});  // the stale owner wrote nothing
}

// The position a read barrier waits for (the log end) lies past the commit
// marker, which is never delivered: the consumer's position steps over it
// when the poll that took the transaction's last record returns, without
// waiting for the next fetch to report the end of the partition (the
// projections rely on it, consumers/projection_runner.cc).
TEST(KafkaTransactionsIT, APositionStepsOverTheCommitMarkerWithTheLastRecord) {
  const std::string topic = testing::UniqueName("it-marker");
  ASSERT_TRUE(testing::CreateTopic(topic, 1).ok());
  Producer::Options po;
  po.kafka = testing::TestKafka();
  po.transactional_id = testing::UniqueName("it-marker-producer");
  auto producer = Producer::Create(po);
  ASSERT_TRUE(producer.ok()) << producer.status();
  ASSERT_TRUE((*producer)->InitTransactions().ok());
  ASSERT_TRUE((*producer)->BeginTransaction().ok());
  for (uint64_t i = 1; i <= 3; ++i) {
    ASSERT_TRUE((*producer)->Produce({topic, 0, "P0", EventRecord(0, i, false)}, [](auto&) {}).ok());
  }
  ASSERT_TRUE((*producer)->CommitTransaction().ok());

  Consumer::Options co;
  co.kafka = testing::TestKafka();
  // The end of the partition is reported only after this (a fetch at the
  // end is held that long): longer than the test waits for the records.
  co.fetch_wait_max_ms = 30'000;
  auto c = Consumer::Create(co);
  ASSERT_TRUE(c.ok()) << c.status();
  auto end = (*c)->Watermarks(topic, 0);
  ASSERT_TRUE(end.ok()) << end.status();
  ASSERT_EQ(end->second, 4);  // three records and the marker
  ASSERT_TRUE((*c)->Assign({{topic, 0, kafka::kOffsetBeginning}}).ok());
  size_t records = 0;
  for (int i = 0; i < 50 && records < 3; ++i) {
    auto batch = (*c)->Poll(10, std::chrono::milliseconds(200));
    ASSERT_TRUE(batch.ok()) << batch.status();
    EXPECT_TRUE(batch->reached_end.empty());
    records += batch->messages.size();
  }
  ASSERT_EQ(records, 3u);
  auto pos = (*c)->Positions({{topic, 0, 0}});
  ASSERT_TRUE(pos.ok()) << pos.status();
  ASSERT_EQ(pos->size(), 1u);
  EXPECT_EQ((*pos)[0].offset, 4);
}

}  // namespace
}  // namespace docket
