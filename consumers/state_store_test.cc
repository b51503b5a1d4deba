#include "consumers/state_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace docket::consumers {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("docket-store-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto s = StateStore::Open(dir_.string());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<StateStore> store_;
};

TEST_F(StateStoreTest, BatchIsWrittenAtomicallyAndReadBackPerPartition) {
  StateStore::Batch b;
  b.Put(1, 's', "CS00000000001", "state-1");
  b.Put(2, 's', "CS00000000002", "state-2");
  b.PutNumber(1, "counter", 42);
  ASSERT_TRUE(store_->Write(b).ok());
  EXPECT_EQ(**store_->Get(1, 's', "CS00000000001"), "state-1");
  EXPECT_FALSE(store_->Get(2, 's', "CS00000000001")->has_value());  // other partition
  EXPECT_EQ(*store_->GetNumber(1, "counter"), 42u);
  EXPECT_EQ(*store_->GetNumber(2, "counter"), 0u);  // absent
  std::vector<std::string> keys;
  ASSERT_TRUE(store_->Scan(2, 's', [&](std::string_view k, std::string_view) {
                keys.emplace_back(k);
              }).ok());
  EXPECT_EQ(keys, std::vector<std::string>{"CS00000000002"});
}

TEST_F(StateStoreTest, SurvivesReopen) {
  StateStore::Batch b;
  b.Put(0, 'd', "cmd-1", "result");
  ASSERT_TRUE(store_->Write(b).ok());
  store_.reset();
  auto s = StateStore::Open(dir_.string());
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(**(*s)->Get(0, 'd', "cmd-1"), "result");
}

TEST_F(StateStoreTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  auto again = StateStore::Open(dir_.string());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kUnavailable);
}

TEST_F(StateStoreTest, NonNumericMetaIsDataLoss) {
  StateStore::Batch b;
  b.Put(0, 'm', "counter", "twelve");
  ASSERT_TRUE(store_->Write(b).ok());
  EXPECT_EQ(store_->GetNumber(0, "counter").status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace docket::consumers
