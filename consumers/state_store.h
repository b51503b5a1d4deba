// StateStore: the deciders' RocksDB cache of aggregate state (docs/architecture.md).
//
// One RocksDB per decider instance and context; keys are grouped by
// partition so that a partition's data can be read, rebuilt or dropped on
// its own:  p<partition>/<kind>/<key>. Kinds used by the decider:
//   s  encoded aggregate state, by aggregate id
//   d  encoded CommandResult, by command id (dedupe): the result record,
//      or, when that is gone from the results topic, the result a catch-up
//      derived from the command's events
//   m  meta: "counter", "events_next", "results_next" (decimal)
// The log is the truth: everything here can be rebuilt from the events and
// results topics. Writes go through a WriteBatch (atomic, WAL on).
// Thread-safe (RocksDB is).
#ifndef DOCKET_CONSUMERS_STATE_STORE_H_
#define DOCKET_CONSUMERS_STATE_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace docket::consumers {

struct StateStoreOptions {
  // The block cache (data, index and filter blocks). Most lookups are
  // answered by the decider's own state cache; the store serves a cold
  // state and every command's dedupe lookup.
  size_t block_cache_bytes = 32 << 20;
  // Bloom filter bits per key: a dedupe lookup of a new command (nearly
  // always a miss) then reads no data block (~1 % false positives at 10).
  int bloom_bits_per_key = 10;
};

class StateStore {
 public:
  class Batch {
   public:
    Batch();
    ~Batch();
    void Put(int32_t partition, char kind, std::string_view key, std::string_view value);
    void PutNumber(int32_t partition, std::string_view meta_key, uint64_t value);
    void DeletePartition(int32_t partition);
    size_t count() const;
    // Empties the batch (after it was written).
    void Clear();

   private:
    friend class StateStore;
    std::unique_ptr<rocksdb::WriteBatch> wb_;
  };

  // Creates the directory when missing. kUnavailable when it cannot be
  // opened (e.g. locked by another process).
  static Result<std::unique_ptr<StateStore>> Open(const std::string& dir,
                                                  const StateStoreOptions& options = {});
  ~StateStore();

  Result<std::optional<std::string>> Get(int32_t partition, char kind,
                                         std::string_view key) const;
  // The meta number, 0 when absent.
  Result<uint64_t> GetNumber(int32_t partition, std::string_view meta_key) const;
  Status Write(Batch& batch);
  // Calls `fn` for every key of (partition, kind) in key order.
  Status Scan(int32_t partition, char kind,
              const std::function<void(std::string_view key, std::string_view value)>& fn) const;

 private:
  explicit StateStore(rocksdb::DB* db);
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace docket::consumers

#endif  // DOCKET_CONSUMERS_STATE_STORE_H_
