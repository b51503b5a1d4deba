// docketctl replay against the real broker: valid records around a corrupt
// one are printed in order, the corrupt one as an error line naming its
// partition and offset; filters and start positions work.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "events/codec.h"
#include "events/testdata.h"
#include "tests/kafka_env.h"

namespace docket {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class ReplayIT : public ::testing::Test {
 protected:
  void SetUp() override {
    topic_ = testing::UniqueName("it-replay");
    ASSERT_TRUE(testing::CreateTopic(topic_, 2).ok());
    auto p = kafka::Producer::Create({testing::TestKafka()});
    ASSERT_TRUE(p.ok()) << p.status();
    // Partition 0: 3 events, a corrupt record, 3 events of case A.
    // Partition 1: 2 events of case B.
    auto a = events::testdata::SampleEvents("CS00000000006");
    auto b = events::testdata::SampleEvents("CS00000000007");
    std::vector<std::future<kafka::Delivery>> f;
    for (int i = 0; i < 3; ++i) f.push_back(Send(**p, 0, a[i]));
    f.push_back((*p)->Produce({topic_, 0, "CS00000000006", "this is not an event"}));
    for (int i = 3; i < 6; ++i) f.push_back(Send(**p, 0, a[i]));
    for (int i = 0; i < 2; ++i) f.push_back(Send(**p, 1, b[i]));
    for (auto& x : f) ASSERT_TRUE(x.get().status.ok());
  }
  std::future<kafka::Delivery> Send(kafka::Producer& p, int part,
                                    const fb::EventEnvelopeT& e) {
    return p.Produce({topic_, part, e.aggregate_id, events::EncodeEvent(e)});
  }
  std::vector<json> Replay(std::vector<std::string> extra) {
    std::vector<std::string> argv = {DOCKETCTL_PATH, "replay", "--brokers",
                                     testing::TestBrokers(), "--topic", topic_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    last_ = testing::RunCommand(argv);
    EXPECT_EQ(last_.exit_code, 0) << last_.err;
    std::vector<json> out;
    for (const auto& line : testing::Lines(last_.out)) out.push_back(json::parse(line));
    return out;
  }
  std::string topic_;
  testing::CommandOutput last_;
};

TEST_F(ReplayIT, CorruptRecordIsAnErrorLineAndTheReplayGoesOn) {
  std::vector<json> p0;
  for (auto& j : Replay({"--partition", "0"})) p0.push_back(j);
  ASSERT_EQ(p0.size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(p0[i]["offset"], i);
  const json& bad = p0[3];
  EXPECT_EQ(bad["partition"], 0);
  EXPECT_EQ(bad["offset"], 3);
  EXPECT_EQ(bad["error"], "data_loss");
  EXPECT_THAT(bad["message"].get<std::string>(), HasSubstr("event record"));
  const auto sample = events::testdata::SampleEvents("CS00000000006");
  for (int i : {0, 1, 2, 4, 5, 6}) {
    const auto& e = sample[i < 3 ? i : i - 1];
    EXPECT_EQ(p0[i]["aggregate_id"], "CS00000000006");
    EXPECT_EQ(p0[i]["version"], e.version);
    EXPECT_EQ(p0[i]["type"], std::string(events::EventTypeName(e.event.type)));
    EXPECT_EQ(p0[i]["event_id"], e.event_id);
    EXPECT_EQ(p0[i]["actor"]["role"], "Staff");
    EXPECT_FALSE(p0[i].contains("error"));
  }
  EXPECT_EQ(p0[0]["payload"]["subject"], "Nightly backup fails");
  EXPECT_EQ(p0[1]["payload"]["body"], "Any news?");
  EXPECT_THAT(last_.err, HasSubstr("6 events printed, 1 corrupt records"));
}

TEST_F(ReplayIT, ReadsEveryPartitionToTheEnd) {
  auto all = Replay({});
  EXPECT_EQ(all.size(), 9u);
  int p1 = 0;
  for (auto& j : all) p1 += j["partition"] == 1;
  EXPECT_EQ(p1, 2);
}

TEST_F(ReplayIT, FiltersByTypeAndAggregate) {
  auto opened = Replay({"--type", "CaseOpened"});
  ASSERT_EQ(opened.size(), 3u);  // one per case, plus the corrupt record
  int corrupt = 0;
  for (auto& j : opened) {
    if (j.contains("error")) {
      ++corrupt;
    } else {
      EXPECT_EQ(j["type"], "CaseOpened");
    }
  }
  EXPECT_EQ(corrupt, 1);
  auto b = Replay({"--aggregate", "CS00000000007"});
  ASSERT_EQ(b.size(), 2u);
  for (auto& j : b) EXPECT_EQ(j["aggregate_id"], "CS00000000007");
}

TEST_F(ReplayIT, StartsAtAnOffset) {
  auto tail = Replay({"--partition", "0", "--offset", "4"});
  ASSERT_EQ(tail.size(), 3u);
  EXPECT_EQ(tail[0]["offset"], 4);
}

TEST_F(ReplayIT, StartsAtATime) {
  // Every record was written in the last minutes: a time in the future
  // selects nothing, one in the past everything.
  EXPECT_EQ(Replay({"--from-time", "2099-01-01T00:00:00Z"}).size(), 0u);
  EXPECT_EQ(Replay({"--from-time", "2000-01-01T00:00:00Z"}).size(), 9u);
}

TEST_F(ReplayIT, UnknownTypeAndMissingTopicAreClearErrors) {
  auto r = testing::RunCommand({DOCKETCTL_PATH, "replay", "--brokers",
                                testing::TestBrokers(), "--topic", topic_, "--type",
                                "CaseExploded"});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_THAT(r.err, HasSubstr("--type 'CaseExploded' is not an event type"));
  r = testing::RunCommand({DOCKETCTL_PATH, "replay", "--brokers", testing::TestBrokers(),
                           "--topic", topic_ + "-missing"});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_THAT(r.err, HasSubstr("does not exist"));
}

}  // namespace
}  // namespace docket
