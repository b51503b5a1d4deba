// Projection runner: keeps one context's read models current from its
// events topic, exactly once (docs/architecture.md). Generic: the context's meaning
// comes from a projections::Projection (projections/projection.h) that the
// composition root passes in; nothing here knows a context by name.
//
//   - It reads every partition of docket.<context>.events read_committed (a
//     query replica consumes them all), starting from the offsets stored in
//     its own RocksDB, never the broker's.
//   - Each batch of events and the consumed offsets go into ONE WriteBatch
//     (WAL on): after a crash the store holds a batch entirely or not at
//     all, and consumption resumes right after the last stored batch.
//     Events at or below an aggregate's stored version are skipped, so a
//     replay is harmless.
//   - A poison record (fails to decode, or breaks an invariant such as a
//     version gap) parks its aggregate (Projection::DeadLetterKey) in a
//     dead-letter record (partition, offset, reason); later records of a
//     parked aggregate are parked behind it in order; every other aggregate
//     goes on. Retry re-applies the parked
//     records in order (docketctl dead-letters retry).
//   - Kafka offsets are committed (group `group_id`) only so the usual lag
//     tools see them.
//   - Blue/green: when `current` under the projection root names another
//     generation (docketctl rebuild swapped it), the runner closes its
//     store, opens the new one and resumes from the new store's offsets.
//   - A live generation built by another model format (an upgrade changed
//     the rows: Projection::model_format) is replaced by a fresh generation
//     built from the log, as on a new installation; the old one is removed.
//
// Thread safety: Run() blocks its thread; Wake(), store(), WaitForPosition(),
// Lag(), CaughtUp() and stats() may be called from any thread.
#ifndef DOCKET_CONSUMERS_PROJECTION_RUNNER_H_
#define DOCKET_CONSUMERS_PROJECTION_RUNNER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "consumers/projection_applier.h"
#include "events/kafka.h"
#include "events/topics.h"
#include "projections/projection.h"
#include "projections/read_store.h"

namespace docket::consumers {

struct ProjectorOptions {
  kafka::KafkaOptions kafka;
  events::TopicLayout layout;
  // The projection's context (required; must be the Projection's context()).
  std::string context;
  // The projection's root is <data_dir>/projections/<context>.
  std::string data_dir = "./var";
  // Only for lag reporting: offsets committed to Kafka under this group;
  // empty means "projector.<context>".
  std::string group_id;
  // Records per WriteBatch at most (per poll in a build).
  size_t max_batch = 2000;
  // Builds (BuildUntil: rebuild, verify): how many bytes of rows the bulk
  // load holds folded in memory: two folds of half of it, one being
  // written as table files while the next fills. Peak memory is a small
  // multiple of it (docs/read-models.md).
  size_t bulk_bytes = size_t{256} << 20;
  // The block cache and memtable budget every store of the process shares;
  // null: ReadStore::DefaultMemory().
  std::shared_ptr<projections::StoreMemory> store_memory;
  // How long an idle poll waits before the loop looks at its clocks and the
  // stop flag again; a record ends the wait at once, and so does Wake().
  std::chrono::milliseconds poll_wait{500};
  // How often consumed offsets are committed to Kafka and end offsets read
  // for lag.
  std::chrono::milliseconds lag_interval{2000};
  // How often the runner checks for a swapped generation and retry requests.
  std::chrono::milliseconds check_interval{250};
  // Pause before a new session after a failed one.
  std::chrono::milliseconds retry_backoff{500};

  Status Validate() const;
  std::string Root() const;
  std::string EventsTopic() const { return layout.EventsTopic(context); }
  std::string GroupId() const { return group_id.empty() ? "projector." + context : group_id; }
};

struct PartitionLag {
  int32_t partition = 0;
  int64_t next_offset = 0;  // next offset the projection will read
  int64_t end_offset = 0;   // the partition's high watermark when last read
  double seconds = 0;       // age of the oldest record not yet applied (approx.)
  // False until the broker's high watermark was read in this session: until
  // then end_offset is only what was applied, and events() says nothing.
  bool end_known = false;
  int64_t events() const { return end_offset > next_offset ? end_offset - next_offset : 0; }
};

// Where a retry request for a parked aggregate is dropped for a live runner.
std::string RetryRequestDir(const ProjectorOptions& options);

struct BuildProgress {
  int64_t done = 0;   // records consumed so far
  int64_t total = 0;  // records to consume in all
  double events_per_second = 0;
};

// Builds the read models in `dir` (from the offsets already stored there,
// zero for a fresh directory) until every partition has reached `until`
// (its offset there; an empty map means the end offsets when the build
// starts). Calls `progress` about every 0.5 s and once at the end. Used by
// rebuild (fresh generation) and verify (temporary directory). A bulk load
// (ProjectionApplier::Mode::kBulk): each half options.bulk_bytes of folded
// rows and the offsets they reach are ingested together (on another thread
// while the next fold fills), so a build that stops resumes from its last
// ingestion.
// kInvalidArgument when options.context is not the projection's.
Status BuildUntil(const projections::Projection& projection, const ProjectorOptions& options, const std::string& dir,
                  std::map<int32_t, int64_t> until,
                  const std::function<void(const BuildProgress&)>& progress,
                  const std::atomic<bool>& stop);

class ProjectionRunner {
 public:
  struct Stats {
    std::atomic<uint64_t> applied{0};
    std::atomic<uint64_t> skipped{0};
    std::atomic<uint64_t> parked{0};
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> swaps{0};
    std::atomic<uint64_t> failed_sessions{0};
  };

  // `projection` must outlive the runner; options.context must be its
  // context (Run fails with kInvalidArgument otherwise).
  ProjectionRunner(const projections::Projection& projection, ProjectorOptions options);
  ~ProjectionRunner();

  // Runs until `stop` is set. Errors only when it cannot run at all (bad
  // options); broker outages and store errors are retried.
  Status Run(const std::atomic<bool>& stop);
  // Makes Run see `stop` now rather than after the poll in progress (set the
  // flag first).
  void Wake();

  // The live store (null before the first session opened it). Holders keep
  // a swapped-out generation readable until they let go.
  std::shared_ptr<projections::ReadStore> store() const;
  // Read-your-writes: waits until the record at (partition, offset) of the
  // events topic has been applied. false on timeout.
  bool WaitForPosition(int32_t partition, int64_t offset, std::chrono::milliseconds timeout);
  std::vector<PartitionLag> Lag() const;
  // A count of the batches applied so far (0 at start). Waits up to
  // `timeout` for it to pass `seen` and returns it: live views (event
  // streams) wake on new events instead of polling the store.
  uint64_t WaitForChange(uint64_t seen, std::chrono::milliseconds timeout);
  // WaitForChange, with the record keys (aggregate ids) of the batches
  // applied after `seen`, each once: a live view wakes only what changed.
  // The runner keeps the keys of its last kChangedKeysKept records; when
  // more changed since `seen`, `complete` is false (look at everything).
  struct Changes {
    uint64_t now = 0;
    std::vector<std::string> keys;
    bool complete = true;
  };
  static constexpr size_t kChangedKeysKept = 16384;
  Changes WaitForChangedKeys(uint64_t seen, std::chrono::milliseconds timeout);
  // True once the runner has applied (and serves) every partition up to the
  // end offsets it first read from the broker in its first session; stays
  // true. Lets the gateway refuse what needs a complete model (sign-ins need
  // every user) while a fresh store catches up.
  bool CaughtUp() const { return caught_up_.load(); }
  // Waits (bounded) until CaughtUp(); its value at return.
  bool WaitCaughtUp(std::chrono::milliseconds timeout);
  const projections::Projection& projection() const { return projection_; }
  const Stats& stats() const { return stats_; }

 private:
  Status RunSession(const std::atomic<bool>& stop);
  void Publish(const std::map<int32_t, int64_t>& positions,
               const std::vector<kafka::Message>& records);
  void HandleRetryRequests(ProjectionApplier& applier);

  // Reads the end offsets CaughtUp() compares with, once (first session).
  Status ReadFirstEnds(kafka::Consumer& consumer, const std::string& topic,
                       const std::vector<int32_t>& partitions);
  // Reads the end offsets for Lag() and commits `positions` to Kafka (lag
  // tools only).
  void RefreshLag(kafka::Consumer& consumer, const std::string& topic,
                  const std::vector<int32_t>& partitions,
                  const std::map<int32_t, int64_t>& positions, bool serving);
  // Marks the runner caught up once `positions` reach first_ends_.
  void NoteCaughtUp(const std::map<int32_t, int64_t>& positions);

  const projections::Projection& projection_;
  ProjectorOptions options_;
  std::atomic<bool> caught_up_{false};
  std::map<int32_t, int64_t> first_ends_;  // Run's thread only; empty until read
  bool first_ends_known_ = false;          // Run's thread only
  mutable std::mutex mu_;
  std::condition_variable applied_cv_;
  std::shared_ptr<projections::ReadStore> store_;  // guarded by mu_
  kafka::Consumer* polling_ = nullptr;             // the session's; guarded by mu_
  std::map<int32_t, PartitionLag> lag_;            // guarded by mu_
  std::map<int32_t, int64_t> last_timestamp_ms_;   // guarded by mu_
  uint64_t changes_ = 0;                           // guarded by mu_
  // (change number, record key) of the last kChangedKeysKept records, and
  // the last change number whose keys were dropped; guarded by mu_.
  std::deque<std::pair<uint64_t, std::string>> changed_keys_;
  uint64_t dropped_through_ = 0;
  Stats stats_;
};

}  // namespace docket::consumers

#endif  // DOCKET_CONSUMERS_PROJECTION_RUNNER_H_
