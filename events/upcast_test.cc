#include "events/upcast.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "events/codec.h"
#include "events/envelope.h"
#include "events/testdata.h"

namespace docket::events {
namespace {

// A record as a v1 writer produced it: only occurred_at_ms.
fb::EventEnvelopeT V1Record(int64_t ms) {
  fb::EventEnvelopeT e = testdata::SampleEvents()[1];
  e.schema_version = 1;
  e.occurred_at_ms = ms;
  e.occurred_at_us = 0;
  return e;
}

TEST(UpcastTest, V1RecordIsLiftedToMicroseconds) {
  Result<fb::EventEnvelopeT> d = DecodeEvent(EncodeEvent(V1Record(1'700'000'000'123)));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->schema_version, kEventSchemaVersion);
  EXPECT_EQ(d->occurred_at_us, 1'700'000'000'123'000);
  EXPECT_EQ(d->occurred_at_ms, 1'700'000'000'123);
  // The rest of the record is untouched.
  EXPECT_EQ(d->event.AsCommentAdded()->body,
            testdata::SampleEvents()[1].event.AsCommentAdded()->body);
}

TEST(UpcastTest, CurrentRecordIsUnchanged) {
  fb::EventEnvelopeT e = testdata::SampleEvents()[1];
  fb::EventEnvelopeT copy = e;
  ASSERT_TRUE(UpcastEvent(&copy).ok());
  EXPECT_EQ(copy, e);
}

TEST(UpcastTest, OverflowingV1TimeIsDataLoss) {
  fb::EventEnvelopeT e = V1Record(std::numeric_limits<int64_t>::max() / 10);
  Status s = UpcastEvent(&e);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("does not fit in microseconds"));
}

TEST(UpcastTest, WritersFillBothTimeFields) {
  fb::EventEnvelopeT e = MakeEvent("CS1", 1, testdata::SampleActor(), "c", 0,
                                   -1'500, fb::CaseAcceptedT{});
  EXPECT_EQ(e.occurred_at_us, -1'500);
  EXPECT_EQ(e.occurred_at_ms, -2);  // floor, as a v1 reader expects
  EXPECT_EQ(e.event_id, "c/0");
  EXPECT_EQ(e.schema_version, kEventSchemaVersion);
}

}  // namespace
}  // namespace docket::events
