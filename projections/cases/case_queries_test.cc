// Queries over the read models: lists, export, activity, overview, search,
// and the access scope on every one of them.
#include "projections/cases/case_queries.h"

#include <gtest/gtest.h>

#include <set>

#include "aggregates/cases/case.h"
#include "projections/cases/projection_fixture.h"

namespace docket::projections {
namespace {

using nlohmann::json;

std::string Number(uint64_t n) { return aggregates::FormatCaseNumber(n, 0, 1); }

std::vector<std::string> Numbers(const std::vector<json>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r["number"]);
  return out;
}

class CaseQueriesTest : public ReadModelTest {
 protected:
  // Every page of a list, following cursors.
  std::vector<std::string> AllPages(const Scope& scope, ListQuery q) {
    std::vector<std::string> out;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = queries_->List(scope, q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      EXPECT_LE(page->rows.size(), q.page_size);
      for (auto& n : Numbers(page->rows)) out.push_back(n);
      if (!page->has_more) break;
      EXPECT_EQ(page->rows.size(), q.page_size);  // only the last page is short
      q.after = page->after_cursor;
    }
    return out;
  }
  std::vector<std::string> SearchNumbers(const Scope& scope, const std::string& q) {
    SearchQuery sq;
    sq.q = q;
    sq.page_size = 100;
    auto page = queries_->Search(scope, sq);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? Numbers(page->rows) : std::vector<std::string>{};
  }
};

TEST_F(CaseQueriesTest, GetCaseIsScoped) {
  Ok(Opened(Number(1), "ACC-1", "Slow"));
  auto mine = queries_->GetCase(Customer("ACC-1"), Number(1));
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ((*mine)["subject"], "Slow");
  EXPECT_FALSE(mine->contains("opened_at_us"));
  auto theirs = queries_->GetCase(Customer("ACC-2"), Number(1));
  auto missing = queries_->GetCase(Customer("ACC-2"), Number(2));
  EXPECT_EQ(theirs.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(theirs.status().message(), "case " + Number(1) + " not found");
  EXPECT_EQ(queries_->GetCase(Customer("ACC-1"), "../../etc").status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(queries_->GetCase(Staff(), Number(1)).ok());
}

TEST_F(CaseQueriesTest, AccessFilterAppliesBeforeTheLimit) {
  // A customer with 7 cases among 300 of another account still gets full
  // pages of their own, newest first.
  std::vector<std::string> mine;
  for (uint64_t i = 1; i <= 307; ++i) {
    const bool is_mine = i % 43 == 0;
    Ok(Opened(Number(i), is_mine ? "ACC-1" : "ACC-2", "case " + std::to_string(i)));
    if (is_mine) mine.insert(mine.begin(), Number(i));
  }
  ASSERT_EQ(mine.size(), 7u);
  ListQuery q;
  q.page_size = 3;
  EXPECT_EQ(AllPages(Customer("ACC-1"), q), mine);
  auto first = queries_->List(Customer("ACC-1"), q);
  EXPECT_EQ(first->rows.size(), 3u);
  EXPECT_EQ(first->total, 7u);
  // Staff see all 307; two accounts merged are in one order.
  q.page_size = 100;
  EXPECT_EQ(AllPages(Staff(), q).size(), 307u);
  auto both = AllPages(Scope{false, {"ACC-2", "ACC-1", "ACC-1"}}, q);
  EXPECT_EQ(both.size(), 307u);
  EXPECT_TRUE(std::is_sorted(both.rbegin(), both.rend()));  // opened in number order
  // Asking for another account's cases by filter gives nothing.
  q.account_ids = {"ACC-2"};
  EXPECT_TRUE(AllPages(Customer("ACC-1"), q).empty());
  EXPECT_EQ(queries_->List(Customer("ACC-1"), q)->total, 0u);
}

TEST_F(CaseQueriesTest, FiltersMatchAnyOfSeveralValues) {
  Ok(Opened(Number(1), "ACC-1", "a", "d", "technical_support", "internet"));
  Ok(Opened(Number(2), "ACC-2", "b", "d", "account_billing", "billing"));
  Ok(Opened(Number(3), "ACC-3", "c", "d", "add_service", "new_location"));
  ListQuery q;
  q.case_types = {"technical_support", "add_service"};
  EXPECT_EQ(AllPages(Staff(), q), (std::vector<std::string>{Number(3), Number(1)}));
  q.case_types.clear();
  q.categories = {"billing", "internet"};
  EXPECT_EQ(AllPages(Staff(), q), (std::vector<std::string>{Number(2), Number(1)}));
  q.categories.clear();
  q.account_ids = {"ACC-1", "ACC-3"};
  EXPECT_EQ(AllPages(Staff(), q), (std::vector<std::string>{Number(3), Number(1)}));
  EXPECT_EQ(queries_->List(Staff(), q)->total, 2u);
  // A customer's filter narrows to their own accounts only.
  EXPECT_EQ(AllPages(Scope{false, {"ACC-1", "ACC-2"}}, q), (std::vector<std::string>{Number(1)}));
}

TEST_F(CaseQueriesTest, ChangesAreTheCasesUpdatedSinceATimeInScope) {
  Ok(Opened(Number(1), "ACC-1", "a"));
  Ok(Opened(Number(2), "ACC-2", "b"));
  const int64_t before = clock_us_;
  Ok(Next(Number(2), fb::CaseAcceptedT{}, true));
  Ok(Next(Number(1), fb::CaseAcceptedT{}, true));
  ChangesQuery q;
  q.since_us = before + 1;
  auto staff = queries_->Changes(Staff(), q);
  ASSERT_TRUE(staff.ok()) << staff.status().ToString();
  ASSERT_EQ(staff->changes.size(), 2u);  // oldest first
  EXPECT_EQ(staff->changes[0].summary["number"], Number(2));
  EXPECT_EQ(staff->changes[1].summary["number"], Number(1));
  EXPECT_EQ(staff->changes[1].updated_us, clock_us_);
  EXPECT_EQ(staff->changes[1].summary["state"], "OPEN");
  EXPECT_FALSE(staff->changes[1].summary.contains("updated_at_us"));
  EXPECT_FALSE(staff->truncated);
  // A customer sees only their accounts' changes; of one case, only it.
  auto mine = queries_->Changes(Customer("ACC-1"), q);
  ASSERT_EQ(mine->changes.size(), 1u);
  EXPECT_EQ(mine->changes[0].summary["number"], Number(1));
  q.number = Number(2);
  EXPECT_TRUE(queries_->Changes(Customer("ACC-1"), q)->changes.empty());
  EXPECT_EQ(queries_->Changes(Staff(), q)->changes.size(), 1u);
  // Nothing since the last change; more than the limit is truncated.
  q.number.clear();
  q.since_us = clock_us_ + 1;
  EXPECT_TRUE(queries_->Changes(Staff(), q)->changes.empty());
  q.since_us = 0;
  q.limit = 1;
  auto few = queries_->Changes(Staff(), q);
  EXPECT_TRUE(few->truncated);
  EXPECT_EQ(few->changes.size(), 1u);
}

// Before: a filter matching nothing read the whole index in one request
// (every case, for staff). Now a filter that selects few cases reads just
// those, and a walk of the index stops at its budget.
TEST_F(CaseQueriesTest, APageReadsAtMostItsBudgetAndGoesOnFromItsCursor) {
  for (uint64_t i = 1; i <= 95; ++i) {
    Ok(Opened(Number(i), "ACC-1", "x", "d", i == 7 ? "account_billing" : "technical_support",
              "internet"));
  }
  ListQuery q;
  q.case_types = {"account_billing"};  // one case, near the end (opened 7th of 95)
  q.max_scanned = 10;
  auto one = queries_->List(Staff(), q);
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(Numbers(one->rows), std::vector<std::string>{Number(7)});
  EXPECT_FALSE(one->has_more);  // one request, whatever the index holds
  EXPECT_EQ(one->total, 1u);
  q.case_types = {"no_such_type"};
  auto none = queries_->List(Staff(), q);
  EXPECT_TRUE(none->rows.empty());
  EXPECT_FALSE(none->has_more);
  EXPECT_EQ(none->total, 0u);

  q.case_types = {"technical_support"};  // 94 of 95: the index is walked
  q.page_size = 100;
  std::vector<std::string> found;
  int pages = 0;
  for (;; ++pages) {
    auto page = queries_->List(Staff(), q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->rows.size(), 10u);
    for (auto& n : Numbers(page->rows)) found.push_back(n);
    if (!page->has_more) break;
    ASSERT_FALSE(page->after_cursor.empty());
    q.after = page->after_cursor;
    ASSERT_LT(pages, 20);
  }
  EXPECT_EQ(found.size(), 94u);
  EXPECT_GE(pages, 9);  // 95 entries, at most 10 a page
  // A full page still ends where its rows end, budget or not.
  q = ListQuery{};
  q.page_size = 4;
  q.max_scanned = 6;
  auto first = queries_->List(Staff(), q);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Numbers(first->rows),
            (std::vector<std::string>{Number(95), Number(94), Number(93), Number(92)}));
  q.after = first->after_cursor;
  EXPECT_EQ(Numbers(queries_->List(Staff(), q)->rows).front(), Number(91));
  q.max_scanned = 0;
  EXPECT_EQ(queries_->List(Staff(), q).status().code(), StatusCode::kInvalidArgument);
}

// A filtered list reads the same rows, in the same pages, whether it reads
// the selected cases one by one or walks the index.
TEST_F(CaseQueriesTest, DirectAndWalkedFilteredPagesAgree) {
  const char* types[] = {"technical_support", "account_billing"};
  const char* categories[] = {"internet", "voice", "billing"};
  for (uint64_t i = 1; i <= 60; ++i) {
    Ok(Opened(Number(i), i % 3 ? "ACC-1" : "ACC-2", "x", "d", types[i % 2], categories[i % 3]));
    if (i % 4 == 0) Ok(Next(Number(i), fb::CaseAcceptedT{}, true));
  }
  for (uint64_t i = 1; i <= 60; i += 7) Ok(Comment(Number(i), "later"));  // reorders by update
  std::vector<ListQuery> queries(5);
  queries[0].states = {fb::CaseState::Open};
  queries[1].case_types = {"account_billing"};
  queries[2].categories = {"voice", "billing"};
  queries[3].states = {fb::CaseState::New};
  queries[3].case_types = {"technical_support"};
  queries[3].sort = ListQuery::Sort::kOpened;
  queries[4].account_ids = {"ACC-2"};
  queries[4].categories = {"internet"};
  for (ListQuery q : queries) {
    q.page_size = 4;
    for (const Scope& scope : {Staff(), Customer("ACC-1")}) {
      q.plan = ListQuery::Plan::kDirect;
      const auto direct = AllPages(scope, q);
      q.plan = ListQuery::Plan::kWalk;
      const auto walked = AllPages(scope, q);
      EXPECT_EQ(direct, walked);
      EXPECT_EQ(queries_->List(scope, q)->total, walked.size());
    }
  }
}

TEST_F(CaseQueriesTest, FiltersAndSort) {
  Ok(Opened(Number(1), "ACC-1", "a", "d", "technical_support", "internet"));
  Ok(Opened(Number(2), "ACC-1", "b", "d", "account_billing", "billing"));
  Ok(Opened(Number(3), "ACC-1", "c", "d", "technical_support", "voice"));
  Ok(Next(Number(1), fb::CaseAcceptedT{}, true));  // 1 is now the most recently updated
  ListQuery q;
  EXPECT_EQ(AllPages(Customer("ACC-1"), q),
            (std::vector<std::string>{Number(1), Number(3), Number(2)}));
  q.sort = ListQuery::Sort::kOpened;
  EXPECT_EQ(AllPages(Customer("ACC-1"), q),
            (std::vector<std::string>{Number(3), Number(2), Number(1)}));
  q.sort = ListQuery::Sort::kUpdated;
  q.states = {fb::CaseState::New};
  EXPECT_EQ(AllPages(Customer("ACC-1"), q), (std::vector<std::string>{Number(3), Number(2)}));
  EXPECT_EQ(queries_->List(Customer("ACC-1"), q)->total, 2u);
  q.states = {fb::CaseState::New, fb::CaseState::Open};
  EXPECT_EQ(AllPages(Customer("ACC-1"), q).size(), 3u);
  q.case_types = {"technical_support"};
  EXPECT_EQ(AllPages(Customer("ACC-1"), q), (std::vector<std::string>{Number(1), Number(3)}));
  EXPECT_EQ(queries_->List(Customer("ACC-1"), q)->total, 2u);
  q.categories = {"voice"};
  EXPECT_EQ(AllPages(Customer("ACC-1"), q), (std::vector<std::string>{Number(3)}));
  q.page_size = 0;
  EXPECT_EQ(queries_->List(Customer("ACC-1"), q).status().code(), StatusCode::kInvalidArgument);
  q.page_size = 101;
  EXPECT_EQ(queries_->List(Customer("ACC-1"), q).status().code(), StatusCode::kInvalidArgument);
  q.page_size = 10;
  for (const char* bad : {"zz", "u00", "o0000", "uxyz"}) {
    q.after = bad;
    EXPECT_EQ(queries_->List(Customer("ACC-1"), q).status().code(), StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST_F(CaseQueriesTest, CursorsAreStableWhileNewCasesArrive) {
  for (uint64_t i = 1; i <= 50; ++i) Ok(Opened(Number(i), "ACC-1", "x"));
  ListQuery q;
  q.page_size = 10;
  auto page = queries_->List(Customer("ACC-1"), q);
  std::vector<std::string> seen = Numbers(page->rows);
  for (uint64_t i = 51; i <= 80; ++i) Ok(Opened(Number(i), "ACC-1", "x"));  // newer
  while (page->has_more) {
    q.after = page->after_cursor;
    page = queries_->List(Customer("ACC-1"), q);
    for (auto& n : Numbers(page->rows)) seen.push_back(n);
  }
  std::vector<std::string> expected;
  for (uint64_t i = 50; i >= 1; --i) expected.push_back(Number(i));
  EXPECT_EQ(seen, expected);  // no case twice, none skipped
}

TEST_F(CaseQueriesTest, ExportIsRfc4180AndScoped) {
  Ok(Opened(Number(1), "ACC-1", "Plain"));
  Ok(Opened(Number(2), "ACC-1", "Has, comma and \"quotes\"\nand a line"));
  Ok(Opened(Number(3), "ACC-2", "Not mine"));
  Ok(Opened(Number(4), "ACC-1", "=HYPERLINK(\"x\")"));
  for (uint64_t i = 5; i <= 250; ++i) Ok(Opened(Number(i), "ACC-2", "x"));
  std::string csv;
  int chunks = 0;
  ASSERT_TRUE(queries_->ExportCsv(Customer("ACC-1"), ListQuery{}, [&](std::string_view c) {
    csv.append(c);
    ++chunks;
    return true;
  }).ok());
  const std::string header =
      "Number,State,Account,Service Address,Case Type,Category,Subject,Opened,Opened By,"
      "Last Updated,Resolved\r\n";
  ASSERT_EQ(csv.substr(0, header.size()), header);
  auto row = [&](int n, const std::string& subject) {
    json s = Summary(Number(n));
    return Number(n) + ",NEW,ACC-1,\"1 Main Street, Springfield\",technical_support,internet," +
           subject + "," + s["opened_at"].get<std::string>() + ",Carla Customer," +
           s["updated_at"].get<std::string>() + ",\r\n";
  };
  // Newest first, exactly these rows: quoted where RFC 4180 says, and a
  // formula-looking cell defused with an apostrophe.
  EXPECT_EQ(csv, header + row(4, "\"'=HYPERLINK(\"\"x\"\")\"") +
                     row(2, "\"Has, comma and \"\"quotes\"\"\nand a line\"") + row(1, "Plain"));
  EXPECT_EQ(csv.find("Not mine"), std::string::npos);
  EXPECT_EQ(csv.find("ACC-2"), std::string::npos);

  // Staff export of 250 cases streams in pages, and a sink can stop it.
  size_t lines = 0;
  chunks = 0;
  ASSERT_TRUE(queries_->ExportCsv(Staff(), ListQuery{}, [&](std::string_view c) {
    ++chunks;
    for (size_t p = c.find("\r\n"); p != std::string_view::npos; p = c.find("\r\n", p + 2)) ++lines;
    return true;
  }).ok());
  EXPECT_EQ(chunks, 3);
  EXPECT_GE(lines, 251u);
  chunks = 0;
  ASSERT_TRUE(queries_->ExportCsv(Staff(), ListQuery{}, [&](std::string_view) {
    return ++chunks < 1;
  }).ok());
  EXPECT_EQ(chunks, 1);
}

TEST_F(CaseQueriesTest, ActivityPagesInOrderAndHidesNotesFromCustomers) {
  Ok(Opened(Number(1), "ACC-1", "x"));
  for (int i = 0; i < 5; ++i) {
    Ok(Comment(Number(1), "c" + std::to_string(i)));
    fb::InternalNoteAddedT n;
    n.note_id = "n" + std::to_string(i);
    n.body = "note";
    Ok(Next(Number(1), n, true));
  }
  std::vector<uint64_t> versions;
  std::string after;
  for (;;) {
    auto page = queries_->Activity(Customer("ACC-1"), Number(1), 2, after);
    ASSERT_TRUE(page.ok());
    for (auto& item : page->items) {
      EXPECT_FALSE(item["internal"].get<bool>());
      versions.push_back(item["version"]);
    }
    if (!page->has_more) break;
    EXPECT_EQ(page->items.size(), 2u);
    after = page->after_cursor;
  }
  EXPECT_EQ(versions, (std::vector<uint64_t>{1, 2, 4, 6, 8, 10}));
  EXPECT_EQ(ActivityItems(Number(1), true).size(), 11u);
  EXPECT_EQ(queries_->Activity(Customer("ACC-2"), Number(1), 10, "").status().code(),
            StatusCode::kNotFound);
}

TEST_F(CaseQueriesTest, OverviewCountsOpenCasesAndUpdates) {
  Ok(Opened(Number(1), "ACC-1", "one"));
  Ok(Opened(Number(2), "ACC-1", "two"));
  Ok(Opened(Number(3), "ACC-2", "three"));
  Ok(Next(Number(2), fb::CaseAcceptedT{}, true));
  fb::CaseCancelledT c;
  Ok(Next(Number(1), c));
  Ok(Comment(Number(3), "other account"));
  auto o = queries_->Overview(Customer("ACC-1"), OverviewOptions{10, 3});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ((*o)["counts"], json({{"NEW", 0}, {"OPEN", 1}, {"AWAITING_INFO", 0},
                                  {"RESOLVED", 0}, {"CLOSED", 0}, {"CANCELLED", 1}}));
  ASSERT_EQ((*o)["open_cases"].size(), 1u);
  EXPECT_EQ((*o)["open_cases"][0]["number"], Number(2));
  ASSERT_EQ((*o)["updates"].size(), 3u);
  EXPECT_EQ((*o)["updates"][0]["case_number"], Number(1));
  EXPECT_EQ((*o)["updates"][0]["to"], "CANCELLED");
  EXPECT_EQ((*o)["updates"][1]["case_number"], Number(2));
  EXPECT_EQ((*o)["updates"][2]["case_number"], Number(2));
  EXPECT_EQ((*o)["updates"][2]["type"], "opened");
  // Each entry points at its activity item and adds the case's subject.
  EXPECT_EQ((*o)["updates"][0]["subject"], "one");
  EXPECT_EQ((*o)["updates"][2]["subject"], "two");
  EXPECT_EQ((*o)["updates"][2]["version"], 1);
  EXPECT_EQ((*o)["updates"][2], [&] {
    json item = ActivityItems(Number(2)).front();
    item["case_number"] = Number(2);
    item["subject"] = "two";
    return item;
  }());
  auto staff = queries_->Overview(Staff(), OverviewOptions{10, 10});
  EXPECT_EQ((*staff)["counts"]["NEW"], 1);
  EXPECT_EQ((*staff)["open_cases"].size(), 2u);
  EXPECT_EQ((*staff)["updates"].size(), 6u);
  EXPECT_EQ((*staff)["updates"][0]["body"], "other account");
}

TEST_F(CaseQueriesTest, SearchByNumberWordsStemsAccentsAndPrefix) {
  const std::string n = "CS00000050455";
  Ok(Opened(n, "ACC-1", "Backups failing", "My Résumé upload breaks"));
  Ok(Opened(Number(7), "ACC-1", "Router reboots", "Every evening"));
  Ok(Comment(Number(7), "the backup drive is fine"));
  const Scope me = Customer("ACC-1");
  EXPECT_EQ(SearchNumbers(me, n), std::vector<std::string>{n});
  EXPECT_EQ(SearchNumbers(me, "cs00000050455"), std::vector<std::string>{n});
  EXPECT_EQ(SearchNumbers(me, "000000504"), std::vector<std::string>{n});
  EXPECT_EQ(SearchNumbers(me, "00000000007"), std::vector<std::string>{Number(7)});
  EXPECT_EQ(SearchNumbers(me, "000000").size(), 2u);  // a 6-digit prefix of both
  EXPECT_EQ(SearchNumbers(me, "resume"), std::vector<std::string>{n});
  EXPECT_EQ(SearchNumbers(me, "RÉSUMÉ"), std::vector<std::string>{n});
  // "backup" matches both; the case whose subject says it twice-weighted ranks first.
  auto backup = SearchNumbers(me, "backup");
  EXPECT_EQ(std::set<std::string>(backup.begin(), backup.end()),
            (std::set<std::string>{n, Number(7)}));
  EXPECT_EQ(SearchNumbers(me, "backup resume"), std::vector<std::string>{n});  // AND
  EXPECT_EQ(SearchNumbers(me, "backup rebo"), std::vector<std::string>{Number(7)});  // prefix
  EXPECT_EQ(SearchNumbers(me, "rout"), std::vector<std::string>{Number(7)});
  EXPECT_TRUE(SearchNumbers(me, "rout backup zebra").empty());
  EXPECT_TRUE(SearchNumbers(me, "   ").empty());
  EXPECT_TRUE(SearchNumbers(me, "!!!").empty());
}

TEST_F(CaseQueriesTest, SearchRanksByRelevanceThenRecency) {
  Ok(Opened(Number(1), "ACC-1", "modem", "modem modem modem"));
  Ok(Opened(Number(2), "ACC-1", "other", "modem and a lot of other words in the text here"));
  Ok(Opened(Number(3), "ACC-1", "same", "x"));
  Ok(Opened(Number(4), "ACC-1", "same", "x"));
  EXPECT_EQ(SearchNumbers(Customer("ACC-1"), "modem"),
            (std::vector<std::string>{Number(1), Number(2)}));
  Ok(Next(Number(3), fb::CaseAcceptedT{}, true));  // 3 is now more recent, same text
  EXPECT_EQ(SearchNumbers(Customer("ACC-1"), "same"),
            (std::vector<std::string>{Number(3), Number(4)}));
}

TEST_F(CaseQueriesTest, SearchPages) {
  for (uint64_t i = 1; i <= 25; ++i) Ok(Opened(Number(i), "ACC-1", "modem"));
  SearchQuery q;
  q.q = "modem";
  q.page_size = 10;
  std::set<std::string> seen;
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 5);
    auto page = queries_->Search(Customer("ACC-1"), q);
    ASSERT_TRUE(page.ok());
    for (auto& n : Numbers(page->rows)) EXPECT_TRUE(seen.insert(n).second);
    if (!page->has_more) break;
    q.after = page->after_cursor;
  }
  EXPECT_EQ(seen.size(), 25u);
  q.after = "r12";
  EXPECT_EQ(queries_->Search(Customer("ACC-1"), q).status().code(), StatusCode::kInvalidArgument);
}

// A customer's ranking and prefix expansion use their accounts alone: what
// other accounts write changes neither their scores nor their matches.
TEST_F(CaseQueriesTest, CustomerSearchLearnsNothingFromOtherAccounts) {
  Ok(Opened(Number(1), "ACC-1", "modem trouble", "modem keeps dropping"));
  Ok(Opened(Number(2), "ACC-1", "billing", "invoice question"));
  SearchQuery q;
  q.q = "modem";
  const double before = (*queries_->Search(Customer("ACC-1"), q)).rows.at(0)["score"];
  for (uint64_t i = 10; i < 40; ++i) {
    Ok(Opened(Number(i), "ACC-2", "modem modem", "modem and modemsecretname"));
  }
  const double after = (*queries_->Search(Customer("ACC-1"), q)).rows.at(0)["score"];
  EXPECT_EQ(before, after);
  // "modems" is only in ACC-2's vocabulary: ACC-1's prefix search does not
  // expand to it, and the staff's does.
  q.q = "modemsecret";
  EXPECT_TRUE(queries_->Search(Customer("ACC-1"), q)->rows.empty());
  EXPECT_EQ(queries_->Search(Staff(), q)->rows.size(), 25u);
  EXPECT_NE((*queries_->Search(Staff(), q)).rows.at(0)["score"].get<double>(), 0.0);
}

// Two accounts, every query kind: a customer never sees the other account's
// case, whatever they ask.
TEST_F(CaseQueriesTest, NoQueryKindCrossesAccounts) {
  const std::string a = "CS00000050455", b = "CS00000050466";
  Ok(Opened(a, "ACC-A", "Backups failing", "Résumé shared words"));
  Ok(Opened(b, "ACC-B", "Backups failing", "Résumé shared words"));
  Ok(Comment(b, "backup comment from b"));
  fb::AttachmentAddedT att;
  att.attachment_id = "x1";
  att.sha256 = std::string(64, 'c');
  att.file_name = "b.txt";
  Ok(Next(b, att));
  fb::WatcherAddedT w;
  w.email = "w@b.example";
  Ok(Next(b, w));
  for (const auto& [account, mine, theirs] :
       {std::tuple{"ACC-A", a, b}, std::tuple{"ACC-B", b, a}}) {
    SCOPED_TRACE(account);
    const Scope scope = Customer(account);
    EXPECT_EQ(queries_->GetCase(scope, theirs).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(queries_->Activity(scope, theirs, 10, "").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(queries_->Attachments(scope, theirs).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(queries_->Attachment(scope, theirs, "x1").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(queries_->Watchers(scope, theirs).status().code(), StatusCode::kNotFound);
    for (const auto& sort : {ListQuery::Sort::kUpdated, ListQuery::Sort::kOpened}) {
      ListQuery q;
      q.sort = sort;
      EXPECT_EQ(AllPages(scope, q), std::vector<std::string>{mine});
      q.account_ids = {account == std::string("ACC-A") ? "ACC-B" : "ACC-A"};
      EXPECT_TRUE(AllPages(scope, q).empty());
    }
    std::string csv;
    ASSERT_TRUE(queries_->ExportCsv(scope, ListQuery{}, [&](std::string_view c) {
      csv.append(c);
      return true;
    }).ok());
    EXPECT_EQ(csv.find(theirs), std::string::npos);
    EXPECT_NE(csv.find(mine), std::string::npos);
    auto overview = queries_->Overview(scope, {});
    ASSERT_TRUE(overview.ok());
    EXPECT_EQ(overview->dump().find(theirs), std::string::npos);
    EXPECT_EQ((*overview)["counts"]["NEW"], 1);
    for (const std::string& q : {std::string(theirs), theirs.substr(2, 9), std::string("000000"),
                                std::string("backup"), std::string("backups failing"),
                                std::string("resume"), std::string("shar"), std::string("comment"),
                                std::string("b.txt"), std::string("acc")}) {
      for (const auto& n : SearchNumbers(scope, q)) EXPECT_EQ(n, mine) << q;
    }
  }
}

}  // namespace
}  // namespace docket::projections
