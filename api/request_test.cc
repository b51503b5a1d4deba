#include "api/request.h"

#include <gtest/gtest.h>

namespace docket::api {
namespace {

Request Json(std::string body, std::string content_type = "application/json") {
  Request r;
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.set("Content-Type", content_type);
  return r;
}

int StatusOf(const Reply& r) { return static_cast<int>(r.status); }

TEST(RequestTest, BodyMustBeAJsonObjectOfKnownMembers) {
  EXPECT_EQ(StatusOf(std::get<Reply>(ReadBody(Json(""), {"a"}))), 400);
  EXPECT_TRUE(std::holds_alternative<Body>(ReadBody(Json(""), {"a"}, /*optional=*/true)));
  EXPECT_EQ(StatusOf(std::get<Reply>(ReadBody(Json("{}", "text/plain"), {"a"}))), 415);
  EXPECT_EQ(StatusOf(std::get<Reply>(ReadBody(Json("{nope"), {"a"}))), 400);
  EXPECT_EQ(StatusOf(std::get<Reply>(ReadBody(Json("[1]"), {"a"}))), 400);
  Body b = std::get<Body>(ReadBody(Json(R"({"a":"x","b":1})", "Application/JSON; charset=utf-8"),
                                   {"a"}));
  ASSERT_EQ(b.errors.size(), 1u);
  EXPECT_EQ(b.errors[0].field, "b");
}

TEST(RequestTest, MembersCollectEveryError) {
  Body b = std::get<Body>(ReadBody(Json(R"({"s":5,"n":"x","l":["ok",""],"t":"abc"})"),
                                   {"s", "n", "l", "t", "missing"}));
  b.Str("s", true, 1, 10);
  b.Int("n", 1, 5);
  b.StrList("l", 5, 10);
  b.Str("t", true, 1, 2);
  b.Str("missing", true, 1, 2);
  std::vector<std::string> fields;
  for (const auto& e : b.errors) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"s", "n", "l[1]", "t", "missing"}));
  ASSERT_TRUE(BodyErrors(b).has_value());
  EXPECT_EQ(StatusOf(*BodyErrors(b)), 400);
}

TEST(RequestTest, ABooleanIsTrueOrFalseAndNothingElse) {
  Body b = std::get<Body>(ReadBody(Json(R"({"yes":true,"no":false,"word":"true","one":1})"),
                                   {"yes", "no", "word", "one", "absent", "needed"}));
  EXPECT_EQ(b.Bool("yes", true), true);
  EXPECT_EQ(b.Bool("no", true), false);
  EXPECT_EQ(b.Bool("absent", false), std::nullopt);
  EXPECT_TRUE(b.errors.empty());
  EXPECT_EQ(b.Bool("word", false), std::nullopt);
  EXPECT_EQ(b.Bool("one", false), std::nullopt);
  EXPECT_EQ(b.Bool("needed", true), std::nullopt);
  std::vector<std::string> fields;
  for (const auto& e : b.errors) fields.push_back(e.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"word", "one", "needed"}));
}

TEST(RequestTest, PageSizeAndRepeatedParameters) {
  Request r;
  ParseTarget("/x?page%5Bsize%5D=100&a=1&a=2", &r);
  EXPECT_EQ(std::get<size_t>(PageSize(r, 100)), 100u);
  EXPECT_TRUE(std::holds_alternative<Reply>(PageSize(r, 50)));
  EXPECT_EQ(RepeatedQueryParam(r), "a");
  Request none;
  ParseTarget("/x", &none);
  EXPECT_EQ(std::get<size_t>(PageSize(none, 100)), 25u);
  EXPECT_FALSE(RepeatedQueryParam(none).has_value());
  Request bad;
  ParseTarget("/x?page%5Bsize%5D=-1", &bad);
  EXPECT_TRUE(std::holds_alternative<Reply>(PageSize(bad, 100)));
}

}  // namespace
}  // namespace docket::api
