#include "api/router.h"

#include <gtest/gtest.h>

#include "api/problem.h"

namespace docket::api {
namespace {

Request Get(http::verb method, const std::string& target) {
  Request r;
  r.method = method;
  r.method_text = std::string(http::to_string(method));
  ParseTarget(target, &r);
  return r;
}

Handler Named(std::string name) {
  return [name](Call&) { return JsonReply(200, {{"route", name}}); };
}

class RouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add(http::verb::get, "/api/v1/cases", Access::kSignedIn, Named("list"));
    router_.Add(http::verb::post, "/api/v1/cases", Access::kSignedIn, Named("open"));
    router_.Add(http::verb::get, "/api/v1/cases/export.csv", Access::kSignedIn, Named("export"));
    router_.Add(http::verb::get, "/api/v1/cases/{number}", Access::kSignedIn, Named("get"));
    router_.Add(http::verb::delete_, "/api/v1/cases/{number}/watchers/{email}",
                Access::kSignedIn, Named("unwatch"));
  }
  Router router_;
};

TEST_F(RouterTest, ParametersAreCapturedInOrder) {
  Request r = Get(http::verb::delete_, "/api/v1/cases/CS00000000001/watchers/a%40b.example");
  Router::Match m = router_.Find(r);
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/v1/cases/{number}/watchers/{email}");
  EXPECT_EQ(m.params, (std::vector<std::string>{"CS00000000001", "a@b.example"}));
}

TEST_F(RouterTest, LiteralSegmentsWinOverParameters) {
  Router::Match get = router_.Find(Get(http::verb::get, "/api/v1/cases/export.csv"));
  ASSERT_NE(get.route, nullptr);
  EXPECT_EQ(get.route->pattern, "/api/v1/cases/export.csv");
  // Only the literal pattern's methods are allowed there.
  Router::Match post = router_.Find(Get(http::verb::post, "/api/v1/cases/export.csv"));
  EXPECT_EQ(post.route, nullptr);
  EXPECT_EQ(post.allowed, (std::vector<std::string>{"GET"}));
}

TEST_F(RouterTest, WrongMethodIs405WithAllow) {
  Request r = Get(http::verb::put, "/api/v1/cases");
  Router::Match m = router_.Find(r);
  ASSERT_EQ(m.route, nullptr);
  EXPECT_EQ(m.allowed, (std::vector<std::string>{"GET", "POST"}));
  Reply reply = NoRoute(r, m);
  EXPECT_EQ(reply.status, http::status::method_not_allowed);
  ASSERT_NE(reply.FindHeader("Allow"), nullptr);
  EXPECT_EQ(*reply.FindHeader("Allow"), "GET, POST");
}

TEST_F(RouterTest, UnknownPathIs404AndEmptyParameterMatchesNothing) {
  Request unknown = Get(http::verb::get, "/api/v1/nothing");
  EXPECT_EQ(NoRoute(unknown, router_.Find(unknown)).status, http::status::not_found);
  Request empty = Get(http::verb::get, "/api/v1/cases/");
  Router::Match m = router_.Find(empty);
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.allowed.empty());
}

}  // namespace
}  // namespace docket::api
