#include "common/key_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace docket {
namespace {

namespace fs = std::filesystem;

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("key-file-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(KeyFileTest, CreatedOnceThenReadBack) {
  const std::string path = (dir_ / "k").string();
  Result<std::string> first = LoadOrCreateKey(path);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->size(), 64u);
  Result<std::string> again = LoadOrCreateKey(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);  // a secret: the owner only
  EXPECT_NE(*LoadOrCreateKey((dir_ / "other").string()), *first);
}

TEST_F(KeyFileTest, AWeakOrForeignFileIsRefused) {
  const std::string path = (dir_ / "k").string();
  std::ofstream(path) << "abc\n";
  Result<std::string> key = LoadOrCreateKey(path);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kDataLoss);
}

TEST_F(KeyFileTest, AMissingDirectoryIsUnavailable) {
  Result<std::string> key = LoadOrCreateKey((dir_ / "no" / "k").string());
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace docket
