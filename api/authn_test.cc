#include "api/authn.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

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

class AuthenticatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docket-authn-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = SessionStore::Open(dir_ + "/s", SessionOptions{}, clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    sessions_ = std::move(*store);
  }
  void TearDown() override {
    sessions_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string dir_;
  ManualClock clock_{1'800'000'000'000'000};
  std::unique_ptr<SessionStore> sessions_;
};

TEST_F(AuthenticatorTest, SessionsResolveThroughTheDirectory) {
  Authenticator auth(sessions_.get());
  EXPECT_FALSE(auth.Ready());
  bool ready = false;
  auth.SetDirectory(
      [](const std::string& id) -> Result<std::optional<Principal>> {
        if (id == "gone") return std::optional<Principal>();
        if (id == "down") return UnavailableError("store down");
        Principal p;
        p.user_id = id;
        return std::optional<Principal>(p);
      },
      [&ready] { return ready; });
  EXPECT_FALSE(auth.Ready());
  ready = true;
  EXPECT_TRUE(auth.Ready());

  auto status = [&](const std::string& user) {
    Result<std::string> token = sessions_->Create(user);
    EXPECT_TRUE(token.ok());
    auto who = auth.Authenticate(WithHeader("Authorization", "Bearer " + *token));
    if (auto* p = std::get_if<Principal>(&who)) {
      EXPECT_EQ(p->user_id, user);
      EXPECT_EQ(p->token, *token);
      return 200;
    }
    return static_cast<int>(std::get<Reply>(who).status);
  };
  EXPECT_EQ(status("u1"), 200);
  EXPECT_EQ(status("gone"), 401);
  EXPECT_EQ(status("down"), 503);
  EXPECT_EQ(static_cast<int>(std::get<Reply>(auth.Authenticate(Request{})).status), 401);
  EXPECT_FALSE(auth.SessionUser(WithHeader("Authorization", "Bearer nope")).has_value());
}

}  // namespace
}  // namespace docket::api
