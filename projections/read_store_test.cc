// ReadStore as a generic store: opened with a context's family list after
// the common families, addressed by any enum, digest over every family.
#include "projections/read_store.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace docket::projections {
namespace {

enum class TestCf : int { kRows = kFirstContextFamily, kTally };

std::vector<FamilySpec> TestFamilies() { return {{"rows", false}, {"tally", true}}; }

class ReadStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docket-readstore-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = ReadStore::Open(dir_, TestFamilies());
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Put(Family cf, const std::string& k, const std::string& v) {
    Txn txn(store_.get());
    txn.Put(cf, k, v);
    ASSERT_TRUE(store_->Commit(txn).ok());
  }
  std::string dir_;
  std::unique_ptr<ReadStore> store_;
};

TEST_F(ReadStoreTest, CommonFamiliesComeFirstThenTheContexts) {
  EXPECT_EQ(store_->family_count(), 4);
  EXPECT_EQ(store_->FamilyName(CommonCf::kMeta), "meta");
  EXPECT_EQ(store_->FamilyName(CommonCf::kDead), "dead");
  EXPECT_EQ(store_->FamilyName(TestCf::kRows), "rows");
  EXPECT_TRUE(store_->IsCounterFamily(TestCf::kTally));
  EXPECT_FALSE(store_->IsCounterFamily(TestCf::kRows));
  EXPECT_EQ(store_->handle(Family(9)), nullptr);
  Put(TestCf::kRows, "a", "1");
  Put(CommonCf::kDead, "a", "2");
  EXPECT_EQ(**store_->Get(TestCf::kRows, "a"), "1");
  EXPECT_EQ(**store_->Get(CommonCf::kDead, "a"), "2");
}

TEST_F(ReadStoreTest, DigestCoversEveryFamilyButOffsetsAndZeroCounters) {
  const std::string empty = *store_->Digest();
  {
    Txn txn(store_.get());
    ReadStore::PutOffset(txn, 0, 42);
    txn.Merge(TestCf::kTally, "n", 1);
    ASSERT_TRUE(store_->Commit(txn).ok());
  }
  const std::string counted = *store_->Digest();
  EXPECT_NE(counted, empty);
  {
    Txn txn(store_.get());
    txn.Merge(TestCf::kTally, "n", -1);
    ASSERT_TRUE(store_->Commit(txn).ok());
  }
  EXPECT_EQ(*store_->Digest(), empty);  // offsets and a counter at zero left out
  Put(CommonCf::kDead, "d", "x");
  const std::string with_dead = *store_->Digest();
  EXPECT_NE(with_dead, empty);
  Put(TestCf::kRows, "r", "y");
  EXPECT_NE(*store_->Digest(), with_dead);
}

TEST_F(ReadStoreTest, ReopensWithTheSameFamiliesAndRefusesReservedNames) {
  Put(TestCf::kRows, "k", "v");
  store_.reset();
  auto again = ReadStore::Open(dir_, TestFamilies());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(**(*again)->Get(TestCf::kRows, "k"), "v");
  again->reset();
  auto bad = ReadStore::Open(dir_ + "-bad", {{"dead", false}});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace docket::projections
