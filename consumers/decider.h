// Decider: turns commands into events exactly once, as the single writer of
// the partitions it owns (docs/architecture.md). Generic over the aggregate: the
// AggregateHandler gives meaning, this loop gives ownership and delivery.
//
// For each session (one consumer in group `group_id`, and `producers`
// transactional producers with transactional.ids
// "<prefix>.decider.<context>.<instance_id>" and, for the second,
// "<prefix>.decider.<context>.<instance_id>.1", used in turn):
//   - on assignment of commands partition p it catches up partition p of the
//     events and results topics (read_committed) into the RocksDB state
//     store, from the offsets the store says it reflects, before taking
//     commands;
//   - per batch of commands (bounded by count and time) it decides each one
//     against the current state and then, in ONE Kafka transaction, appends
//     the events (events topic, partition p), the results (results topic,
//     partition p) and the consumed command offsets (with the consumer's
//     group metadata, so a stale owner is fenced);
//   - only after the commit it writes the state store.
// Transactions run one at a time: the next begins only after the previous
// commit returned. Taking turns between two producers lets the next
// transaction start while the broker still writes the previous one's
// markers; with one producer it would meet CONCURRENT_TRANSACTIONS and wait
// librdkafka's fixed 20 ms retry. A session starts by initialising both ids,
// which fences an older owner's producers under either id.
// A repeated command id returns the stored result and appends nothing. On
// any transaction failure the session is torn down and rebuilt from the
// store and the log: consumed-but-uncommitted commands are read again.
//
// Thread safety: Run() blocks the calling thread; Wake() and Stats may be
// used from any thread.
#ifndef DOCKET_CONSUMERS_DECIDER_H_
#define DOCKET_CONSUMERS_DECIDER_H_

#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "aggregates/handler.h"
#include "common/clock.h"
#include "common/latency_histogram.h"
#include "consumers/state_store.h"
#include "events/kafka.h"
#include "events/topics.h"

namespace docket::consumers {

struct DeciderOptions {
  kafka::KafkaOptions kafka;
  events::TopicLayout layout;
  std::string group_id = "deciders";
  // Names this decider's transactional.id and static group membership; a
  // restarted process with the same id takes its partitions straight back.
  std::string instance_id = "0";
  // The state store lives in <data_dir>/decider-<context>-<instance_id>.
  std::string data_dir = "./var";
  StateStoreOptions store;
  // A batch (one transaction) holds at most this many commands. A batch
  // takes what is already fetched, so this matters only with a backlog:
  // there it bounds throughput at max_batch per transaction (500 saturated
  // at ~25,000 commands/s on 2 cores, 10,000 at ~45,000-60,000, where the
  // CPUs are full; docs/benchmarks.md, "the batch cap").
  size_t max_batch = 10'000;
  // How long an idle poll waits before the loop looks at timers and the stop
  // flag again; a command ends the wait at once, and so does Wake(). Each
  // wait that runs out wakes the thread: 100 ms cost about 0.05 % of a core
  // per decider (docs/benchmarks.md, idle).
  std::chrono::milliseconds poll_wait{500};
  // How often timers (e.g. auto-close) are checked.
  std::chrono::milliseconds timer_interval{1000};
  int session_timeout_ms = 10000;
  // States kept in memory per partition; past this the cache is dropped
  // (the store has them all).
  size_t max_cached_states = 100'000;
  // Catching up a partition from the log writes what it has read to the
  // state store every this many events (states, derived results and the
  // positions they reflect, in one write), so memory stays bounded however
  // long the log, and a crash mid-way resumes from the last write.
  size_t catch_up_flush_events = 10'000;
  // transaction.timeout.ms of the decider's producer. A batch's transaction
  // takes milliseconds, a full one working off a backlog a few hundred;
  // this bounds how long a crashed owner's open
  // transaction holds up the partition's next owner (the broker aborts it
  // after this, checking every
  // transaction.abort.timed.out.transaction.cleanup.interval.ms).
  std::chrono::milliseconds transaction_timeout{15000};
  // How long catch-up waits for another producer's open transaction on an
  // owned events/results partition to end. Validate() requires at least
  // transaction_timeout + 15 s.
  std::chrono::milliseconds stable_wait{45000};
  // Transactional producers used in turn, 1 or 2 (see above).
  int producers = 2;
  // Pause before a new session after a failed one.
  std::chrono::milliseconds retry_backoff{500};

  Status Validate() const;
};

class Decider : private kafka::RebalanceListener {
 public:
  struct Stats {
    std::atomic<uint64_t> commands{0};    // decided (not counting duplicates)
    std::atomic<uint64_t> accepted{0};
    std::atomic<uint64_t> rejected{0};
    std::atomic<uint64_t> duplicates{0};  // answered from the dedupe store
    std::atomic<uint64_t> transactions{0};
    std::atomic<uint64_t> failed_sessions{0};
    std::atomic<uint64_t> timer_commands{0};
    std::atomic<uint64_t> parked{0};  // unreadable command records parked
    // Where a command's time goes, per stage (docs/decider.md): in_log is
    // per command (its record's timestamp to the poll that took it), the
    // others per transaction.
    enum Stage {
      kInLog,         // written by the bus -> polled by the decider
      kDecide,        // poll returned -> every command decided
      kEventsAcked,   // events produced -> all acknowledged
      kResultsAcked,  // results produced -> all acknowledged
      kCommit,        // offsets sent + commit returned
      kStoreWrite,    // the state store's write after the commit
      kBatch,         // poll returned -> store written: the whole batch
      kStageCount
    };
    static constexpr std::array<const char*, kStageCount> kStageNames = {
        "in_log", "decide", "events_acked", "results_acked", "commit", "store_write", "batch"};
    std::array<LatencyHistogram, kStageCount> stages;
  };

  // `handler` and `clock` must outlive the decider.
  Decider(DeciderOptions options, const aggregates::AggregateHandler& handler,
          const Clock& clock);
  ~Decider() override;

  // Runs sessions until `stop` is set. Returns an error when it cannot run
  // at all (bad options, state store cannot be opened) and kAborted when
  // another live process with the same instance id fenced it.
  Status Run(const std::atomic<bool>& stop);
  // Makes Run see `stop` now rather than after the poll in progress (set the
  // flag first). Any thread.
  void Wake();

  const Stats& stats() const { return stats_; }

 private:
  struct Partition {
    uint64_t counter = 0;
    uint64_t events_next = 0;
    uint64_t results_next = 0;
    std::unordered_map<std::string, std::string> states;  // cache of the store
    std::map<std::string, int64_t> timers;                // aggregate -> due µs
  };
  struct BatchWork;

  void OnAssigned(const std::vector<kafka::TopicPartitionOffset>& parts) override;
  void OnRevoked(const std::vector<kafka::TopicPartitionOffset>& parts) override;

  Status RunSession(const std::atomic<bool>& stop);
  Status CatchUp(const std::vector<int32_t>& partitions);
  // The command offsets a transaction sends: those consumed in the batch, or
  // for timer commands only, offsets that are already true (empty when
  // there are none yet).
  Result<std::vector<kafka::TopicPartitionOffset>> FencingOffsets(
      const std::map<int32_t, int64_t>& consumed);
  // Waits until no transaction of another producer is open on `parts`.
  Status WaitUntilStable(const std::vector<kafka::TopicPartitionOffset>& parts);
  Status ProcessBatch(const std::vector<kafka::Message>& messages, bool run_timers);
  // ProcessBatch's steps, in order: decide the consumed commands, then those
  // of due timers; then, in the open transaction, send and commit them and
  // write what was committed to the store.
  Status DecideMessages(BatchWork& work, const std::vector<kafka::Message>& messages);
  Status DecideTimers(BatchWork& work, size_t batch_commands);
  Status SendAndCommit(kafka::Producer& producer, BatchWork& work,
                       const std::vector<kafka::TopicPartitionOffset>& offsets);
  Status WriteCommitted(const BatchWork& work, const std::vector<std::string>& encoded_results,
                        const std::map<int32_t, int64_t>& events_next,
                        const std::map<int32_t, int64_t>& results_next);
  void Handle(BatchWork& work, int32_t partition, const fb::CommandEnvelopeT& command);
  bool AnsweredBefore(BatchWork& work, int32_t partition, const fb::CommandEnvelopeT& command);
  void Unreadable(BatchWork& work, const kafka::Message& record, const Status& why);
  // A command's result derived from its events while catching up;
  // `covered` when a result record of the results topic says it already.
  struct Derived {
    fb::CommandResultT result;
    bool covered = false;
  };
  using DerivedResults = std::map<std::pair<int32_t, std::string>, Derived>;
  Status AddDerivedResult(DerivedResults& accepted, int32_t partition, int64_t offset,
                          const fb::EventEnvelopeT& event);
  Result<std::string> CurrentState(BatchWork& work, int32_t partition,
                                   const std::string& aggregate_id);
  // The id of producer `slot` (0 also names the consumer and the logs).
  std::string TransactionalId(int slot = 0) const;
  bool Fenced() const;

  DeciderOptions options_;
  const aggregates::AggregateHandler& handler_;
  const Clock& clock_;
  std::unique_ptr<StateStore> store_;
  std::vector<std::unique_ptr<kafka::Producer>> producers_;
  size_t next_producer_ = 0;  // the one the next transaction uses
  std::mutex consumer_mu_;  // guards consumer_ being set and reset, for Wake
  std::unique_ptr<kafka::Consumer> consumer_;
  std::map<int32_t, Partition> owned_;
  Status assign_error_;
  std::chrono::steady_clock::time_point last_timer_{};
  Stats stats_;
};

}  // namespace docket::consumers

#endif  // DOCKET_CONSUMERS_DECIDER_H_
