#include "api/authn.h"

#include <gtest/gtest.h>

#include <vector>

namespace docket::api {
namespace {

Request WithHeader(const char* name, const std::string& value) {
  Request r;
  r.headers.set(name, value);
  return r;
}

TEST(AuthnTest, TokenFromBearerOrCookie) {
  EXPECT_EQ(TokenOf(WithHeader("Authorization", "Bearer abc")), "abc");
  EXPECT_EQ(TokenOf(WithHeader("Authorization", "bearer abc")), "abc");
  EXPECT_EQ(TokenOf(WithHeader("Authorization", "Basic abc")), std::string(1, '\0'));
  EXPECT_EQ(TokenOf(WithHeader("Cookie", "a=1; docket_session=tok; b=2")), "tok");
  EXPECT_EQ(TokenOf(Request{}), "");
  const std::string c = SessionCookie("tok", 60, /*secure=*/true);
  EXPECT_NE(c.find("docket_session=tok"), std::string::npos);
  EXPECT_NE(c.find("HttpOnly"), std::string::npos);
  EXPECT_NE(c.find("SameSite=Strict"), std::string::npos);
  EXPECT_NE(c.find("; Secure"), std::string::npos);
}

TEST(AuthenticatorTest, SessionsResolveThroughTheDirectory) {
  Authenticator auth;
  EXPECT_FALSE(auth.Ready());
  bool ready = false;
  std::vector<bool> fresh;
  auth.SetDirectory(
      [&fresh](const std::string& token, bool f) -> Result<std::optional<Principal>> {
        fresh.push_back(f);
        if (token == "gone") return std::optional<Principal>();
        if (token == "down") return UnavailableError("store down");
        Principal p;
        p.user_id = "user-of-" + token;
        return std::optional<Principal>(p);
      },
      [&ready] { return ready; });
  EXPECT_FALSE(auth.Ready());
  ready = true;
  EXPECT_TRUE(auth.Ready());

  auto status = [&](const std::string& token) {
    auto who = auth.Authenticate(WithHeader("Authorization", "Bearer " + token));
    if (auto* p = std::get_if<Principal>(&who)) {
      EXPECT_EQ(p->user_id, "user-of-" + token);
      EXPECT_EQ(p->token, token);
      return 200;
    }
    return static_cast<int>(std::get<Reply>(who).status);
  };
  EXPECT_EQ(status("t1"), 200);
  EXPECT_EQ(status("gone"), 401);
  EXPECT_EQ(status("down"), 503);
  EXPECT_EQ(fresh, (std::vector<bool>{true, true, true}));  // requests ask fresh
  EXPECT_EQ(static_cast<int>(std::get<Reply>(auth.Authenticate(Request{})).status), 401);
  EXPECT_FALSE(auth.SessionUser(WithHeader("Authorization", "Bearer gone")).has_value());
  EXPECT_EQ(*auth.SessionUser(WithHeader("Authorization", "Bearer t2")), "user-of-t2");
  EXPECT_FALSE(fresh.back());  // the I/O thread's check does not wait
}

}  // namespace
}  // namespace docket::api
