// Given status events -> then rows: services (sorted by name), the
// feedback count and the feedback rows (newest first), on RocksDB.
#include "projections/status/status_projection.h"

#include <gtest/gtest.h>


#include "events/codec.h"
#include "events/envelope.h"
#include "projections/status/status_queries.h"
#include "projections/projection_testing.h"

namespace docket::projections {
namespace {

class StatusProjectionTest : public testing::ProjectionTest<StatusProjection> {
 protected:
  template <typename T>
  fb::EventEnvelopeT Event(const std::string& id, uint64_t version, T payload) {
    fb::ActorT actor;
    actor.user_id = "agent-1";
    actor.role = fb::Role::Staff;
    ++commands_;
    return events::MakeEvent(id, version, actor, "cmd-" + std::to_string(commands_), 0,
                             1'790'000'000'000'000 + commands_, std::move(payload));
  }
  fb::EventEnvelopeT Service(const std::string& name, uint64_t version, fb::ServiceState st,
                             const std::string& message) {
    fb::ServiceStatusChangedT s;
    s.service = name;
    s.status = st;
    s.message = message;
    return Event("svc-" + name, version, std::move(s));
  }
  fb::EventEnvelopeT Feedback(const std::string& id) {
    fb::FeedbackSubmittedT f;
    f.feedback_id = id;
    f.message = "nice";
    f.rating = 5;
    return Event(id, 1, std::move(f));
  }

  int commands_ = 0;
};

TEST_F(StatusProjectionTest, LatestStatusPerServiceSortedByName) {
  ASSERT_EQ(*Apply(Service("voice", 1, fb::ServiceState::Operational, "")), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Service("internet", 1, fb::ServiceState::Outage, "fibre cut")),
            ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Service("internet", 2, fb::ServiceState::Degraded, "repairing")),
            ApplyOutcome::kApplied);
  auto services = StatusQueries(store_.get()).Services();
  ASSERT_TRUE(services.ok()) << services.status();
  ASSERT_EQ(services->size(), 2u);
  EXPECT_EQ((*services)[0].service, "internet");
  EXPECT_EQ((*services)[0].status, fb::ServiceState::Degraded);
  EXPECT_EQ((*services)[0].message, "repairing");
  EXPECT_EQ((*services)[0].updated_at_us, 1'790'000'000'000'003);
  EXPECT_EQ((*services)[1].service, "voice");
  EXPECT_EQ((*services)[1].status, fb::ServiceState::Operational);
}

TEST_F(StatusProjectionTest, FeedbackIsCountedAndKeptNewestFirst) {
  EXPECT_EQ(*StatusQueries(store_.get()).FeedbackCount(), 0);
  ASSERT_EQ(*Apply(Feedback("fb-1")), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Feedback("fb-2")), ApplyOutcome::kApplied);
  ASSERT_EQ(*Apply(Feedback("fb-3")), ApplyOutcome::kApplied);
  StatusQueries q(store_.get());
  EXPECT_EQ(*q.FeedbackCount(), 3);
  EXPECT_TRUE(q.Services()->empty());
  auto first = q.Feedback(2, "");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->rows.size(), 2u);
  EXPECT_EQ(first->rows[0].id, "fb-3");
  EXPECT_EQ(first->rows[1].id, "fb-2");
  EXPECT_EQ(first->rows[0].user_id, "agent-1");
  EXPECT_EQ(first->rows[0].message, "nice");
  EXPECT_EQ(first->rows[0].rating, 5);
  ASSERT_FALSE(first->after.empty());
  auto rest = q.Feedback(2, first->after);
  ASSERT_EQ(rest->rows.size(), 1u);
  EXPECT_EQ(rest->rows[0].id, "fb-1");
  EXPECT_TRUE(rest->after.empty());
  EXPECT_EQ(q.Feedback(2, "not-a-cursor").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(StatusProjectionTest, ReplayChangesNothing) {
  std::vector<fb::EventEnvelopeT> log = {
      Service("internet", 1, fb::ServiceState::Outage, "cut"),
      Service("internet", 2, fb::ServiceState::Operational, "fixed"), Feedback("fb-1")};
  ExpectReplayChangesNothing(log);
  EXPECT_EQ(*StatusQueries(store_.get()).FeedbackCount(), 1);
  EXPECT_EQ((*StatusQueries(store_.get()).Services())[0].message, "fixed");
}

TEST_F(StatusProjectionTest, EventOfAnotherContextDoesNotFit) {
  fb::PasswordHashChangedT p;
  p.password_hash = "h";
  auto r = Apply(Event("u-1", 2, std::move(p)));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace docket::projections
