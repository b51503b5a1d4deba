#include "projections/read_store.h"

#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <thread>

namespace docket::projections {
namespace {

namespace fs = std::filesystem;


constexpr std::string_view kOffsetPrefix = "offset/";

Status FromRocks(const rocksdb::Status& s, const std::string& what) {
  if (s.ok()) return Status::Ok();
  if (s.IsCorruption()) return DataLossError(what + ": " + s.ToString());
  if (s.IsInvalidArgument()) return FailedPreconditionError(what + ": " + s.ToString());
  return UnavailableError(what + ": " + s.ToString());
}

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// RocksDB counts its work per thread (perf_context) unless told not to:
// every key comparison of a memtable insert then read two thread-locals
// through __tls_get_addr (librocksdb is a shared library), about 7 % of
// the live apply's CPU (docs/read-models.md). Nothing here reads the
// counts. The level is per thread, so each entry point sets it (a
// thread-local store).
void NoPerfCounts() { rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable); }

std::string OffsetKey(int32_t partition) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "offset/%05d", partition);
  return buf;
}

Result<int64_t> ParseCounter(std::string_view v, std::string_view key) {
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || p != v.data() + v.size()) {
    return DataLossError("read store: counter " + std::string(key) + " is '" +
                         std::string(v) + "', not a number");
  }
  return n;
}

// Adds 8-byte little-endian integers: search term and document
// frequencies are bumped without a read.
class CounterMergeOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const override {
    auto a = existing ? DecodeCounter(existing->ToStringView()) : std::optional<int64_t>(0);
    auto b = DecodeCounter(value.ToStringView());
    if (!a || !b) return false;  // corruption: RocksDB reports it
    *new_value = EncodeCounter(*a + *b);
    return true;
  }
  const char* Name() const override { return "DocketCounterAdd"; }
};

}  // namespace

std::optional<int64_t> DecodeCounter(std::string_view v) {
  if (v.size() != 8) return std::nullopt;
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = n << 8 | static_cast<unsigned char>(v[static_cast<size_t>(i)]);
  return static_cast<int64_t>(n);
}

std::string EncodeCounter(int64_t n) {
  std::string out(8, '\0');
  auto u = static_cast<uint64_t>(n);
  for (size_t i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(u & 0xff);
    u >>= 8;
  }
  return out;
}

std::string ReadStore::FamilyName(Family cf) const {
  if (cf == CommonCf::kMeta) return "meta";
  const auto i = static_cast<size_t>(cf.index());
  return i < specs_.size() ? specs_[i].name : "family#" + std::to_string(cf.index());
}

bool ReadStore::IsCounterFamily(Family cf) const { return Kind(cf) == FamilyKind::kCounters; }

FamilyKind ReadStore::Kind(Family cf) const {
  const auto i = static_cast<size_t>(cf.index());
  return i < specs_.size() ? specs_[i].kind : FamilyKind::kPlain;
}

Result<Bitmap> ReadStore::GetBitmap(Family cf, std::string_view key) const {
  NoPerfCounts();
  rocksdb::PinnableSlice value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return Bitmap();
  if (!s.ok()) return FromRocks(s, "read store get " + FamilyName(cf));
  auto b = DecodeBitmap(value.ToStringView());
  if (!b) return DataLossError("read store: bitmap " + FamilyName(cf) + " is corrupt");
  return std::move(*b);
}

// ---- ReadStore -----------------------------------------------------------------

Result<std::unique_ptr<ReadStore>> ReadStore::Open(const std::string& dir,
                                                   std::vector<FamilySpec> families,
                                                   Options options) {
  std::unique_ptr<ReadStore> store(new ReadStore());
  store->dir_ = dir;
  store->specs_ = {FamilySpec{"default"}, FamilySpec{"dead"}};
  for (auto& f : families) {
    if (f.name.empty() || f.name == "default" || f.name == "dead") {
      return InvalidArgumentError("read store " + dir + ": bad family name '" + f.name + "'");
    }
    store->specs_.push_back(std::move(f));
  }
  if (store->specs_.size() > 64) {
    return InvalidArgumentError("read store " + dir + ": too many column families");
  }
  rocksdb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;
  // Keep every table file open: a reader of a swapped-out generation, or a
  // read-only instance (verify, export) while the projector compacts, keeps
  // reading files that have since been deleted (POSIX).
  db_options.max_open_files = -1;
  db_options.IncreaseParallelism(2);
  if (!options.read_only) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return UnavailableError("read store " + dir + ": " + ec.message());
  }
  const std::shared_ptr<StoreMemory> memory = options.memory ? options.memory : DefaultMemory();
  db_options.write_buffer_manager = memory->write_buffers;
  rocksdb::ColumnFamilyOptions cf_options;
  // 16 MiB memtables (two merged per flush), 8 MiB files, 64 MiB in L1, no
  // compression in L0-L1 and LZ4 below; the write buffer manager above bounds
  // the sum over every family.
  cf_options.OptimizeLevelStyleCompaction(64 << 20);
  // The last level holds nearly all the data and is rewritten least: ZSTD
  // there. Without it a store small enough to sit in L1 was not compressed
  // at all (100,000 cases: 2,856 -> 1,162 bytes per case, docs/read-models.md).
  cf_options.bottommost_compression = rocksdb::kZSTD;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = memory->block_cache;
  // Index and filter blocks stay with their open table files (max_open_files
  // is -1), outside the cache: charging them to it made every query 10-40 %
  // slower (docs/read-models.md). They grow with the store (about 1.25 bytes
  // of filter per key).
  // Point reads (a case's rows, a posting, the projection's reads of rows
  // that do not exist yet for a new case) skip the files without the key.
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
  for (const FamilySpec& spec : store->specs_) {
    cfs.emplace_back(spec.name, cf_options);
    if (spec.kind == FamilyKind::kCounters) {
      cfs.back().options.merge_operator = std::make_shared<CounterMergeOperator>();
    } else if (spec.kind == FamilyKind::kBitmaps) {
      cfs.back().options.merge_operator = NewBitmapMergeOperator();
      // A bitmap edited by every batch (a common word, an account) would
      // otherwise collect one operand per batch in the memtable, each read
      // folding them all; past 8, RocksDB folds them when writing.
      cfs.back().options.max_successive_merges = 8;
    }
  }
  rocksdb::DB* db = nullptr;
  rocksdb::Status s =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, dir, cfs, &store->handles_, &db)
          : rocksdb::DB::Open(db_options, dir, cfs, &store->handles_, &db);
  if (!s.ok()) return FromRocks(s, "read store " + dir);
  store->db_.reset(db);
  return store;
}

std::shared_ptr<StoreMemory> StoreMemory::Create(size_t block_cache_bytes, size_t memtable_bytes) {
  auto m = std::make_shared<StoreMemory>();
  m->block_cache_bytes = block_cache_bytes;
  m->memtable_bytes = memtable_bytes;
  m->block_cache = rocksdb::NewLRUCache(block_cache_bytes);
  m->write_buffers = std::make_shared<rocksdb::WriteBufferManager>(memtable_bytes);
  return m;
}

std::shared_ptr<StoreMemory> ReadStore::DefaultMemory() {
  static const std::shared_ptr<StoreMemory> memory =
      StoreMemory::Create(size_t{64} << 20, size_t{128} << 20);
  return memory;
}

ReadStore::~ReadStore() {
  if (!db_) return;
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  db_->Close().PermitUncheckedError();
}

Result<std::optional<std::string>> ReadStore::Get(Family cf, std::string_view key) const {
  NoPerfCounts();
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), handle(cf), ToSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, "read store get " + FamilyName(cf));
  return std::optional<std::string>(std::move(value));
}

std::unique_ptr<rocksdb::Iterator> ReadStore::NewIterator(Family cf) const {
  NoPerfCounts();
  return std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(rocksdb::ReadOptions(), handle(cf)));
}

Status ReadStore::Scan(
    Family cf, std::string_view prefix,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
  auto it = NewIterator(cf);
  for (it->Seek(ToSlice(prefix)); it->Valid() && it->key().starts_with(ToSlice(prefix));
       it->Next()) {
    if (!fn(it->key().ToStringView(), it->value().ToStringView())) break;
  }
  return FromRocks(it->status(), "read store scan " + FamilyName(cf));
}

// One key's final write in a Txn (or several Txns, combined).
struct ReadStore::Op {
  // The key's first 16 bytes as two big-endian numbers, zero-padded: the
  // sort decides most comparisons on them without reading the key (a bulk
  // build sorts millions of keys, and each read was a cache miss).
  uint64_t head[2];
  const std::string* key;  // cf byte + key
  const std::optional<std::string>* value;  // a put or delete; null for merges and bits
  int64_t delta;                             // a counter merge
  const Txn::BitEdits* bits;                 // bitmap edits

  static Op Of(const std::string& k, const std::optional<std::string>* value, int64_t delta,
               const Txn::BitEdits* bits) {
    Op o{{0, 0}, &k, value, delta, bits};
    for (size_t i = 0; i < 16; ++i) {
      const uint64_t byte = i < k.size() ? static_cast<unsigned char>(k[i]) : 0;
      o.head[i / 8] = o.head[i / 8] << 8 | byte;
    }
    return o;
  }
};

// Every key's final write in `txns`, by family (the key's first byte), in
// no order yet.
std::vector<std::vector<ReadStore::Op>> ReadStore::OpsByFamily(const std::vector<Txn*>& txns) const {
  std::vector<std::vector<Op>> by_family(handles_.size());
  auto add = [&](const std::string& k, const std::optional<std::string>* value, int64_t delta,
                 const Txn::BitEdits* bits) {
    const auto family = static_cast<unsigned char>(k[0]);
    if (family >= by_family.size()) by_family.resize(family + 1);
    by_family[family].push_back(Op::Of(k, value, delta, bits));
  };
  for (const Txn* txn : txns) {
    for (const auto& [k, v] : txn->overlay_) add(k, &v, 0, nullptr);
    for (const auto& [k, d] : txn->merges_) {
      if (d != 0) add(k, nullptr, d, nullptr);
    }
    for (const auto& [k, e] : txn->bits_) {
      if (!e.add.isEmpty() || !e.remove.isEmpty()) add(k, nullptr, 0, &e);
    }
  }
  return by_family;
}

// Sorts one family's ops by key.
void ReadStore::SortOps(std::vector<Op>& ops) {
  // Heads that differ order as their keys do: where one has padding and
  // the other a byte, the shorter key is a prefix of the longer one.
  // Equal heads fall back to the keys.
  std::sort(ops.begin(), ops.end(), [](const Op& a, const Op& b) {
    if (a.head[0] != b.head[0]) return a.head[0] < b.head[0];
    if (a.head[1] != b.head[1]) return a.head[1] < b.head[1];
    return *a.key < *b.key;
  });
}

// Combines equal neighbours of sorted ops from several txns (`combined`
// owns combined bitmap edits).
Status ReadStore::CombineEqualKeys(std::vector<Op>& ops, std::deque<Txn::BitEdits>& combined) const {
  size_t out = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (out == 0 || ops[out - 1].head[0] != ops[i].head[0] ||
        ops[out - 1].head[1] != ops[i].head[1] || *ops[out - 1].key != *ops[i].key) {
      ops[out++] = ops[i];
      continue;
    }
    Op& into = ops[out - 1];
    const Op& from = ops[i];
    if (into.value || from.value) {
      return InternalError("read store: key " + FamilyName(Family(static_cast<unsigned char>((*from.key)[0]))) +
                           "/" + from.key->substr(1) + " written by two batches of one ingestion");
    }
    if (into.bits && from.bits) {
      Txn::BitEdits& e = combined.emplace_back(*into.bits);
      e.add |= from.bits->add;
      e.remove |= from.bits->remove;
      into.bits = &e;
    } else {
      into.delta += from.delta;
    }
  }
  ops.resize(out);
  return Status::Ok();
}

Status ReadStore::Commit(Txn& txn) {
  NoPerfCounts();
  std::vector<std::vector<Op>> by_family = OpsByFamily({&txn});
  rocksdb::WriteBatch batch;
  for (auto& ops : by_family) {
    SortOps(ops);  // one txn holds each key once
    for (const Op& op : ops) {
      rocksdb::ColumnFamilyHandle* cf = handle(Family(static_cast<unsigned char>((*op.key)[0])));
      const rocksdb::Slice key(op.key->data() + 1, op.key->size() - 1);
      if (op.bits) {
        batch.Merge(cf, key, EncodeBitmapEdit(op.bits->add, op.bits->remove)).PermitUncheckedError();
      } else if (!op.value) {
        batch.Merge(cf, key, EncodeCounter(op.delta)).PermitUncheckedError();
      } else if (*op.value) {
        batch.Put(cf, key, **op.value).PermitUncheckedError();
      } else {
        batch.Delete(cf, key).PermitUncheckedError();
      }
    }
  }
  rocksdb::WriteOptions wo;  // WAL on; the log is the truth, so no fsync
  Status s = FromRocks(db_->Write(wo, &batch), "read store write");
  if (s.ok()) txn.Clear();
  return s;
}

// Sorts a family's ops (and combines the keys of several txns) and
// writes them as one table file.
Status ReadStore::WriteFamilyFile(int family, std::vector<Op>& ops, bool several_txns,
                                  const std::string& file) const {
  NoPerfCounts();
  std::deque<Txn::BitEdits> combined;
  SortOps(ops);
  if (several_txns) DOCKET_RETURN_IF_ERROR(CombineEqualKeys(ops, combined));
  rocksdb::ColumnFamilyHandle* cf = handle(Family(family));
  rocksdb::Options options(db_->GetDBOptions(), db_->GetOptions(cf));
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options, cf);
  rocksdb::Status s = writer.Open(file);
  for (size_t i = 0; s.ok() && i < ops.size(); ++i) {
    const Op& op = ops[i];
    const rocksdb::Slice key(op.key->data() + 1, op.key->size() - 1);
    if (op.bits) {
      s = writer.Merge(key, EncodeBitmapEdit(op.bits->add, op.bits->remove));
    } else if (!op.value) {
      s = writer.Merge(key, EncodeCounter(op.delta));
    } else if (*op.value) {
      s = writer.Put(key, **op.value);
    } else {
      s = writer.Delete(key);
    }
  }
  if (s.ok()) s = writer.Finish();
  return FromRocks(s, "read store bulk file " + FamilyName(Family(family)));
}

Status ReadStore::Ingest(const std::vector<Txn*>& txns) {
  NoPerfCounts();
  std::vector<std::vector<Op>> by_family = OpsByFamily(txns);
  std::vector<int> families;
  for (size_t f = 0; f < by_family.size(); ++f) {
    if (!by_family[f].empty()) families.push_back(static_cast<int>(f));
  }
  if (families.empty()) return Status::Ok();
  // The largest first, so the threads finish together.
  std::sort(families.begin(), families.end(), [&](int a, int b) {
    return by_family[static_cast<size_t>(a)].size() > by_family[static_cast<size_t>(b)].size();
  });
  const fs::path scratch = fs::path(dir_) / "ingest";
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch, ec);
  if (ec) return UnavailableError("read store " + scratch.string() + ": " + ec.message());
  auto file_of = [&](int family) {
    return (scratch / ("family-" + std::to_string(family) + ".sst")).string();
  };
  // The families' files are sorted and written in parallel, one thread
  // per core: each is its own sort and its own table file.
  std::vector<Status> written(families.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < families.size(); i = next++) {
      const int f = families[i];
      written[i] =
          WriteFamilyFile(f, by_family[static_cast<size_t>(f)], txns.size() > 1, file_of(f));
    }
  };
  const size_t threads =
      std::min<size_t>(families.size(), std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  Status s = Status::Ok();
  std::vector<rocksdb::IngestExternalFileArg> args;
  for (size_t i = 0; i < families.size() && s.ok(); ++i) {
    s = written[i];
    rocksdb::IngestExternalFileArg arg;
    arg.column_family = handle(Family(families[i]));
    arg.external_files = {file_of(families[i])};
    arg.options.move_files = true;
    arg.options.write_global_seqno = false;
    args.push_back(std::move(arg));
  }
  if (s.ok()) s = FromRocks(db_->IngestExternalFiles(args), "read store ingest");
  fs::remove_all(scratch, ec);
  return s;
}

Result<std::map<int32_t, int64_t>> ReadStore::Offsets() const {
  std::map<int32_t, int64_t> out;
  Status parse = Status::Ok();
  DOCKET_RETURN_IF_ERROR(Scan(CommonCf::kMeta, kOffsetPrefix, [&](std::string_view k, std::string_view v) {
    int32_t p = 0;
    std::string_view digits = k.substr(kOffsetPrefix.size());
    auto [_, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p);
    auto n = ParseCounter(v, k);
    if (ec != std::errc() || !n.ok()) {
      parse = DataLossError("read store: bad offset entry " + std::string(k));
      return false;
    }
    out[p] = *n;
    return true;
  }));
  DOCKET_RETURN_IF_ERROR(parse);
  return out;
}

void ReadStore::PutOffset(Txn& txn, int32_t partition, int64_t next_offset) {
  txn.Put(CommonCf::kMeta, OffsetKey(partition), std::to_string(next_offset));
}

Result<std::string> ReadStore::Digest() const {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  crypto_hash_sha256_state st;
  crypto_hash_sha256_init(&st);
  auto feed = [&](std::string_view s) {
    const uint64_t n = s.size();
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(&n), sizeof n);
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(s.data()), s.size());
  };
  for (int i = 0; i < family_count(); ++i) {
    const Family cf(i);
    const bool counters = IsCounterFamily(cf);
    const bool bitmaps = Kind(cf) == FamilyKind::kBitmaps;
    feed(FamilyName(cf));
    auto it = NewIterator(cf);
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (cf == CommonCf::kMeta && it->key().starts_with(ToSlice(kOffsetPrefix))) continue;
      // A counter at zero is a counter that is absent: whether its key
      // exists depends on how events fell into batches, not on the log.
      if (counters && it->value().size() == 8 &&
          DecodeCounter(it->value().ToStringView()) == 0) {
        continue;
      }
      if (bitmaps) {
        // The same set can be stored in more than one way (containers):
        // hash its ids.
        auto b = DecodeBitmap(it->value().ToStringView());
        if (!b) return DataLossError("read store digest: bitmap " + FamilyName(cf) + " is corrupt");
        if (b->isEmpty()) continue;
        std::string ids(b->cardinality() * sizeof(uint32_t), '\0');
        b->toUint32Array(reinterpret_cast<uint32_t*>(ids.data()));
        feed(it->key().ToStringView());
        feed(ids);
        continue;
      }
      feed(it->key().ToStringView());
      feed(it->value().ToStringView());
    }
    DOCKET_RETURN_IF_ERROR(FromRocks(it->status(), "read store digest"));
  }
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&st, out);
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, out, sizeof out);
  return std::string(hex);
}

// ---- generations -------------------------------------------------------------

Result<std::string> ExistingGeneration(const std::string& root) {
  std::error_code ec;
  fs::path link = fs::path(root) / "current";
  fs::path target = fs::read_symlink(link, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return NotFoundError("projection " + root + " has no live generation (never built)");
    }
    return UnavailableError("projection " + link.string() + ": " + ec.message());
  }
  return (fs::path(root) / target).string();
}

Result<std::string> CurrentGeneration(const std::string& root) {
  auto existing = ExistingGeneration(root);
  if (existing.ok() || existing.status().code() != StatusCode::kNotFound) return existing;
  DOCKET_ASSIGN_OR_RETURN(std::string dir, NewGeneration(root));
  DOCKET_RETURN_IF_ERROR(SwapGeneration(root, dir));
  return dir;
}

Result<std::string> NewGeneration(const std::string& root) {
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return UnavailableError("projection " + root + ": " + ec.message());
  int highest = 0;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    int n = 0;
    if (name.starts_with("gen-") && std::sscanf(name.c_str() + 4, "%d", &n) == 1) {
      highest = std::max(highest, n);
    }
  }
  if (ec) return UnavailableError("projection " + root + ": " + ec.message());
  char name[32];
  std::snprintf(name, sizeof name, "gen-%06d", highest + 1);
  fs::path dir = fs::path(root) / name;
  fs::create_directory(dir, ec);
  if (ec) return UnavailableError("projection " + dir.string() + ": " + ec.message());
  return dir.string();
}

Status SwapGeneration(const std::string& root, const std::string& generation_dir) {
  std::error_code ec;
  fs::path tmp = fs::path(root) / "current.tmp";
  fs::remove(tmp, ec);
  fs::create_symlink(fs::path(generation_dir).filename(), tmp, ec);
  if (ec) return UnavailableError("projection swap " + tmp.string() + ": " + ec.message());
  fs::rename(tmp, fs::path(root) / "current", ec);  // rename(2): atomic
  if (ec) return UnavailableError("projection swap " + root + ": " + ec.message());
  return Status::Ok();
}

}  // namespace docket::projections
