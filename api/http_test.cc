#include "api/http.h"

#include <gtest/gtest.h>

#include "api/problem.h"

namespace docket::api {
namespace {

TEST(HttpTest, TargetsDecodeIntoPathAndQuery) {
  Request r;
  ParseTarget("/api/v1/cases?state=OPEN%2CNEW&page%5Bsize%5D=10&q=a+b", &r);
  EXPECT_FALSE(r.bad_target);
  EXPECT_EQ(r.path, "/api/v1/cases");
  ASSERT_EQ(r.query.size(), 3u);
  EXPECT_EQ(r.query[0], (std::pair<std::string, std::string>{"state", "OPEN,NEW"}));
  EXPECT_EQ(r.query[1].first, "page[size]");
  EXPECT_EQ(r.query[2].second, "a b");
}

TEST(HttpTest, BadEscapesNulAndBadUtf8AreBadTargets) {
  for (const char* t : {"/api/v1/cases/%zz", "/api/v1/cases/%00", "/api/v1/%ff%fe",
                        "/api/v1/cases?q=%c3", "api/v1/no-slash", "/x/%4"}) {
    Request r;
    ParseTarget(t, &r);
    EXPECT_TRUE(r.bad_target) << t;
  }
  Request ok;
  ParseTarget("/api/v1/cases/%C3%A9", &ok);
  EXPECT_FALSE(ok.bad_target);
  EXPECT_EQ(ok.path, "/api/v1/cases/\xC3\xA9");
}

TEST(HttpTest, PercentEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(PercentEncode("a b/c?é"), "a%20b%2Fc%3F%C3%A9");
  EXPECT_EQ(PercentEncode("A-z_0.~"), "A-z_0.~");
}

TEST(ProblemTest, ProblemsAreProblemJsonWithTypeTitleStatusDetail) {
  Reply r = Problem(404, "not-found", "case CS00000000001 not found");
  EXPECT_EQ(static_cast<int>(r.status), 404);
  ASSERT_NE(r.FindHeader("content-type"), nullptr);
  EXPECT_EQ(*r.FindHeader("Content-Type"), "application/problem+json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["type"], "https://docket.dev/problems/not-found");
  EXPECT_EQ(j["title"], "Not Found");
  EXPECT_EQ(j["status"], 404);
  EXPECT_EQ(j["detail"], "case CS00000000001 not found");
}

TEST(ProblemTest, CommandResultsMapToStatuses) {
  fb::CommandResultT r;
  r.rule = "case.final_state";
  r.message = "case is CLOSED";
  std::vector<std::pair<fb::ResultCode, int>> want = {
      {fb::ResultCode::InvalidArgument, 422}, {fb::ResultCode::FailedPrecondition, 409},
      {fb::ResultCode::VersionConflict, 412}, {fb::ResultCode::NotFound, 404},
      {fb::ResultCode::PermissionDenied, 403}, {fb::ResultCode::AlreadyExists, 409}};
  for (auto [code, status] : want) {
    r.code = code;
    Reply p = ProblemFromResult(r);
    EXPECT_EQ(static_cast<int>(p.status), status);
    auto j = nlohmann::json::parse(p.body);
    if (status != 404) {
      EXPECT_EQ(j["rule"], "case.final_state");
    }
  }
  auto f = std::make_unique<fb::FieldErrorT>();
  f->field = "subject";
  f->message = "too long";
  r.code = fb::ResultCode::InvalidArgument;
  r.field_errors.push_back(std::move(f));
  auto j = nlohmann::json::parse(ProblemFromResult(r).body);
  EXPECT_EQ(j["errors"][0]["field"], "subject");
}

}  // namespace
}  // namespace docket::api
