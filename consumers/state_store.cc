#include "consumers/state_store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <cstdio>
#include <filesystem>

namespace docket::consumers {
namespace {

std::string Prefix(int32_t partition, char kind) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "p%05d/%c/", partition, kind);
  return buf;
}

std::string PartitionPrefix(int32_t partition) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "p%05d/", partition);
  return buf;
}

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return DataLossError(what + ": " + s.ToString());
  return UnavailableError(what + ": " + s.ToString());
}

}  // namespace

StateStore::Batch::Batch() : wb_(std::make_unique<rocksdb::WriteBatch>()) {}
StateStore::Batch::~Batch() = default;

void StateStore::Batch::Clear() { wb_->Clear(); }

void StateStore::Batch::Put(int32_t partition, char kind, std::string_view key,
                            std::string_view value) {
  std::string k = Prefix(partition, kind);
  k.append(key);
  wb_->Put(k, rocksdb::Slice(value.data(), value.size()));
}

void StateStore::Batch::PutNumber(int32_t partition, std::string_view meta_key,
                                  uint64_t value) {
  Put(partition, 'm', meta_key, std::to_string(value));
}

void StateStore::Batch::DeletePartition(int32_t partition) {
  std::string begin = PartitionPrefix(partition);
  std::string end = PartitionPrefix(partition + 1);
  wb_->DeleteRange(begin, end);
}

size_t StateStore::Batch::count() const { return wb_->Count(); }

StateStore::StateStore(rocksdb::DB* db) : db_(db) {}
StateStore::~StateStore() = default;

Result<std::unique_ptr<StateStore>> StateStore::Open(const std::string& dir,
                                                     const StateStoreOptions& o) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return UnavailableError("state store " + dir + ": " + ec.message());
  rocksdb::Options options;
  options.create_if_missing = true;
  options.max_open_files = 256;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(o.block_cache_bytes);
  table.cache_index_and_filter_blocks = true;  // bounded by the cache
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  // Index and filter in partitions of ~4 KB under a small pinned top level.
  // Whole, a file's filter grows with its keys (1.25 MB at a million dedupe
  // entries), outgrows a cache shard (32 MB / 64 shards = 512 KB), is never
  // kept, and every lookup read it from the file again: a decider with
  // about a million commands in its store answered ~9,000 commands/s where
  // it had answered 16,000 (docs/benchmarks.md, "the batch cap"). Files
  // written before keep their whole filter until compaction rewrites them.
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.pin_top_level_index_and_filter = true;                // 7.8's default,
  table.cache_index_and_filter_blocks_with_high_priority = true;  // stated
  if (o.bloom_bits_per_key > 0) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(o.bloom_bits_per_key));
  }
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
  if (!s.ok()) return FromRocks(s, "state store " + dir);
  return std::unique_ptr<StateStore>(new StateStore(db));
}

Result<std::optional<std::string>> StateStore::Get(int32_t partition, char kind,
                                                   std::string_view key) const {
  std::string k = Prefix(partition, kind);
  k.append(key);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), k, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "state store get " + k);
  return std::optional<std::string>(std::move(value));
}

Result<uint64_t> StateStore::GetNumber(int32_t partition, std::string_view meta_key) const {
  DOCKET_ASSIGN_OR_RETURN(auto v, Get(partition, 'm', meta_key));
  if (!v) return uint64_t{0};
  try {
    return static_cast<uint64_t>(std::stoull(*v));
  } catch (...) {
    return DataLossError("state store: meta " + std::string(meta_key) + " is '" + *v +
                         "', not a number");
  }
}

Status StateStore::Write(Batch& batch) {
  rocksdb::WriteOptions wo;  // WAL on; the log is the truth, so no fsync
  return FromRocks(db_->Write(wo, batch.wb_.get()), "state store write");
}

Status StateStore::Scan(
    int32_t partition, char kind,
    const std::function<void(std::string_view, std::string_view)>& fn) const {
  const std::string prefix = Prefix(partition, kind);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    rocksdb::Slice k = it->key();
    k.remove_prefix(prefix.size());
    fn(std::string_view(k.data(), k.size()),
       std::string_view(it->value().data(), it->value().size()));
  }
  return FromRocks(it->status(), "state store scan");
}

}  // namespace docket::consumers
