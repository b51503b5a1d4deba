// WebAssets: which file (or index.html, or nothing) answers which path,
// with which caching and security headers.
#include "api/web_assets.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace docket::api {
namespace {

namespace fs = std::filesystem;

class WebAssetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docket-web-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    fs::create_directories(root_ + "/assets");
    Write("index.html", "<!doctype html>");
    Write("assets/app-0a1b2c3d.js", "console.log(1)");
    Write("assets/app-0a1b2c3d.js.gz", "gzipped");
    Write(".env", "secret");
    auto web = WebAssets::Open(root_);
    ASSERT_TRUE(web.ok()) << web.status();
    web_.emplace(std::move(*web));
  }
  void TearDown() override { fs::remove_all(root_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(root_ + "/" + name) << text;
  }
  Reply Get(const std::string& target, const std::string& accept_encoding = "") {
    Request req;
    req.method = http::verb::get;
    req.target = target;
    ParseTarget(target, &req);
    if (!accept_encoding.empty()) req.headers.set(http::field::accept_encoding, accept_encoding);
    return web_->Serve(req);
  }
  static std::string Header(const Reply& r, const char* name) {
    const std::string* v = r.FindHeader(name);
    return v ? *v : "";
  }
  std::string root_;
  std::optional<WebAssets> web_;
};

TEST_F(WebAssetsTest, PortalPathsGetIndexHtmlRevalidated) {
  for (const char* path : {"/", "/support", "/cases/CS00000000042", "/sign-in/help?next=/x"}) {
    Reply r = Get(path);
    EXPECT_EQ(r.status, http::status::ok) << path;
    EXPECT_EQ(r.file_path, root_ + "/index.html") << path;
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache") << path;
    EXPECT_EQ(Header(r, "Content-Type"), "text/html; charset=utf-8") << path;
  }
}

TEST_F(WebAssetsTest, HashedAssetsAreImmutableAndGzippedWhenAccepted) {
  Reply plain = Get("/assets/app-0a1b2c3d.js");
  EXPECT_EQ(plain.file_path, root_ + "/assets/app-0a1b2c3d.js");
  EXPECT_EQ(Header(plain, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(Header(plain, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(plain, "Content-Encoding"), "");
  Reply gz = Get("/assets/app-0a1b2c3d.js", "gzip, deflate, br");
  EXPECT_EQ(gz.file_path, root_ + "/assets/app-0a1b2c3d.js.gz");
  EXPECT_EQ(Header(gz, "Content-Encoding"), "gzip");
  EXPECT_EQ(Header(gz, "Vary"), "Accept-Encoding");
}

TEST_F(WebAssetsTest, MissingFilesAndHiddenPathsAreNotFound) {
  for (const char* path : {"/assets/gone-12345678.js", "/favicon.ico", "/.env", "/a/../.env",
                           "/assets/.hidden"}) {
    Reply r = Get(path);
    EXPECT_EQ(r.status, http::status::not_found) << path;
    EXPECT_TRUE(r.file_path.empty()) << path;
  }
}

TEST_F(WebAssetsTest, EveryAnswerCarriesTheSecurityHeaders) {
  for (const char* path : {"/", "/assets/app-0a1b2c3d.js", "/.env"}) {
    Reply r = Get(path);
    EXPECT_EQ(Header(r, "Content-Security-Policy"), kContentSecurityPolicy) << path;
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff") << path;
    EXPECT_EQ(Header(r, "X-Frame-Options"), "DENY") << path;
  }
  EXPECT_EQ(std::string(kContentSecurityPolicy).find("unsafe"), std::string::npos);
}

TEST_F(WebAssetsTest, OnlyGetIsAnswered) {
  Request req;
  req.method = http::verb::post;
  ParseTarget("/support", &req);
  Reply r = web_->Serve(req);
  EXPECT_EQ(r.status, http::status::method_not_allowed);
  EXPECT_EQ(Header(r, "Allow"), "GET");
}

TEST_F(WebAssetsTest, ARootWithoutIndexHtmlIsRefusedAtStart) {
  fs::remove(root_ + "/index.html");
  auto web = WebAssets::Open(root_);
  EXPECT_EQ(web.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(web.status().message().find("npm run build"), std::string::npos);
}

TEST_F(WebAssetsTest, ApiPathsAreNeverThePortals) {
  EXPECT_TRUE(WebAssets::IsApiPath("/api"));
  EXPECT_TRUE(WebAssets::IsApiPath("/api/v1/cases"));
  EXPECT_FALSE(WebAssets::IsApiPath("/apix"));
  EXPECT_FALSE(WebAssets::IsApiPath("/support"));
}

}  // namespace
}  // namespace docket::api
