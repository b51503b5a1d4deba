// ProjectionApplier: applies event records to one context's read store,
// exactly once per record: decode, project (through the context's
// projections::Projection), park poison records in dead letters, and store
// the consumed offsets with the rows they produced. The live runner, a
// rebuild and verify share it (consumers/projection_runner.h).
//
// Errors: a record that fails to decode or breaks an invariant
// (kDataLoss, kFailedPrecondition) parks its aggregate and the batch goes
// on; any other failure (the store) fails the call, and nothing of the
// failing lane is stored.
//
// Thread safety: not thread-safe; an applier runs its lanes itself.
#ifndef DOCKET_CONSUMERS_PROJECTION_APPLIER_H_
#define DOCKET_CONSUMERS_PROJECTION_APPLIER_H_

#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "events/kafka.h"
#include "projections/projection.h"
#include "projections/read_store.h"

namespace docket::consumers {

// Applies records to one ReadStore: decode, project (through one
// EventApplier of `projection` per lane), park poison records, store
// offsets. Shared by the live runner, rebuild and verify.
//
// Partitions are split into `lanes` (partition % lanes) applied in parallel,
// each lane with its own WriteBatch holding its records and its partitions'
// offsets. Lanes never read and write the same key (shared aggregates such
// as counts and search statistics are merge counters), so the result is the
// same as one lane's; each partition stays atomic with its offset.
// Not thread-safe (it runs its lanes itself).
class ProjectionApplier {
 public:
  struct Counters {
    uint64_t applied = 0;   // events that changed the read models
    uint64_t skipped = 0;   // at or below the stored version (replays)
    uint64_t parked = 0;    // records put into dead letters
  };
  // How Apply stores what it applied.
  enum class Mode {
    // Each Apply writes one WriteBatch per lane (WAL on): the live runner.
    kBatch,
    // Apply folds records into each lane's memory (a Txn that reads its own
    // writes, so a case's rows are written once per fold, not per batch)
    // and stores nothing; Flush writes every lane's fold, offsets included,
    // as sorted table files ingested in one atomic step
    // (ReadStore::Ingest): a rebuild's bulk load. The model is the same as
    // kBatch's for the same records (tests: projection_applier_test).
    kBulk,
  };
  // `projection` and `store` (opened with the projection's families) must
  // outlive the applier. 1 <= lanes <= 16.
  ProjectionApplier(const projections::Projection& projection, projections::ReadStore* store,
                    int lanes = 2, Mode mode = Mode::kBatch);
  ~ProjectionApplier();
  // Loads the stored offsets and the set of parked aggregates (and drops an
  // unflushed fold).
  Status Load();
  // Applies `records` (offset order per partition) and the new consumed
  // positions. `positions` may move partitions past records that are not
  // data (transaction markers); a position never goes backwards. Returns the
  // positions now stored (kBulk: folded, stored at the next Flush). On error
  // nothing of the failing lane is stored; in kBulk the whole unflushed fold
  // is dropped and the applier must be Load()ed again.
  Result<std::map<int32_t, int64_t>> Apply(const std::vector<kafka::Message>& records,
                                           const std::map<int32_t, int64_t>& positions);
  // kBulk: stores the fold of every lane (one ingestion) and returns when
  // it is stored, after any ingestion FlushInBackground started. A no-op
  // in kBatch.
  Status Flush();
  // kBulk: the same, on another thread: the folds are handed to it and
  // the lanes fold on into new ones that read through them
  // (Txn::ReadThrough) while they are ingested. First waits for the
  // ingestion started before and returns its error (the applier must then
  // be Load()ed again). Up to two folds are in memory. A no-op in kBatch.
  Status FlushInBackground();
  // kBulk: about how many bytes the unflushed fold has taken in (0 in kBatch).
  size_t PendingBytes() const;
  // Re-applies a parked aggregate's records in order. OK with a message
  // saying what happened; kNotFound when it is not parked. kBatch only.
  Result<std::string> Retry(const std::string& aggregate_key);
  Counters counters() const;
  size_t parked_aggregates() const;

 private:
  struct Lane;
  Lane& LaneOf(int32_t partition);
  // Waits for the background ingestion, if any, and lets the lanes' folds
  // read the database alone again.
  Status WaitIngestion();
  // Drops every lane's unflushed fold.
  void DropFolds();
  const projections::Projection& projection_;
  projections::ReadStore* store_;
  const Mode mode_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  // FlushInBackground: the folds being ingested, and the ingestion (declared
  // after them: destroyed first, it waits for the thread).
  std::vector<std::unique_ptr<projections::Txn>> ingesting_;
  std::future<Status> ingestion_;
};

// The dead-letter key of a record (Projection::DeadLetterKey): its Kafka key
// (the aggregate id), or for a record without a usable one
// "~unkeyed/<partition>/<offset>" (it blocks nothing).
std::string DeadLetterKey(const projections::Projection& projection, const kafka::Message& m);

}  // namespace docket::consumers

#endif  // DOCKET_CONSUMERS_PROJECTION_APPLIER_H_
