#include "api/cross_site.h"

#include <gtest/gtest.h>

namespace docket::api {
namespace {

Request Make(http::verb method,
             std::initializer_list<std::pair<const char*, const char*>> headers) {
  Request r;
  r.method = method;
  r.headers.set("Host", "portal.example.com:8080");
  for (const auto& [k, v] : headers) r.headers.set(k, v);
  return r;
}

bool Refused(const Request& r, const std::set<std::string>& allowed = {}) {
  std::optional<Reply> reply = RefuseCrossSite(r, allowed);
  if (reply) {
    EXPECT_EQ(reply->status, http::status::forbidden);
  }
  return reply.has_value();
}

TEST(CrossSiteTest, ReadsAreNeverRefused) {
  EXPECT_FALSE(Refused(Make(http::verb::get, {{"Sec-Fetch-Site", "cross-site"},
                                              {"Origin", "https://evil.example"}})));
}

TEST(CrossSiteTest, FetchMetadataDecidesWhenPresent) {
  using V = http::verb;
  EXPECT_FALSE(Refused(Make(V::post, {{"Sec-Fetch-Site", "same-origin"}})));
  EXPECT_FALSE(Refused(Make(V::post, {{"Sec-Fetch-Site", "none"}})));
  EXPECT_TRUE(Refused(Make(V::post, {{"Sec-Fetch-Site", "same-site"},
                                     {"Origin", "https://blog.example.com"}})));
  EXPECT_TRUE(Refused(Make(V::delete_, {{"Sec-Fetch-Site", "cross-site"}})));
  // A configured origin (e.g. the portal served elsewhere) may.
  EXPECT_FALSE(Refused(Make(V::post, {{"Sec-Fetch-Site", "same-site"},
                                      {"Origin", "https://app.example.com"}}),
                       {"https://app.example.com"}));
}

TEST(CrossSiteTest, OriginMustBeTheHostWithoutFetchMetadata) {
  using V = http::verb;
  EXPECT_FALSE(Refused(Make(V::post, {{"Origin", "http://portal.example.com:8080"}})));
  EXPECT_FALSE(Refused(Make(V::patch, {{"Origin", "https://PORTAL.example.com:8080"}})));
  EXPECT_TRUE(Refused(Make(V::post, {{"Origin", "https://blog.example.com"}})));
  EXPECT_TRUE(Refused(Make(V::post, {{"Origin", "http://portal.example.com:9090"}})));
  EXPECT_TRUE(Refused(Make(V::put, {{"Origin", "null"}})));
  EXPECT_TRUE(Refused(Make(V::post, {{"Origin", "http://portal.example.com:8080/x"}})));
  auto reply = RefuseCrossSite(Make(V::post, {{"Origin", "https://blog.example.com"}}), {});
  ASSERT_TRUE(reply.has_value());
  EXPECT_NE(reply->body.find("request.cross_site"), std::string::npos);
  EXPECT_NE(reply->body.find("https://blog.example.com"), std::string::npos);
}

TEST(CrossSiteTest, ClientsThatAreNotBrowsersPass) {
  EXPECT_FALSE(Refused(Make(http::verb::post, {})));
  EXPECT_FALSE(Refused(Make(http::verb::delete_, {{"Authorization", "Bearer x"}})));
}

}  // namespace
}  // namespace docket::api
