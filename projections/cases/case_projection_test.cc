// Given events -> exact read-model rows, for every event type.
#include "projections/cases/case_projection.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "aggregates/cases/case.h"
#include "common/time_format.h"
#include "projections/cases/keys.h"
#include "projections/cases/projection_fixture.h"
#include "projections/cases/search_index.h"

namespace docket::projections {
namespace {

using nlohmann::json;
const std::string kCase = "CS00000000011";

class CaseProjectionTest : public ReadModelTest {
 protected:
  int64_t Count(const std::string& account, fb::CaseState s) {
    auto v = store_->Get(Cf::kCounts, keys::CountKey(account, static_cast<char>('0' + static_cast<int>(s))));
    EXPECT_TRUE(v.ok());
    return v.ok() && v->has_value() ? DecodeCounter(**v).value_or(-1) : 0;
  }
  std::string ListEntryOf(const std::string& account, char sort, int64_t us) {
    auto v = store_->Get(Cf::kLists, keys::ListKey(account, sort, us, kCase));
    EXPECT_TRUE(v.ok());
    return v.ok() && v->has_value() ? **v : "";
  }
  bool InBitmap(const std::string& key, const std::string& number = kCase) {
    auto b = store_->GetBitmap(Cf::kPostings, key);
    EXPECT_TRUE(b.ok()) << b.status();
    return b.ok() && b->contains(*DocId(number));
  }
  // The case's frequency of `term` as the postings hold it (0 when the case
  // is not the account's or lacks the term).
  int64_t Tf(const std::string& account, const std::string& term) {
    if (!InBitmap(keys::AccountBitsKey(account)) || !InBitmap(keys::TermBitsKey(term))) return 0;
    int64_t tf = 1;
    for (int k = 0; k < kSliceBits; ++k) {
      if (InBitmap(keys::ExcessTfBitsKey(term, k))) tf += int64_t{1} << k;
    }
    return tf;
  }
  // The case's length in terms as the length bit slices hold it.
  int64_t Length() {
    int64_t n = 0;
    for (int k = 0; k < kSliceBits; ++k) {
      if (InBitmap(keys::LengthBitsKey(k))) n += int64_t{1} << k;
    }
    return n;
  }
  json LastItem() { return ActivityItems(kCase).back(); }
};

TEST_F(CaseProjectionTest, CaseOpenedWritesSummaryIndexesCountsActivityAndSearch) {
  Ok(Opened(kCase, "ACC-1", "Backups failing", "The résumé server", "technical_support",
            "internet"));
  json s = Summary(kCase);
  EXPECT_EQ(s["number"], kCase);
  EXPECT_EQ(s["state"], "NEW");
  EXPECT_EQ(s["account_id"], "ACC-1");
  EXPECT_EQ(s["service_address"], "1 Main Street, Springfield");
  EXPECT_EQ(s["case_type"], "technical_support");
  EXPECT_EQ(s["category"], "internet");
  EXPECT_EQ(s["subject"], "Backups failing");
  EXPECT_EQ(s["description"], "The résumé server");
  EXPECT_EQ(s["fields"], json({{"router_model", "XR-500"}}));
  EXPECT_EQ(s["opened_at"], "2026-09-21T14:13:21.000000Z");
  EXPECT_EQ(s["updated_at"], s["opened_at"]);
  EXPECT_EQ(s["opened_by"], json({{"user_id", "cust-ACC-1"}, {"display_name", "Carla Customer"},
                                  {"role", "customer"}}));
  EXPECT_TRUE(s["resolved_at"].is_null());
  EXPECT_TRUE(s["closed_at"].is_null());
  EXPECT_EQ(s["version"], 1);
  EXPECT_EQ(s["comment_count"], 0);
  EXPECT_EQ(s["watcher_count"], 0);
  EXPECT_EQ(s["attachment_count"], 0);

  const int64_t t = s["opened_at_us"].get<int64_t>();
  const std::string entry = ListEntry{fb::CaseState::New, "technical_support", "internet"}.Encode();
  for (const std::string& a : {std::string("ACC-1"), std::string()}) {
    EXPECT_EQ(ListEntryOf(a, 'u', t), entry);
    EXPECT_EQ(ListEntryOf(a, 'o', t), entry);
  }
  EXPECT_EQ(Count("ACC-1", fb::CaseState::New), 1);
  EXPECT_EQ(Count("", fb::CaseState::New), 1);

  json item = LastItem();
  EXPECT_EQ(item["type"], "opened");
  EXPECT_EQ(item["to"], "NEW");
  EXPECT_EQ(item["version"], 1);
  EXPECT_EQ(item["internal"], false);

  EXPECT_EQ(Tf("ACC-1", "backup"), 1);
  EXPECT_EQ(Tf("ACC-2", "backup"), 0);
  EXPECT_EQ(Tf("ACC-1", "resum"), 1);
  EXPECT_EQ(Tf("ACC-1", "acc"), 1);  // the account id is searchable too
  auto doc = store_->Get(Cf::kSearch, keys::DocKey(kCase));
  ASSERT_TRUE(doc.ok() && doc->has_value());
  // subject 2 + description 3 + category 1 + type 2 + address 4 + account 2 + field 2
  EXPECT_EQ(**doc, "16 " + std::to_string(t) + " " + std::to_string(t));
  EXPECT_EQ(Length(), 16);
  EXPECT_TRUE(InBitmap(keys::StateBitsKey('0' + static_cast<int>(fb::CaseState::New))));
  EXPECT_TRUE(InBitmap(keys::TypeBitsKey("technical_support")));
  EXPECT_TRUE(InBitmap(keys::CategoryBitsKey("technical_support", "internet")));
}

// A case's term list (s\0<number>) is sorted with each term's frequency; a
// store built before frequencies were kept holds the terms alone ("a\nb"):
// the next event indexes on (each old term counts once) instead of parking
// the case. A list out of order is malformed.
TEST_F(CaseProjectionTest, TheTermListStaysSortedAndOldListsIndexOn) {
  Ok(Opened(kCase, "ACC-1", "Slow"));
  auto terms = [&] { return **store_->Get(Cf::kSearch, keys::DocTermsKey(kCase)); };
  std::vector<TermCount> list;
  const std::string opened = terms();
  ASSERT_TRUE(ParseTermList(opened, &list)) << opened;
  std::string without_counts;
  for (const TermCount& t : list) {
    EXPECT_GE(t.tf, 1) << t.term;
    if (t.term == "slow") {
      EXPECT_EQ(t.tf, 1);
    }
    without_counts.append(t.term).push_back('\n');
  }
  without_counts.pop_back();
  Txn old(store_.get());
  old.Put(Cf::kSearch, keys::DocTermsKey(kCase), without_counts);
  ASSERT_TRUE(store_->Commit(old).ok());

  Ok(Comment(kCase, "zebra slow Slow aardvark"));
  list.clear();
  const std::string after = terms();
  ASSERT_TRUE(ParseTermList(after, &list)) << after;
  std::map<std::string, int64_t> tf;
  for (const TermCount& t : list) tf[std::string(t.term)] = t.tf;
  EXPECT_EQ(tf["slow"], 3);
  EXPECT_EQ(tf["zebra"], 1);
  EXPECT_EQ(tf["aardvark"], 1);
  for (const TermCount& t : list) {
    if (t.term != "slow" && t.term != "zebra" && t.term != "aardvark") {
      EXPECT_EQ(t.tf, 1) << t.term;  // an old line counts once
    }
  }
  EXPECT_EQ(Tf("ACC-1", "slow"), 3);
  EXPECT_EQ(Tf("ACC-1", "zebra"), 1);

  Txn shuffled(store_.get());
  shuffled.Put(Cf::kSearch, keys::DocTermsKey(kCase), "slow 1\nacc 1");
  ASSERT_TRUE(store_->Commit(shuffled).ok());
  auto r = Apply(Comment(kCase, "more"));
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("malformed"), std::string::npos) << r.status();
}

// The live path's cost is its keys: an event writes only what it changes.
// A state change without words: the head; the by-updated list entries moved
// and the by-opened ones rewritten (the state is their value), account and
// global (6); the two state bitmaps; four state counters; the activity
// item and its two feed pointers; the search document's recency. No term
// or length slice.
TEST_F(CaseProjectionTest, AnEventWritesOnlyTheKeysItChanges) {
  Ok(Opened(kCase, "ACC-1", "Slow"));
  const int64_t length = Length();
  fb::EventEnvelopeT accepted = Next(kCase, fb::CaseAcceptedT{}, /*staff=*/true);
  Txn txn(store_.get());
  TextAnalyzer text;
  auto r = ApplyCaseEvent(accepted, txn, text);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(txn.count(), 1u + 6u + 2u + 4u + 1u + 2u + 1u);
  ASSERT_TRUE(store_->Commit(txn).ok());
  EXPECT_EQ(Length(), length);
  EXPECT_TRUE(InBitmap(keys::TermBitsKey("slow")));
}

TEST_F(CaseProjectionTest, CaseNumbersBeyondTheIndexIdsAreRefused) {
  EXPECT_EQ(*DocId("CS04294967295"), 4294967295u);
  EXPECT_EQ(NumberOfDoc(4294967295u), "CS04294967295");
  EXPECT_EQ(DocId("CS04294967296").status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(CaseProjectionTest, AStateChangeMovesTheCaseBetweenStateBitmaps) {
  Ok(Opened(kCase, "ACC-1", "Slow"));
  Ok(Next(kCase, fb::CaseAcceptedT{}, /*staff=*/true));
  EXPECT_FALSE(InBitmap(keys::StateBitsKey('0' + static_cast<int>(fb::CaseState::New))));
  EXPECT_TRUE(InBitmap(keys::StateBitsKey('0' + static_cast<int>(fb::CaseState::Open))));
}

// Staff search ranks with these two statistics; they must be two counters
// (they once were one key "m" holding their sum).
TEST_F(CaseProjectionTest, SearchStatisticsAreTwoSeparateCounters) {
  auto counter = [&](const std::string& key) -> int64_t {
    auto v = store_->Get(Cf::kSearch, key);
    EXPECT_TRUE(v.ok());
    return v.ok() && v->has_value() ? DecodeCounter(**v).value_or(-1) : 0;
  };
  EXPECT_NE(keys::SearchDocsKey(), keys::SearchLengthKey());
  Ok(Opened(kCase, "ACC-1", "Backups failing", "The résumé server", "technical_support",
            "internet"));  // 16 terms (see above)
  Ok(Opened("CS00000000012", "ACC-2", "Slow"));
  const int64_t second = counter(keys::AccountLengthKey("ACC-2"));
  ASSERT_GT(second, 0);
  EXPECT_EQ(counter(keys::SearchDocsKey()), 2);
  EXPECT_EQ(counter(keys::SearchLengthKey()), 16 + second);
  EXPECT_EQ(counter(keys::AccountDocsKey("ACC-1")), 1);
  EXPECT_EQ(counter(keys::AccountLengthKey("ACC-1")), 16);
  auto legacy = store_->Get(Cf::kSearch, "m");
  ASSERT_TRUE(legacy.ok());
  EXPECT_FALSE(legacy->has_value());
}

TEST_F(CaseProjectionTest, CommentsAndInternalNotes) {
  Ok(Opened(kCase, "ACC-1", "Slow"));
  Ok(Comment(kCase, "Backups again"));
  EXPECT_EQ(Summary(kCase)["comment_count"], 1);
  EXPECT_EQ(LastItem()["type"], "comment");
  EXPECT_EQ(LastItem()["body"], "Backups again");
  EXPECT_EQ(Tf("ACC-1", "backup"), 1);
  Ok(Comment(kCase, "backup backup"));
  EXPECT_EQ(Tf("ACC-1", "backup"), 3);
  Ok(Comment(kCase, "backup backup backup backup backup"));
  EXPECT_EQ(Tf("ACC-1", "backup"), 8);  // tf - 1 = 7 -> 0b111; was 0b010
  auto df = store_->Get(Cf::kSearch, keys::DocFreqKey("backup"));
  EXPECT_EQ(DecodeCounter(**df), 1);  // one document, however often

  fb::InternalNoteAddedT note;
  note.note_id = "n1";
  note.body = "customer is secretword";
  Ok(Next(kCase, note, /*staff=*/true));
  EXPECT_EQ(LastItem()["type"], "internal_note");
  EXPECT_EQ(LastItem()["internal"], true);
  EXPECT_EQ(ActivityItems(kCase, /*staff=*/false).size(), 4u);  // the note is hidden
  EXPECT_EQ(Tf("ACC-1", "secretword"), 0);  // never searchable
  auto feed = queries_->Overview(Customer("ACC-1"), {});
  ASSERT_TRUE(feed.ok());
  for (const auto& u : (*feed)["updates"]) EXPECT_NE(u["type"], "internal_note");
}

TEST_F(CaseProjectionTest, AttachmentsAddRenameRemove) {
  Ok(Opened(kCase, "ACC-1", "Slow"));
  fb::AttachmentAddedT a;
  a.attachment_id = "a1";
  a.sha256 = std::string(64, 'b');
  a.file_name = "trace.txt";
  a.size_bytes = 42;
  a.content_type = "text/plain";
  Ok(Next(kCase, a));
  auto list = queries_->Attachments(Customer("ACC-1"), kCase);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0]["file_name"], "trace.txt");
  EXPECT_EQ((*list)[0]["sha256"], std::string(64, 'b'));
  EXPECT_EQ((*list)[0]["size_bytes"], 42);
  EXPECT_EQ((*list)[0]["content_type"], "text/plain");
  EXPECT_EQ(Summary(kCase)["attachment_count"], 1);

  fb::AttachmentRenamedT r;
  r.attachment_id = "a1";
  r.file_name = "router.log";
  Ok(Next(kCase, r));
  EXPECT_EQ(LastItem()["previous_file_name"], "trace.txt");
  auto one = queries_->Attachment(Customer("ACC-1"), kCase, "a1");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)["file_name"], "router.log");

  fb::AttachmentRemovedT d;
  d.attachment_id = "a1";
  Ok(Next(kCase, d));
  EXPECT_EQ(LastItem()["type"], "attachment_removed");
  EXPECT_EQ(LastItem()["file_name"], "router.log");
  EXPECT_TRUE(queries_->Attachments(Customer("ACC-1"), kCase)->empty());
  EXPECT_EQ(Summary(kCase)["attachment_count"], 0);
  EXPECT_EQ(queries_->Attachment(Customer("ACC-1"), kCase, "a1").status().code(),
            StatusCode::kNotFound);
}

TEST_F(CaseProjectionTest, WatchList) {
  Ok(Opened(kCase, "ACC-1", "Slow"));
  fb::WatcherAddedT w;
  w.email = "boss@acme.example";
  Ok(Next(kCase, w));
  auto list = queries_->Watchers(Customer("ACC-1"), kCase);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0]["email"], "boss@acme.example");
  EXPECT_EQ(Summary(kCase)["watcher_count"], 1);
  EXPECT_EQ(LastItem()["type"], "watcher_added");
  fb::WatcherRemovedT r;
  r.email = "boss@acme.example";
  Ok(Next(kCase, r));
  EXPECT_TRUE(queries_->Watchers(Customer("ACC-1"), kCase)->empty());
  EXPECT_EQ(Summary(kCase)["watcher_count"], 0);
  EXPECT_EQ(LastItem()["type"], "watcher_removed");
}

TEST_F(CaseProjectionTest, EveryStateChangeMovesIndexesAndCounts) {
  Ok(Opened(kCase, "ACC-1", "Slow"));
  struct Step {
    fb::EventEnvelopeT event;
    const char* from;
    const char* to;
  };
  fb::InformationRequestedT ask;
  ask.message = "Which router?";
  fb::InformationProvidedT provided;
  provided.comment_id = "c9";
  fb::CaseResolvedT resolved;
  resolved.resolution = "Replaced router";
  fb::ResolutionRejectedT rejected;
  rejected.reason = "still slow";
  fb::CaseClosedT closed;
  closed.reason = fb::CloseReason::AutoClose;
  fb::CaseReopenedT reopened;
  reopened.reason = "again";
  fb::CaseCancelledT cancelled;
  cancelled.reason = "moved";
  std::vector<Step> steps;
  steps.push_back({Next(kCase, fb::CaseAcceptedT{}, true), "NEW", "OPEN"});
  steps.push_back({Next(kCase, ask, true), "OPEN", "AWAITING_INFO"});
  steps.push_back({Next(kCase, provided), "AWAITING_INFO", "OPEN"});
  steps.push_back({Next(kCase, resolved, true), "OPEN", "RESOLVED"});
  steps.push_back({Next(kCase, rejected), "RESOLVED", "OPEN"});
  steps.push_back({Next(kCase, resolved, true), "OPEN", "RESOLVED"});
  steps.push_back({Next(kCase, fb::ResolutionAcceptedT{}), "RESOLVED", "CLOSED"});
  steps.push_back({Next(kCase, reopened, true), "CLOSED", "OPEN"});
  steps.push_back({Next(kCase, resolved, true), "OPEN", "RESOLVED"});
  steps.push_back({Next(kCase, closed, true), "RESOLVED", "CLOSED"});
  steps.push_back({Next(kCase, reopened, true), "CLOSED", "OPEN"});
  steps.push_back({Next(kCase, cancelled), "OPEN", "CANCELLED"});
  int64_t previous_updated = Summary(kCase)["updated_at_us"].get<int64_t>();
  for (const auto& step : steps) {
    SCOPED_TRACE(std::string(fb::EnumNameEvent(step.event.event.type)));
    Ok(step.event);
    json s = Summary(kCase);
    EXPECT_EQ(s["state"], step.to);
    EXPECT_EQ(s["version"], step.event.version);
    const int64_t updated = s["updated_at_us"].get<int64_t>();
    EXPECT_EQ(updated, step.event.occurred_at_us);
    const auto to = *aggregates::ParseStateName(step.to);
    // Exactly one list entry per index, at the new time, with the new state.
    const std::string entry = ListEntry{to, "technical_support", "internet"}.Encode();
    EXPECT_EQ(ListEntryOf("ACC-1", 'u', updated), entry);
    EXPECT_EQ(ListEntryOf("", 'u', updated), entry);
    EXPECT_EQ(ListEntryOf("ACC-1", 'u', previous_updated), "");
    EXPECT_EQ(ListEntryOf("ACC-1", 'o', s["opened_at_us"].get<int64_t>()), entry);
    previous_updated = updated;
    for (int st = 0; st <= 5; ++st) {
      EXPECT_EQ(Count("ACC-1", static_cast<fb::CaseState>(st)), st == static_cast<int>(to) ? 1 : 0);
      EXPECT_EQ(Count("", static_cast<fb::CaseState>(st)), st == static_cast<int>(to) ? 1 : 0);
    }
    json item = LastItem();
    EXPECT_EQ(item["type"], "state_changed");
    EXPECT_EQ(item["from"], step.from);
    EXPECT_EQ(item["to"], step.to);
  }
  json s = Summary(kCase);
  EXPECT_FALSE(s["cancelled_at"].is_null());
  EXPECT_EQ(s["resolution"], "Replaced router");
  auto items = ActivityItems(kCase);
  EXPECT_EQ(items[2]["message"], "Which router?");
  EXPECT_EQ(items[3]["comment_id"], "c9");
  EXPECT_EQ(items[4]["resolution"], "Replaced router");
  EXPECT_EQ(items[5]["reason"], "still slow");
  EXPECT_EQ(items[10]["reason"], "auto_close");
  EXPECT_EQ(items.size(), 13u);
}

TEST_F(CaseProjectionTest, ResolvedAndClosedTimes) {
  Ok(Opened(kCase, "ACC-1", "Slow"));
  Ok(Next(kCase, fb::CaseAcceptedT{}, true));
  fb::CaseResolvedT resolved;
  resolved.resolution = "Fixed";
  auto r = Next(kCase, resolved, true);
  Ok(r);
  EXPECT_EQ(Summary(kCase)["resolved_at"], FormatMicros(r.occurred_at_us));
  auto c = Next(kCase, fb::ResolutionAcceptedT{});
  Ok(c);
  EXPECT_EQ(Summary(kCase)["closed_at"], FormatMicros(c.occurred_at_us));
}

TEST_F(CaseProjectionTest, ReplayedEventsChangeNothing) {
  std::vector<fb::EventEnvelopeT> log = {Opened(kCase, "ACC-1", "Slow backups"),
                                         Comment(kCase, "hello"),
                                         Next(kCase, fb::CaseAcceptedT{}, true)};
  for (const auto& e : log) Ok(e);
  auto before = store_->Digest();
  ASSERT_TRUE(before.ok());
  for (const auto& e : log) {
    auto r = Apply(e);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(*r, ApplyOutcome::kAlreadyApplied);
  }
  EXPECT_EQ(*store_->Digest(), *before);
}

TEST_F(CaseProjectionTest, BrokenInvariantsAreNamed) {
  // An event for a case never opened.
  accounts_[kCase] = "ACC-1";
  versions_[kCase] = 0;
  auto orphan = Apply(Comment(kCase, "x"));
  EXPECT_EQ(orphan.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(orphan.status().message().find("never opened"), std::string::npos);
  // A gap.
  versions_[kCase] = 0;
  Ok(Opened(kCase, "ACC-1", "Slow"));
  versions_[kCase] = 2;
  auto gap = Apply(Comment(kCase, "x"));
  EXPECT_EQ(gap.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(gap.status().message().find("version gap"), std::string::npos);
  // A second CaseOpened.
  versions_[kCase] = 1;
  auto twice = Apply(Opened(kCase, "ACC-1", "Slow"));
  EXPECT_EQ(twice.status().code(), StatusCode::kFailedPrecondition);
  // Not a case number.
  accounts_["CS123"] = "ACC-1";
  auto bad = Apply(Opened("CS123", "ACC-1", "x"));
  EXPECT_EQ(bad.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(bad.status().message().find("not a case number"), std::string::npos);
  // The unknown attachment.
  versions_[kCase] = 1;
  fb::AttachmentRenamedT r;
  r.attachment_id = "nope";
  r.file_name = "x";
  EXPECT_EQ(Apply(Next(kCase, r)).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(CaseProjectionTest, StateNamesRoundTrip) {
  for (int s = 0; s <= 5; ++s) {
    auto state = static_cast<fb::CaseState>(s);
    EXPECT_EQ(aggregates::ParseStateName(aggregates::StateName(state)), state);
  }
  EXPECT_EQ(aggregates::ParseStateName("awaiting_info"), fb::CaseState::AwaitingInfo);
  EXPECT_FALSE(aggregates::ParseStateName("PENDING").has_value());
  EXPECT_FALSE(ListEntry::Decode("x").has_value());
  EXPECT_FALSE(ListEntry::Decode("9\x1f" "a\x1f" "b").has_value());
}

}  // namespace
}  // namespace docket::projections
