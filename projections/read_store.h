// ReadStore: the RocksDB database behind a context's read models (docs/architecture.md).
//
// One database per projection generation, one column family per model: the
// common families (CommonCf: offsets, dead letters) and the context's own,
// given at Open by the context's Projection (projections/projection.h). The projection runner is its only writer; queries read it from
// any thread. Everything in it is derived from the events topic and can be
// rebuilt (tools: docketctl rebuild / verify).
//
// Writes go through a Txn: a WriteBatch whose Get sees the batch's own
// writes over the database, with save points so a failed event can be
// rolled back out of a batch. Commit applies it atomically (WAL on).
//
// Generations (blue/green): a projection's root directory holds gen-NNNNNN
// directories and a symlink `current` naming the live one. A rebuild writes
// a new generation and swaps the link atomically; the runner notices and
// reopens (consumers/projection_runner.h).
#ifndef DOCKET_PROJECTIONS_READ_STORE_H_
#define DOCKET_PROJECTIONS_READ_STORE_H_

#include <absl/container/flat_hash_map.h>
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "common/status.h"
#include "projections/bitmap.h"

namespace docket::projections {

// A column family of a ReadStore: an index into its list of families.
// Implicitly constructible from any enum whose values are such indexes, so
// a context's code writes `txn.Put(Cf::kCases, ...)` with its own enum.
// Indexes 0 and 1 are the common families (CommonCf below); a context's
// families follow, numbered from kFirstContextFamily in the order its
// Projection lists them (projections/projection.h).
class Family {
 public:
  template <typename E>
    requires std::is_enum_v<E>
  constexpr Family(E e) : index_(static_cast<int>(e)) {}  // NOLINT: implicit
  constexpr explicit Family(int index) : index_(index) {}
  constexpr int index() const { return index_; }
  friend constexpr bool operator==(Family a, Family b) { return a.index_ == b.index_; }

 private:
  int index_;
};

// The families every ReadStore has, whatever the context.
enum class CommonCf : int {
  kMeta = 0,  // RocksDB's "default": consumed offsets per partition, context statistics
  kDead = 1,  // "dead": dead letters and the records parked behind them
};
inline constexpr int kFirstContextFamily = 2;

// What a column family holds, and so how its keys are merged.
enum class FamilyKind {
  kPlain,     // Put and Delete only
  kCounters,  // merge counters: 8-byte little-endian, summed by Txn::Merge without a read
  kBitmaps,   // sets of document ids (projections/bitmap.h), edited by Txn::SetBit
};

// A context's column family: its RocksDB name and kind.
struct FamilySpec {
  std::string name;
  FamilyKind kind = FamilyKind::kPlain;
};

class ReadStore;

// Memory that ReadStores share (docketd: every context's store, and both
// generations during a swap): one LRU block cache, which also holds the
// index and filter blocks, and one budget for the memtables of every column
// family (a rocksdb::WriteBufferManager: past it the largest memtable is
// flushed). Sizes come from config (--read-cache-bytes,
// --read-memtable-bytes). Thread-safe.
struct StoreMemory {
  static std::shared_ptr<StoreMemory> Create(size_t block_cache_bytes, size_t memtable_bytes);
  size_t block_cache_bytes = 0;
  size_t memtable_bytes = 0;
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
};

// A batch of writes that reads its own writes. Not thread-safe.
//
// Puts and deletes go to an overlay that Get consults before the database;
// merges (counters) are summed per key, bitmap edits gathered per key.
// Commit writes the final state of every key in key order (RocksDB's
// memtable inserts sorted keys far faster than random ones): a batch of
// events bumps each frequency once and edits each bitmap once. Get does not
// see merges or bitmap edits made in the same batch.
class Txn {
 public:
  explicit Txn(const ReadStore* store);
  ~Txn();
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  // The value in this batch, else in the database; nullopt when absent.
  Result<std::optional<std::string>> Get(Family cf, std::string_view key) const;
  void Put(Family cf, std::string_view key, std::string_view value);
  void Delete(Family cf, std::string_view key);
  // Adds `delta` to a counter without reading it (a RocksDB merge). Only for
  // column families of kind kCounters (FamilySpec); such counters are
  // 8-byte little-endian (DecodeCounter).
  void Merge(Family cf, std::string_view key, int64_t delta);
  // Puts `id` into the bitmap at `key` (on) or takes it out, without a read
  // (a RocksDB merge, projections/bitmap.h). Only for families of kind
  // kBitmaps. The last edit of an id in a batch wins.
  void SetBit(Family cf, std::string_view key, uint32_t id, bool on);

  void SetSavePoint();
  // Drops every write since the last SetSavePoint, and the save point.
  void RollbackToSavePoint();
  // Forgets the last save point, keeping the writes.
  void PopSavePoint();
  // Get also looks in `under`'s puts and deletes, after this batch's own
  // and before the database: a bulk build's next fold over the fold being
  // ingested on another thread. `under` must outlive this use and not
  // change meanwhile (reads of it from several threads are safe); nullptr
  // ends it.
  void ReadThrough(const Txn* under) { under_ = under; }
  // Writes in the batch (puts, deletes, distinct merged keys).
  size_t count() const;
  // Drops every write and save point (after an Ingest).
  void Clear();
  // About how many bytes of keys and values the batch has taken in since it
  // was last written (an upper bound of what it holds: a key written twice
  // counts twice). A bulk build writes its fold out when this passes its
  // budget.
  size_t ApproximateBytes() const { return bytes_; }

 private:
  friend class ReadStore;
 public:
  // One key's bitmap edits in this batch.
  struct BitEdits {
    Bitmap add, remove;
  };

 private:
  struct Undo {
    enum class Kind : uint8_t { kWrite, kMerge, kBit } kind = Kind::kWrite;
    std::string key;  // cf byte + key
    bool had = false;
    std::optional<std::string> previous;  // overlay entry before the write
    int64_t merge_delta = 0;              // for merges: the delta to take back
    uint32_t bit = 0;                     // for bit edits: the id, and whether
    int8_t bit_was = 0;                   // it was added (1), removed (-1) or untouched (0)
  };
  // Put (a value) and Delete (nullopt).
  void Write(Family cf, std::string_view key, std::optional<std::string_view> value);
  // The cf byte + key of the current call, in a buffer that keeps its
  // capacity: looking up a key the batch already holds allocates nothing.
  const std::string& FullKey(Family cf, std::string_view key) const;
  const ReadStore* store_;
  // Open addressing (SwissTable): a bulk build's fold holds millions of
  // keys, and a node-based map paid a cache miss per node on every lookup
  // (docs/read-models.md, "The projection runner").
  // cf byte + key -> value (nullopt: deleted in this batch).
  absl::flat_hash_map<std::string, std::optional<std::string>> overlay_;
  absl::flat_hash_map<std::string, int64_t> merges_;  // cf byte + key -> sum
  absl::flat_hash_map<std::string, BitEdits> bits_;   // cf byte + key -> edits
  mutable std::string key_;                           // FullKey's buffer
  std::vector<Undo> undo_;
  std::vector<size_t> save_points_;  // undo_ sizes
  size_t bytes_ = 0;
  const Txn* under_ = nullptr;  // ReadThrough
};

class ReadStore {
 public:
  struct Options {
    bool read_only = false;        // no LOCK taken: readable while a runner writes
    bool create_if_missing = true;  // ignored when read_only
    // Shared memory; null: the store's own, of StoreMemory's default sizes
    // (DefaultMemory()).
    std::shared_ptr<StoreMemory> memory;
  };
  // 64 MiB of block cache and 128 MiB of memtables, made once per process.
  static std::shared_ptr<StoreMemory> DefaultMemory();
  // Opens (or creates) the database in `dir` with the common families and
  // `families` (the context's, numbered from kFirstContextFamily). A store
  // must always be opened with the same family list it was built with.
  static Result<std::unique_ptr<ReadStore>> Open(const std::string& dir,
                                                 std::vector<FamilySpec> families,
                                                 Options options);
  static Result<std::unique_ptr<ReadStore>> Open(const std::string& dir,
                                                 std::vector<FamilySpec> families) {
    return Open(dir, std::move(families), Options{});
  }
  ~ReadStore();

  Result<std::optional<std::string>> Get(Family cf, std::string_view key) const;
  // An iterator over one column family, on an implicit snapshot.
  std::unique_ptr<rocksdb::Iterator> NewIterator(Family cf) const;
  // Calls fn for every key with `prefix` in key order until fn returns false.
  Status Scan(Family cf, std::string_view prefix,
              const std::function<bool(std::string_view key, std::string_view value)>& fn) const;
  // Applies `txn` atomically in one WriteBatch (WAL on) and empties it.
  Status Commit(Txn& txn);
  // The bulk load: writes the final state of every key of `txns` as one
  // sorted table file per column family (rocksdb::SstFileWriter, in a
  // scratch directory under dir()) and ingests them all in one step
  // (IngestExternalFiles: atomic across families, recorded in the
  // MANIFEST): after a crash the store holds all of it or none. No WAL and
  // no memtable; later files lie over earlier data as newer writes would.
  // The txns must not write the same plain key twice (lanes never do);
  // counter merges of one key are summed and bitmap edits combined. The
  // txns are only read (Clear them after): a bulk build's lanes read the
  // folds being ingested meanwhile (Txn::ReadThrough). On error nothing was
  // ingested.
  Status Ingest(const std::vector<Txn*>& txns);

  // The consumed position of each partition (next offset to read); absent
  // partitions have consumed nothing.
  Result<std::map<int32_t, int64_t>> Offsets() const;
  static void PutOffset(Txn& txn, int32_t partition, int64_t next_offset);

  // SHA-256 (hex) over every column family's keys and values in order
  // (common and context families alike), leaving out the consumed offsets
  // and counters at zero; a bitmap counts as its sorted ids, and an empty
  // one as absent: equal digests mean equal read models.
  Result<std::string> Digest() const;

  const std::string& dir() const { return dir_; }
  rocksdb::DB* db() const { return db_.get(); }
  // Every family has an index below family_count(); a Family outside the
  // list is a programming error (handle() returns null).
  int family_count() const { return static_cast<int>(specs_.size()); }
  // The family's name for messages ("meta" for the default family).
  std::string FamilyName(Family cf) const;
  bool IsCounterFamily(Family cf) const;
  FamilyKind Kind(Family cf) const;
  // The bitmap at `key` of a kBitmaps family; empty when absent.
  // kDataLoss when the stored bytes are not a bitmap.
  Result<Bitmap> GetBitmap(Family cf, std::string_view key) const;
  rocksdb::ColumnFamilyHandle* handle(Family cf) const {
    const auto i = static_cast<size_t>(cf.index());
    return i < handles_.size() ? handles_[i] : nullptr;
  }

 private:
  ReadStore() = default;
  struct Op;  // one key's final write (read_store.cc)
  // Every key's final write in `txns`, by family index, unsorted.
  std::vector<std::vector<Op>> OpsByFamily(const std::vector<Txn*>& txns) const;
  // Sorts one family's ops by key.
  static void SortOps(std::vector<Op>& ops);
  // Combines the equal keys of several txns in sorted `ops` (combined
  // bitmap edits live in `combined`); kInternal for a plain key of two
  // txns.
  Status CombineEqualKeys(std::vector<Op>& ops, std::deque<Txn::BitEdits>& combined) const;
  // Ingest's part for one family: its ops sorted (and combined, from
  // several txns) into one table file.
  Status WriteFamilyFile(int family, std::vector<Op>& ops, bool several_txns,
                         const std::string& file) const;
  std::string dir_;
  std::vector<FamilySpec> specs_;  // common families first
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

// An 8-byte little-endian counter of a merge column family; nullopt when
// the value is not one.
std::optional<int64_t> DecodeCounter(std::string_view value);
std::string EncodeCounter(int64_t n);

// ---- generations -----------------------------------------------------------

// The live generation directory under `root` (root/current -> gen-NNNNNN),
// creating gen-000001 and the link when there is none.
Result<std::string> CurrentGeneration(const std::string& root);
// The live generation's directory without creating anything; kNotFound
// when the projection was never built.
Result<std::string> ExistingGeneration(const std::string& root);
// A fresh, empty directory for the next generation (not yet live).
Result<std::string> NewGeneration(const std::string& root);
// Makes `generation_dir` the live one (atomic rename of the link).
Status SwapGeneration(const std::string& root, const std::string& generation_dir);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_READ_STORE_H_
