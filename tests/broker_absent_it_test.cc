// With no broker at the configured address, every client call returns (and
// docketctl prints) an Unavailable error within its configured timeout
// (5 s here) that names the broker. Nothing hangs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/kafka_env.h"

namespace docket {
namespace {

using ::testing::HasSubstr;
using std::chrono::milliseconds;

constexpr milliseconds kTimeout{5000};
// Generous slack for a loaded 2-core machine under sanitizers: the point is
// that the call returns at all, with the right error, not how fast.
constexpr milliseconds kBound{kTimeout + milliseconds(10000)};

class BrokerAbsentIT : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = "127.0.0.1:" + std::to_string(testing::FreePort());
    options_.brokers = brokers_;
    options_.timeout = kTimeout;
    start_ = std::chrono::steady_clock::now();
  }
  void ExpectUnavailable(const Status& s) {
    auto elapsed = std::chrono::steady_clock::now() - start_;
    EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s;
    EXPECT_THAT(s.message(), HasSubstr(brokers_));
    EXPECT_LT(elapsed, kBound);
  }
  std::string brokers_;
  kafka::KafkaOptions options_;
  std::chrono::steady_clock::time_point start_;
};

TEST_F(BrokerAbsentIT, ProduceDeliveryFailsUnavailable) {
  auto p = kafka::Producer::Create({options_});
  ASSERT_TRUE(p.ok()) << p.status();
  auto f = (*p)->Produce(kafka::Record{"docket.cases.events", 0, "k", "v", {}});
  ASSERT_EQ(f.wait_for(kBound), std::future_status::ready);
  ExpectUnavailable(f.get().status);
}

TEST_F(BrokerAbsentIT, InitTransactionsFailsUnavailable) {
  kafka::Producer::Options o{options_};
  o.transactional_id = "it-absent";
  auto p = kafka::Producer::Create(o);
  ASSERT_TRUE(p.ok()) << p.status();
  ExpectUnavailable((*p)->InitTransactions());
}

TEST_F(BrokerAbsentIT, ConsumerMetadataAndPollFailUnavailable) {
  auto c = kafka::Consumer::Create({options_});
  ASSERT_TRUE(c.ok()) << c.status();
  ExpectUnavailable((*c)->Partitions("docket.cases.events").status());
  start_ = std::chrono::steady_clock::now();
  ASSERT_TRUE((*c)->Assign({{"docket.cases.events", 0, kafka::kOffsetBeginning}}).ok());
  ExpectUnavailable((*c)->Poll(10, kTimeout).status());
}

TEST_F(BrokerAbsentIT, AdminFailsUnavailable) {
  auto a = kafka::Admin::Create(options_);
  ASSERT_TRUE(a.ok()) << a.status();
  kafka::TopicSpec spec;
  spec.name = "it-absent";
  ExpectUnavailable((*a)->CreateTopics({spec}));
  start_ = std::chrono::steady_clock::now();
  ExpectUnavailable((*a)->DescribeTopic("it-absent").status());
}

TEST_F(BrokerAbsentIT, DocketctlReplayPrintsUnavailable) {
  testing::CommandOutput r = testing::RunCommand(
      {DOCKETCTL_PATH, "replay", "--brokers", brokers_, "--timeout-ms", "5000"});
  EXPECT_EQ(r.exit_code, 69) << r.err;  // EX_UNAVAILABLE
  EXPECT_THAT(r.err, HasSubstr("docketctl replay: unavailable: brokers " + brokers_));
  EXPECT_EQ(r.out, "");
  EXPECT_LT(r.elapsed, kBound);
}

}  // namespace
}  // namespace docket
