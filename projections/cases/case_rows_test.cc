// The binary rows of the cases read models: what each row keeps and the
// JSON the queries serve from it.
#include "projections/cases/case_rows.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace docket::projections {
namespace {

using nlohmann::json;

fb::ActorT Agent() {
  fb::ActorT a;
  a.user_id = "u-7";
  a.display_name = "Ann Agent";
  a.role = fb::Role::Staff;
  a.account_ids = {"ACC-1"};
  return a;
}

fb::CaseOpenedT Opened() {
  fb::CaseOpenedT o;
  o.account_id = "ACC-1";
  o.service_address = "1 Main Street";
  o.case_type = "Repair";
  o.category = "Internet";
  o.subject = "Router down";
  o.description = "Since Monday";
  auto f = std::make_unique<fb::FieldT>();
  f->key = "router_model";
  f->value = "XR-500";
  o.fields.push_back(std::move(f));
  return o;
}

TEST(CaseRowsTest, HeadKeepsEveryFieldAndTellsUnsetFromEmpty) {
  CaseHead h;
  h.version = 7;
  h.state = fb::CaseState::Resolved;
  h.account_id = "ACC-1";
  h.case_type = "Repair";
  h.category = "Internet";
  h.opened_at_us = 1'700'000'000'000'000;
  h.updated_at_us = 1'700'000'100'000'000;
  h.resolved_at_us = 1'700'000'050'000'000;
  h.resolution = "";  // resolved with an empty text: not the same as none
  h.comment_count = 3;
  h.attachment_count = 1;
  h.watcher_count = 2;
  auto back = CaseHead::Decode(h.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->version, 7u);
  EXPECT_EQ(back->state, fb::CaseState::Resolved);
  EXPECT_EQ(back->account_id, "ACC-1");
  EXPECT_EQ(back->case_type, "Repair");
  EXPECT_EQ(back->category, "Internet");
  EXPECT_EQ(back->opened_at_us, h.opened_at_us);
  EXPECT_EQ(back->updated_at_us, h.updated_at_us);
  EXPECT_EQ(back->resolved_at_us, h.resolved_at_us);
  EXPECT_FALSE(back->closed_at_us.has_value());
  EXPECT_FALSE(back->cancelled_at_us.has_value());
  EXPECT_EQ(back->resolution, std::optional<std::string>(""));
  EXPECT_EQ(back->comment_count, 3);
  EXPECT_EQ(back->attachment_count, 1);
  EXPECT_EQ(back->watcher_count, 2);
  h.resolution.reset();
  EXPECT_FALSE(CaseHead::Decode(h.Encode())->resolution.has_value());
}

TEST(CaseRowsTest, SummaryJoinsHeadAndBody) {
  CaseHead h;
  h.version = 2;
  h.state = fb::CaseState::Open;
  h.account_id = "ACC-1";
  h.case_type = "Repair";
  h.category = "Internet";
  h.opened_at_us = 1'700'000'000'000'000;
  h.updated_at_us = 1'700'000'100'000'000;
  h.closed_at_us = 1'700'000'090'000'000;
  h.comment_count = 1;
  const fb::ActorT agent = Agent();
  auto s = SummaryJson("CS00000000001", h.Encode(), EncodeCaseBody(Opened(), &agent));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(*s, json({{"number", "CS00000000001"},
                      {"state", "OPEN"},
                      {"account_id", "ACC-1"},
                      {"service_address", "1 Main Street"},
                      {"case_type", "Repair"},
                      {"category", "Internet"},
                      {"subject", "Router down"},
                      {"description", "Since Monday"},
                      {"fields", {{"router_model", "XR-500"}}},
                      {"opened_at", FormatMicros(h.opened_at_us)},
                      {"opened_at_us", h.opened_at_us},
                      {"opened_by",
                       {{"user_id", "u-7"}, {"display_name", "Ann Agent"}, {"role", "staff"}}},
                      {"updated_at", FormatMicros(h.updated_at_us)},
                      {"updated_at_us", h.updated_at_us},
                      {"resolved_at", nullptr},
                      {"closed_at", FormatMicros(*h.closed_at_us)},
                      {"cancelled_at", nullptr},
                      {"resolution", nullptr},
                      {"comment_count", 1},
                      {"attachment_count", 0},
                      {"watcher_count", 0},
                      {"version", 2}}));
  EXPECT_EQ(*BodySubject(EncodeCaseBody(Opened(), nullptr)), "Router down");
  // The body keeps no account list of the actor; no actor reads as unknown.
  auto anonymous = SummaryJson("CS00000000001", h.Encode(), EncodeCaseBody(Opened(), nullptr));
  ASSERT_TRUE(anonymous.ok());
  EXPECT_EQ((*anonymous)["opened_by"],
            json({{"user_id", ""}, {"display_name", ""}, {"role", "unknown"}}));
}

TEST(CaseRowsTest, ActivityItemHasItsPresentFieldsOnly) {
  const fb::ActorT agent = Agent();
  ActivityItem change;
  change.kind = fb::ActivityKind::StateChanged;
  change.version = 4;
  change.at_us = 1'700'000'000'000'000;
  change.actor = &agent;
  change.from = fb::CaseState::Open;
  change.to = fb::CaseState::AwaitingInfo;
  change.message = "Which router?";
  auto j = ActivityJson(change.Encode());
  ASSERT_TRUE(j.ok()) << j.status();
  EXPECT_EQ(*j, json({{"type", "state_changed"},
                      {"version", 4},
                      {"at", FormatMicros(change.at_us)},
                      {"actor",
                       {{"user_id", "u-7"}, {"display_name", "Ann Agent"}, {"role", "staff"}}},
                      {"internal", false},
                      {"from", "OPEN"},
                      {"to", "AWAITING_INFO"},
                      {"message", "Which router?"}}));

  ActivityItem note;
  note.kind = fb::ActivityKind::InternalNote;
  note.internal = true;
  note.note_id = "n1";
  note.body = "";  // present though empty
  auto n = ActivityJson(note.Encode());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)["type"], "internal_note");
  EXPECT_EQ((*n)["internal"], true);
  EXPECT_EQ((*n)["body"], "");
  EXPECT_FALSE(n->contains("from"));
  EXPECT_FALSE(n->contains("comment_id"));

  // A removed attachment whose row was unreadable: its name is null.
  ActivityItem removed;
  removed.kind = fb::ActivityKind::AttachmentRemoved;
  removed.attachment_id = "a1";
  auto r = ActivityJson(removed.Encode());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)["file_name"].is_null());
  EXPECT_EQ((*r)["type"], "attachment_removed");
}

TEST(CaseRowsTest, BytesThatAreNotARowAreDataLoss) {
  const fb::ActorT agent = Agent();
  const std::string body = EncodeCaseBody(Opened(), &agent);
  CaseHead h;
  h.account_id = "ACC-1";
  const std::string head = h.Encode();
  for (const std::string& bad : {std::string(), std::string("{not json"),
                                 head.substr(0, head.size() / 2), std::string(64, '\xff')}) {
    EXPECT_EQ(CaseHead::Decode(bad).status().code(), StatusCode::kDataLoss) << bad.size();
    EXPECT_EQ(ActivityJson(bad).status().code(), StatusCode::kDataLoss) << bad.size();
    EXPECT_EQ(SummaryJson("CS00000000001", head, bad).status().code(), StatusCode::kDataLoss);
    EXPECT_EQ(BodySubject(bad).status().code(), StatusCode::kDataLoss);
  }
}

}  // namespace
}  // namespace docket::projections
