// Topic administration against the real broker: ensuring topics creates the
// missing ones, accepts matching existing ones (describing their configs),
// and refuses existing ones that differ, naming the difference.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "events/topics.h"
#include "tests/kafka_env.h"

namespace docket {
namespace {

using ::testing::HasSubstr;

TEST(AdminIT, EnsureTopicsCreatesThenChecksExistingTopics) {
  auto admin = kafka::Admin::Create(testing::TestKafka());
  ASSERT_TRUE(admin.ok()) << admin.status();
  events::TopicLayout layout;
  layout.prefix = testing::UniqueName("it-admin");
  const auto specs = events::AllTopicSpecs(layout);
  ASSERT_TRUE((*admin)->EnsureTopics(specs).ok());
  // Second time: every topic exists and is described, configs included.
  Status again = (*admin)->EnsureTopics(specs);
  ASSERT_TRUE(again.ok()) << again;
  auto d = (*admin)->DescribeTopic(layout.EventsTopic("cases"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->partitions, 6);
  EXPECT_EQ(d->configs.at("cleanup.policy"), "delete");
  EXPECT_EQ(d->configs.at("retention.ms"), "-1");

  events::TopicLayout more = layout;
  more.partitions = 12;
  Status s = (*admin)->EnsureTopics(events::AllTopicSpecs(more));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("has 6 partitions, expected 12"));

  auto spec = events::EventsTopicSpec(layout, "cases");
  spec.configs["retention.ms"] = "1000";
  s = (*admin)->EnsureTopics({spec});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("retention.ms is -1, expected 1000"));

  EXPECT_EQ((*admin)->DescribeTopic(layout.prefix + ".nope").status().code(),
            StatusCode::kNotFound);
  std::vector<std::string> names;
  for (const auto& t : specs) names.push_back(t.name);
  EXPECT_TRUE((*admin)->DeleteTopics(names).ok());
}

TEST(AdminIT, DocketctlTopicsEnsureIsIdempotent) {
  const std::string prefix = testing::UniqueName("it-ctl");
  for (int i = 0; i < 2; ++i) {
    testing::CommandOutput r = testing::RunCommand(
        {DOCKETCTL_PATH, "topics", "ensure", "--brokers", testing::TestBrokers(), "--prefix",
         prefix});
    ASSERT_EQ(r.exit_code, 0) << "run " << i << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr(prefix + ".cases.events\t6 partitions\tok"));
  }
}

}  // namespace
}  // namespace docket
