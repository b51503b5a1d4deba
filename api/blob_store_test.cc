#include "api/blob_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "common/hash.h"

namespace docket::api {
namespace {

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docket-blobs-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& body) {
    const std::string p = dir_ + "/body-" + std::to_string(++n_);
    std::ofstream(p, std::ios::binary) << body;
    return p;
  }
  std::string dir_;
  int n_ = 0;
};

std::string Form(const std::string& boundary, const std::string& name, const std::string& file,
                 const std::string& data) {
  return "--" + boundary + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n" +
         "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name +
         "\"; filename=\"" + file + "\"\r\nContent-Type: text/plain\r\n\r\n" + data + "\r\n--" +
         boundary + "--\r\n";
}

TEST_F(BlobStoreTest, ExtractsTheFilePartContentAddressed) {
  auto store = BlobStore::Open(dir_ + "/blobs");
  ASSERT_TRUE(store.ok());
  // Data with CRLFs, NUL and a near-boundary ("--xy", the boundary's
  // prefix) must come back byte-exact.
  const std::string data = std::string("line1\r\n--xy not the end\r\n\0binary", 33);
  auto blob = store->ExtractUpload(Write(Form("xyz", "file", "report.txt", data)),
                                   "multipart/form-data; boundary=xyz", 1 << 20);
  ASSERT_TRUE(blob.ok()) << blob.status();
  EXPECT_EQ(blob->size, data.size());
  EXPECT_EQ(blob->sha256, Sha256Hex(data));
  EXPECT_EQ(blob->file_name, "report.txt");
  EXPECT_EQ(blob->content_type, "text/plain");
  auto path = store->PathOf(blob->sha256);
  ASSERT_TRUE(path.ok());
  std::ifstream in(*path, std::ios::binary);
  EXPECT_EQ(std::string((std::istreambuf_iterator<char>(in)), {}), data);
  // The same bytes again: the same blob.
  auto again = store->ExtractUpload(Write(Form("b2", "file", "copy.txt", data)),
                                    "multipart/form-data; boundary=\"b2\"", 1 << 20);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sha256, blob->sha256);
}

TEST_F(BlobStoreTest, MalformedOrOversizedUploadsAreNamed) {
  auto store = BlobStore::Open(dir_ + "/blobs");
  ASSERT_TRUE(store.ok());
  const std::string ok = Form("xyz", "file", "a.txt", "data");
  EXPECT_EQ(store->ExtractUpload(Write(ok), "application/json", 100).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ExtractUpload(Write(ok), "multipart/form-data", 100).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ExtractUpload(Write(Form("xyz", "other", "a.txt", "d")),
                                 "multipart/form-data; boundary=xyz", 100)
                .status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ExtractUpload(Write("--xyz\r\nContent-Disposition: form-data; name=\"file\"; "
                                       "filename=\"a\"\r\n\r\nnever ends"),
                                 "multipart/form-data; boundary=xyz", 100)
                .status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->ExtractUpload(Write(Form("xyz", "file", "a.txt", std::string(101, 'x'))),
                                 "multipart/form-data; boundary=xyz", 100)
                .status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->PathOf("../../etc/passwd").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->PathOf(std::string(64, 'a')).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace docket::api
