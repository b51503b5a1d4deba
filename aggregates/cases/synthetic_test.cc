#include "aggregates/cases/synthetic.h"

#include <gtest/gtest.h>

#include <map>

#include "aggregates/cases/case.h"

namespace docket::aggregates {
namespace {

// The synthetic log obeys what every consumer relies on: versions 1..n
// without gaps, CaseOpened first, times growing, every record decodable,
// partitions as the case number says, and each event allowed by the
// aggregate in the state the previous events left.
TEST(SyntheticCasesTest, HistoriesAreValidCaseLogs) {
  SyntheticOptions o;
  o.partitions = 4;
  o.active_cases = 50;
  SyntheticCases gen(o);
  std::map<std::string, CaseSnapshot> states;
  int64_t last_time = 0;
  for (int i = 0; i < 5000; ++i) {
    fb::EventEnvelopeT e = gen.Next();
    auto decoded = events::DecodeEvent(events::EncodeEvent(e));
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ASSERT_GT(e.occurred_at_us, last_time);
    last_time = e.occurred_at_us;
    auto p = CasePartition(e.aggregate_id, o.partitions);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(gen.PartitionOf(e), *p);
    CaseSnapshot& s = states[e.aggregate_id];
    ASSERT_EQ(e.version, s.version + 1) << e.aggregate_id;
    if (s.version == 0) {
      ASSERT_EQ(e.event.type, fb::Event::CaseOpened);
    }
    ApplyCase(&s, *decoded);
    ASSERT_EQ(s.version, e.version);
  }
  EXPECT_GT(gen.cases_opened(), 100u);
  // Cases in flight may not have emitted their CaseOpened yet.
  EXPECT_LE(states.size(), gen.cases_opened());
  EXPECT_GE(states.size() + o.active_cases, gen.cases_opened());
}

TEST(SyntheticCasesTest, SameSeedSameLog) {
  SyntheticCases a(SyntheticOptions{}), b(SyntheticOptions{});
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(events::EncodeEvent(a.Next()), events::EncodeEvent(b.Next()));
  }
}

}  // namespace
}  // namespace docket::aggregates
