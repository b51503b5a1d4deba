#include "api/routes/blob_collector.h"

#include <gtest/gtest.h>
#include <sys/time.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace docket::api {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kHour = 3600LL * 1'000'000;

class BlobCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("blob-collector-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    auto store = BlobStore::Open(root_.string());
    ASSERT_TRUE(store.ok());
    store_.emplace(std::move(*store));
  }
  void TearDown() override { fs::remove_all(root_); }

  // A file of the store, last modified at `modified_us`.
  std::string Put(const std::string& name, int64_t modified_us, bool temporary = false) {
    const fs::path dir = root_ / (temporary ? "tmp" : name.substr(0, 2));
    fs::create_directories(dir);
    const std::string path = (dir / name).string();
    std::ofstream(path) << "bytes of " << name;
    struct timeval times[2];
    times[0].tv_sec = times[1].tv_sec = modified_us / 1'000'000;
    times[0].tv_usec = times[1].tv_usec = modified_us % 1'000'000;
    ::utimes(path.c_str(), times);
    return path;
  }

  fs::path root_;
  std::optional<BlobStore> store_;
  ManualClock clock_{100 * kHour};
  std::unordered_set<std::string> in_use_;
  bool caught_up_ = true;
  Status model_status_;

  BlobCollector Collector() {
    return BlobCollector(
        &*store_,
        [this]() -> Result<std::unordered_set<std::string>> {
          if (!model_status_.ok()) return model_status_;
          return in_use_;
        },
        [this] { return caught_up_; }, clock_,
        BlobCollectorOptions{std::chrono::seconds(600), std::chrono::seconds(3600)});
  }
};

const std::string kA(64, 'a'), kB(64, 'b'), kC(64, 'c');

// Before: rejected uploads and removed attachments left their bytes on
// disk for ever.
TEST_F(BlobCollectorTest, RemovesOnlyOldUnreferencedFiles) {
  const std::string referenced = Put(kA, 10 * kHour);
  const std::string orphan = Put(kB, 10 * kHour);
  const std::string in_flight = Put(kC, 100 * kHour - kHour / 2);  // within the grace
  const std::string old_tmp = Put("0123abcd", 10 * kHour, /*temporary=*/true);
  const std::string new_tmp = Put("4567abcd", 100 * kHour - 60'000'000, /*temporary=*/true);
  in_use_ = {kA};
  Result<BlobCollector::Pass> pass = Collector().CollectOnce();
  ASSERT_TRUE(pass.ok()) << pass.status().ToString();
  EXPECT_EQ(pass->removed, 2u);
  EXPECT_EQ(pass->kept, 3u);
  EXPECT_TRUE(fs::exists(referenced));
  EXPECT_FALSE(fs::exists(orphan));
  EXPECT_TRUE(fs::exists(in_flight));
  EXPECT_FALSE(fs::exists(old_tmp));
  EXPECT_TRUE(fs::exists(new_tmp));
  EXPECT_TRUE(store_->PathOf(kA).ok());
  EXPECT_EQ(store_->PathOf(kB).status().code(), StatusCode::kNotFound);
}

TEST_F(BlobCollectorTest, ALaggingOrUnreadableModelRemovesNothing) {
  const std::string orphan = Put(kB, 10 * kHour);
  caught_up_ = false;
  EXPECT_EQ(Collector().CollectOnce().status().code(), StatusCode::kUnavailable);
  caught_up_ = true;
  model_status_ = UnavailableError("store closed");
  EXPECT_EQ(Collector().CollectOnce().status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(fs::exists(orphan));
}

}  // namespace
}  // namespace docket::api
