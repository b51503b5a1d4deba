// ReadStore as a generic store: opened with a context's family list after
// the common families, addressed by any enum, digest over every family.
#include "projections/read_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

namespace docket::projections {
namespace {

enum class TestCf : int { kRows = kFirstContextFamily, kTally, kSets };

std::vector<FamilySpec> TestFamilies() {
  return {{"rows"}, {"tally", FamilyKind::kCounters}, {"sets", FamilyKind::kBitmaps}};
}

std::vector<uint32_t> Ids(const Bitmap& b) {
  std::vector<uint32_t> v(b.cardinality());
  b.toUint32Array(v.data());
  return v;
}

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
  EXPECT_EQ(store_->family_count(), 5);
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
  auto bad = ReadStore::Open(dir_ + "-bad", {{"dead"}});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace docket::projections

namespace docket::projections {
namespace {

TEST_F(ReadStoreTest, BitmapEditsMergeWithoutAReadAndTheLastEditOfAnIdWins) {
  {
    Txn txn(store_.get());
    txn.SetBit(TestCf::kSets, "s", 7, true);
    txn.SetBit(TestCf::kSets, "s", 70000, true);
    txn.SetBit(TestCf::kSets, "s", 9, true);
    txn.SetBit(TestCf::kSets, "s", 9, false);  // within one batch
    ASSERT_TRUE(store_->Commit(txn).ok());
  }
  EXPECT_EQ(Ids(*store_->GetBitmap(TestCf::kSets, "s")), (std::vector<uint32_t>{7, 70000}));
  // Many batches, each one operand: more than max_successive_merges.
  for (uint32_t i = 0; i < 40; ++i) {
    Txn txn(store_.get());
    txn.SetBit(TestCf::kSets, "s", 100 + i, true);
    txn.SetBit(TestCf::kSets, "s", 7, i % 2 == 1);
    ASSERT_TRUE(store_->Commit(txn).ok());
  }
  const Bitmap b = *store_->GetBitmap(TestCf::kSets, "s");
  EXPECT_EQ(b.cardinality(), 42u);  // 7 (last edit: on), 100..139, 70000
  EXPECT_TRUE(b.contains(7));
  EXPECT_TRUE(store_->GetBitmap(TestCf::kSets, "absent")->isEmpty());
  store_->db()->CompactRange(rocksdb::CompactRangeOptions(), store_->handle(TestCf::kSets),
                             nullptr, nullptr).PermitUncheckedError();
  EXPECT_EQ(Ids(*store_->GetBitmap(TestCf::kSets, "s")), Ids(b));
}

// The bulk load: two lanes' batches become one table file per family,
// ingested at once; a counter both bumped is summed, a bitmap both edited
// holds both edits, and later files lie over earlier data.
TEST_F(ReadStoreTest, IngestWritesSeveralBatchesAsOneAndCombinesSharedKeys) {
  Put(TestCf::kRows, "old", "x");
  Put(TestCf::kRows, "kept", "y");
  Txn a(store_.get()), b(store_.get());
  a.Put(TestCf::kRows, "a", "1");
  a.Delete(TestCf::kRows, "old");
  a.Merge(TestCf::kTally, "n", 2);
  a.SetBit(TestCf::kSets, "s", 1, true);
  b.Put(TestCf::kRows, "b", "2");
  b.Merge(TestCf::kTally, "n", 5);
  b.SetBit(TestCf::kSets, "s", 2, true);
  ReadStore::PutOffset(b, 3, 42);
  EXPECT_GT(a.ApproximateBytes(), 0u);
  ASSERT_TRUE(store_->Ingest({&a, &b}).ok());
  EXPECT_EQ(a.count(), 4u);  // only read: the caller clears
  a.Clear();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.ApproximateBytes(), 0u);
  EXPECT_EQ(**store_->Get(TestCf::kRows, "a"), "1");
  EXPECT_EQ(**store_->Get(TestCf::kRows, "b"), "2");
  EXPECT_EQ(**store_->Get(TestCf::kRows, "kept"), "y");
  EXPECT_FALSE(store_->Get(TestCf::kRows, "old")->has_value());
  EXPECT_EQ(DecodeCounter(**store_->Get(TestCf::kTally, "n")), 7);
  EXPECT_EQ(Ids(*store_->GetBitmap(TestCf::kSets, "s")), (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(*store_->Offsets(), (std::map<int32_t, int64_t>{{3, 42}}));
  // A second ingestion over the first: merges add up, the last edit wins.
  Txn c(store_.get());
  c.Merge(TestCf::kTally, "n", -7);
  c.SetBit(TestCf::kSets, "s", 1, false);
  c.Put(TestCf::kRows, "a", "3");
  ASSERT_TRUE(store_->Ingest({&c}).ok());
  EXPECT_EQ(**store_->Get(TestCf::kRows, "a"), "3");
  EXPECT_EQ(DecodeCounter(**store_->Get(TestCf::kTally, "n")), 0);
  EXPECT_EQ(Ids(*store_->GetBitmap(TestCf::kSets, "s")), (std::vector<uint32_t>{2}));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/ingest/family-2.sst"));
}

// A fold being ingested is read through by the next one: its own writes
// first, then the fold under it (deletes included), then the database.
TEST_F(ReadStoreTest, ATxnReadsThroughTheTxnUnderIt) {
  Txn seed(store_.get());
  seed.Put(TestCf::kRows, "db", "stored");
  seed.Put(TestCf::kRows, "gone", "stored");
  ASSERT_TRUE(store_->Commit(seed).ok());
  Txn under(store_.get()), top(store_.get());
  under.Put(TestCf::kRows, "a", "under");
  under.Put(TestCf::kRows, "b", "under");
  under.Delete(TestCf::kRows, "gone");
  top.Put(TestCf::kRows, "b", "top");
  top.ReadThrough(&under);
  EXPECT_EQ(**top.Get(TestCf::kRows, "a"), "under");
  EXPECT_EQ(**top.Get(TestCf::kRows, "b"), "top");
  EXPECT_FALSE(top.Get(TestCf::kRows, "gone")->has_value());
  EXPECT_EQ(**top.Get(TestCf::kRows, "db"), "stored");
  top.ReadThrough(nullptr);
  EXPECT_FALSE(top.Get(TestCf::kRows, "a")->has_value());
  EXPECT_EQ(**top.Get(TestCf::kRows, "gone"), "stored");
}

TEST_F(ReadStoreTest, IngestRefusesAPlainKeyOfTwoBatchesAndStoresNothing) {
  Txn a(store_.get()), b(store_.get());
  a.Put(TestCf::kRows, "same", "1");
  a.Put(TestCf::kRows, "other", "1");
  b.Put(TestCf::kRows, "same", "2");
  Status s = store_->Ingest({&a, &b});
  EXPECT_EQ(s.code(), StatusCode::kInternal) << s;
  EXPECT_NE(s.message().find("rows/same"), std::string::npos) << s;
  EXPECT_FALSE(store_->Get(TestCf::kRows, "other")->has_value());
  EXPECT_EQ(a.count(), 2u);  // kept for the caller
  EXPECT_TRUE(store_->Ingest({}).ok());
}

// The batch sorts its keys before writing them (a table file takes them
// only in strictly ascending order): keys sharing long prefixes, keys that
// are prefixes of others and keys with NUL bytes come out in byte order.
TEST_F(ReadStoreTest, IngestOrdersKeysThatShareLongPrefixesOrHoldNulBytes) {
  const std::string p16 = "0123456789abcdef";
  std::vector<std::string> keys = {
      p16 + "z", p16, p16 + std::string("\0", 1), p16 + std::string("\0\1", 2), "0123",
      std::string("0123\0", 5), std::string("0123\0\0\0\0\0\0\0\0\0\0\0\0x", 17),
      p16 + "a" + p16, p16 + "a", "1", std::string("\xff\x01", 2), std::string("\x7f", 1)};
  Txn txn(store_.get());
  for (const auto& k : keys) txn.Put(TestCf::kRows, k, "v" + k);
  ASSERT_TRUE(store_->Ingest({&txn}).ok());
  std::sort(keys.begin(), keys.end());
  std::vector<std::string> stored;
  auto it = store_->NewIterator(TestCf::kRows);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    stored.push_back(it->key().ToString());
    EXPECT_EQ(it->value().ToString(), "v" + stored.back());
  }
  EXPECT_EQ(stored, keys);
}

// A rollback gives back what the batch held at the save point: rows
// overwritten or deleted since, rows added since gone, merges taken back.
TEST_F(ReadStoreTest, ARollbackRestoresRowsAndCountersToTheSavePoint) {
  Put(TestCf::kRows, "stored", "s");
  Txn txn(store_.get());
  txn.Put(TestCf::kRows, "a", "1");
  txn.Put(TestCf::kRows, "gone", "g");
  txn.Merge(TestCf::kTally, "n", 2);
  txn.SetSavePoint();
  txn.Put(TestCf::kRows, "a", "2");
  txn.Put(TestCf::kRows, "a", "3");
  txn.Delete(TestCf::kRows, "gone");
  txn.Delete(TestCf::kRows, "stored");
  txn.Put(TestCf::kRows, "new", "x");
  txn.Merge(TestCf::kTally, "n", 3);
  txn.Merge(TestCf::kTally, "m", 1);
  EXPECT_EQ(**txn.Get(TestCf::kRows, "a"), "3");
  EXPECT_FALSE(txn.Get(TestCf::kRows, "stored")->has_value());
  txn.RollbackToSavePoint();
  EXPECT_EQ(**txn.Get(TestCf::kRows, "a"), "1");
  EXPECT_EQ(**txn.Get(TestCf::kRows, "gone"), "g");
  EXPECT_EQ(**txn.Get(TestCf::kRows, "stored"), "s");
  EXPECT_FALSE(txn.Get(TestCf::kRows, "new")->has_value());
  ASSERT_TRUE(store_->Commit(txn).ok());
  EXPECT_EQ(**store_->Get(TestCf::kRows, "a"), "1");
  EXPECT_EQ(**store_->Get(TestCf::kRows, "gone"), "g");
  EXPECT_EQ(**store_->Get(TestCf::kRows, "stored"), "s");
  EXPECT_FALSE(store_->Get(TestCf::kRows, "new")->has_value());
  EXPECT_EQ(DecodeCounter(**store_->Get(TestCf::kTally, "n")), 2);
  EXPECT_FALSE(store_->Get(TestCf::kTally, "m")->has_value());
}

TEST_F(ReadStoreTest, ARollbackUndoesBitmapEditsToTheSavePoint) {
  Txn txn(store_.get());
  txn.SetSavePoint();
  txn.SetBit(TestCf::kSets, "s", 1, true);
  txn.SetBit(TestCf::kSets, "s", 2, false);
  txn.PopSavePoint();
  txn.SetSavePoint();
  txn.SetBit(TestCf::kSets, "s", 1, false);  // undone below
  txn.SetBit(TestCf::kSets, "s", 3, true);   // undone below
  txn.RollbackToSavePoint();
  ASSERT_TRUE(store_->Commit(txn).ok());
  EXPECT_EQ(Ids(*store_->GetBitmap(TestCf::kSets, "s")), (std::vector<uint32_t>{1}));
}

TEST_F(ReadStoreTest, ACorruptBitmapIsDataLoss) {
  store_->db()->Put(rocksdb::WriteOptions(), store_->handle(TestCf::kSets), "bad", "junk")
      .PermitUncheckedError();
  EXPECT_EQ(store_->GetBitmap(TestCf::kSets, "bad").status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(DecodeBitmap("").has_value());
  EXPECT_FALSE(DecodeBitmap(std::string("\x3b\x30\x00", 3)).has_value());
}

// The digest hashes a bitmap's ids, not its bytes: the same set reached
// by different edits (different containers) digests the same, and an
// emptied set like an absent one.
TEST_F(ReadStoreTest, DigestOfABitmapIsItsIds) {
  const std::string empty = *store_->Digest();
  {
    Txn txn(store_.get());
    for (uint32_t i = 0; i < 5000; ++i) txn.SetBit(TestCf::kSets, "s", i, true);
    ASSERT_TRUE(store_->Commit(txn).ok());
  }
  {
    Txn txn(store_.get());
    for (uint32_t i = 0; i < 5000; ++i) txn.SetBit(TestCf::kSets, "s", i, false);
    ASSERT_TRUE(store_->Commit(txn).ok());
  }
  EXPECT_EQ(*store_->Digest(), empty);
  {
    Txn txn(store_.get());
    txn.SetBit(TestCf::kSets, "s", 5, true);
    ASSERT_TRUE(store_->Commit(txn).ok());
  }
  EXPECT_NE(*store_->Digest(), empty);
}

}  // namespace
}  // namespace docket::projections
