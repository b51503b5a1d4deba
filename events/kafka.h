// The Kafka adapter: RAII wrappers over librdkafka's C++ API (docs/events.md, house style 8).
//
// Every call that waits on the broker is bounded by KafkaOptions::timeout and
// turns "no broker" into kUnavailable with a message that names the brokers
// and what failed, e.g.
//   "unavailable: brokers 127.0.0.1:9092: metadata for 'docket.cases.events'
//    timed out after 5000 ms (last broker error: ... Connection refused)".
//
// Ownership: each class owns its librdkafka handle; the callback objects the
// handle calls into are members declared before the handle, so they outlive
// it. Destructors flush/close with the same bound and never hang.
//
// Thread safety: Producer::Produce/Flush may be called from any thread; the
// transaction calls must come from one thread at a time (one transaction is
// open at most). Consumer and Admin are thread-compatible: one thread at a
// time, except Consumer::Wake, which any thread may call.
#ifndef DOCKET_EVENTS_KAFKA_H_
#define DOCKET_EVENTS_KAFKA_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"

typedef struct rd_kafka_topic_result_s rd_kafka_topic_result_t;

namespace RdKafka {
class Producer;
class KafkaConsumer;
class Conf;
}  // namespace RdKafka

namespace docket::kafka {

struct KafkaOptions {
  // bootstrap.servers
  std::string brokers = "127.0.0.1:9092";
  // client.id, shows up in broker logs and quotas.
  std::string client_id = "docket";
  // Upper bound of every call that waits on the broker (metadata, commit,
  // delivery, admin requests, flush on shutdown).
  std::chrono::milliseconds timeout{10000};
  // Consumers only: how many bytes of fetched records a consumer holds ahead
  // of Poll (queued.max.messages.kbytes; librdkafka's default is 64 MiB,
  // with up to 100,000 records per partition). Every consumer of a process
  // fills this much while it catches up, so it bounds memory.
  int64_t consumer_queue_bytes = int64_t{16} << 20;
  // Extra librdkafka properties, applied last (they win). Must not set
  // properties the adapter depends on (enable.idempotence, isolation.level,
  // enable.auto.commit); Validate() refuses those.
  std::map<std::string, std::string> properties;

  Status Validate() const;
};

// Special offsets for Assign/Seek.
inline constexpr int64_t kOffsetBeginning = -2;
inline constexpr int64_t kOffsetEnd = -1;

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = kOffsetBeginning;
};

struct Header {
  std::string key;
  std::string value;
  friend bool operator==(const Header&, const Header&) = default;
};

struct Record {
  std::string topic;
  int32_t partition = -1;  // -1: the partitioner picks by key
  std::string key;
  std::string value;
  std::vector<Header> headers;
};

// The outcome of one produced record.
struct Delivery {
  Status status;  // OK, or why the record was not written
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
};

using DeliveryCallback = std::function<void(const Delivery&)>;

struct Message {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string key;
  std::string value;
  std::vector<Header> headers;
};

// What one Consumer::Poll returned.
struct PollBatch {
  std::vector<Message> messages;
  // Partitions whose end (last stable offset) was reached during this poll.
  std::vector<TopicPartitionOffset> reached_end;
};

class Consumer;
class ClientCallbacks;  // internal: error/log and delivery callbacks
class RebalanceHook;    // internal: adapts librdkafka's RebalanceCb

// Told about partition assignment changes of a subscribed consumer. Called
// on the thread that calls Consumer::Poll, inside it.
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // The partitions are assigned right after this returns; offsets are the
  // group's committed positions (or the reset policy when none).
  virtual void OnAssigned(const std::vector<TopicPartitionOffset>& partitions) = 0;
  // The partitions are taken away right after this returns.
  virtual void OnRevoked(const std::vector<TopicPartitionOffset>& partitions) = 0;
};

// An idempotent producer (enable.idempotence=true, acks=all) with an optional
// transactional mode.
class Producer {
 public:
  struct Options {
    KafkaOptions kafka;
    // Non-empty: a transactional producer with this transactional.id. Call
    // InitTransactions() once before the first transaction.
    std::string transactional_id;
    // linger.ms: how long to batch records before sending.
    int linger_ms = 5;
    // transaction.timeout.ms: the broker aborts a transaction left open this
    // long (e.g. by a crashed producer); until then read_committed readers
    // of its partitions wait. At least kafka.timeout (librdkafka requires
    // message.timeout.ms <= transaction.timeout.ms).
    std::chrono::milliseconds transaction_timeout{60000};
    Status Validate() const;
  };

  // Errors: kInvalidArgument for bad options.
  static Result<std::unique_ptr<Producer>> Create(Options options);
  // Flushes for at most kafka.timeout; records still undelivered then are
  // purged and their callbacks run with kUnavailable.
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Enqueues `record`. `done` runs exactly once, on an internal thread, with
  // the outcome: OK with partition/offset, kUnavailable when the broker did
  // not acknowledge within kafka.timeout, kAborted when the transaction it
  // belonged to was aborted or the producer fenced. Returns an error (and
  // never calls `done`) when the record cannot be enqueued.
  Status Produce(const Record& record, DeliveryCallback done);
  // The same, with a future.
  std::future<Delivery> Produce(const Record& record);

  // Looks up `topics`' partitions and leaders now, so the first record
  // produced to them does not wait for that (it took 1-2.5 s on the local
  // broker: the tail of the first transactions). Errors as for metadata.
  Status Prepare(const std::vector<std::string>& topics);

  // Waits until every enqueued record is delivered; kUnavailable on timeout.
  Status Flush();

  // ---- transactions (transactional_id set) ----
  // Registers with the transaction coordinator, fencing older producers with
  // the same transactional.id and aborting their open transaction.
  Status InitTransactions();
  Status BeginTransaction();
  // Adds the consumer's positions (`next_offsets`: last consumed + 1) to the
  // open transaction, with the consumer's group metadata for fencing.
  Status SendOffsetsToTransaction(
      const std::vector<TopicPartitionOffset>& next_offsets,
      Consumer& consumer);
  // Commits the open transaction. Errors:
  //   kAborted      the transaction was aborted (nothing of it is visible);
  //                 when fenced, the message says so and the producer stays
  //                 unusable (recreating it would steal the id back).
  //   kUnavailable  commit timed out or a fatal error occurred: the handle
  //                 was destroyed and recreated (InitTransactions ran again),
  //                 and the outcome is unknown: reload state from the log.
  Status CommitTransaction();
  // Aborts the open transaction. On timeout or fatal error the handle is
  // recreated as for CommitTransaction.
  Status AbortTransaction();

  // How many times the handle has been (re)created; starts at 1.
  int generation() const { return generation_.load(); }
  bool fenced() const { return fenced_.load(); }
  const Options& options() const { return options_; }

 private:
  explicit Producer(Options options);
  Status Open();          // creates handle_ and starts the poll thread
  void Close();           // stops polling, flushes (bounded), purges, destroys
  Status Recreate(const std::string& why);
  Status TxnError(const std::string& op, void* error /* RdKafka::Error* */);

  Options options_;
  std::unique_ptr<ClientCallbacks> callbacks_;  // outlives handle_
  std::shared_mutex handle_mu_;                 // guards handle_ replacement
  std::unique_ptr<RdKafka::Producer> handle_;
  std::thread poller_;
  std::atomic<bool> polling_{false};
  std::atomic<int> generation_{0};
  std::atomic<bool> fenced_{false};
};

// A consumer with manual assignment (or, later, group subscription):
// isolation.level=read_committed, enable.auto.commit=false.
class Consumer {
 public:
  struct Options {
    KafkaOptions kafka;
    // group.id; empty: a private one (no offsets are committed unless asked).
    std::string group_id;
    // group.instance.id (static membership): a restarted member with the
    // same id gets its partitions back without a rebalance. Empty: dynamic.
    std::string group_instance_id;
    // session.timeout.ms: how long the group waits for a silent member.
    int session_timeout_ms = 10000;
    // fetch.wait.max.ms: how long the broker holds an empty fetch; also how
    // soon the end of an idle partition is reported. A fetch returns as soon
    // as a record arrives, so a long-lived consumer waits long:
    // kLongLivedFetchWaitMs.
    int fetch_wait_max_ms = 100;
    // What docketd's long-lived consumers (deciders, projections, the bus,
    // the notifier) use: each empty fetch wakes a thread on both sides
    // (docs/kafka.md, idle cost).
    static constexpr int kLongLivedFetchWaitMs = 500;
    bool read_committed = true;
    Status Validate() const;
  };

  static Result<std::unique_ptr<Consumer>> Create(Options options);
  ~Consumer();  // closes with a bound
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  // The partition ids of `topic`. kNotFound when it does not exist,
  // kUnavailable when the broker does not answer within the timeout.
  Result<std::vector<int32_t>> Partitions(const std::string& topic);
  // Joins the group and subscribes to `topics`; `listener` (not owned, must
  // outlive the consumer) hears of every assignment change.
  Status Subscribe(const std::vector<std::string>& topics, RebalanceListener* listener);
  // Replaces the assignment.
  Status Assign(const std::vector<TopicPartitionOffset>& assignment);
  // Moves an assigned partition to `offset`.
  Status Seek(const TopicPartitionOffset& position);
  // Returns up to `max_messages` records, waiting at most `timeout` for the
  // first one. Records are in offset order per partition. kUnavailable when
  // nothing arrived and the brokers are down; kDataLoss / kInternal for
  // consumer errors that name the partition.
  Result<PollBatch> Poll(size_t max_messages, std::chrono::milliseconds timeout);
  // Makes the Poll in progress, or else the next one, return now (with what
  // it has, possibly nothing): how a thread that set a stop flag gets the
  // polling thread to see it without waiting out the poll's timeout, so an
  // idle poller can wait long. Any thread; cheap; never blocks.
  void Wake();
  // {low, high} watermarks from the broker. Retries transient errors (no
  // leader yet, e.g. right after the topic was created) within the timeout.
  Result<std::pair<int64_t, int64_t>> Watermarks(const std::string& topic,
                                                 int32_t partition);
  // The high watermark the last fetch response of an assigned partition
  // carried: no broker round trip (librdkafka keeps it). nullopt until a
  // fetch answered for the partition.
  std::optional<int64_t> CachedHighWatermark(const std::string& topic, int32_t partition);
  // The earliest offset whose timestamp is >= `timestamp_ms` (the end offset
  // when there is none).
  Result<int64_t> OffsetForTime(const std::string& topic, int32_t partition,
                                int64_t timestamp_ms);
  // The current fetch positions (next offset to read) of assigned
  // partitions; partitions without a position yet are left out.
  Result<std::vector<TopicPartitionOffset>> Positions(
      const std::vector<TopicPartitionOffset>& partitions);
  // The group's committed offsets of `partitions`; partitions without one
  // are left out.
  Result<std::vector<TopicPartitionOffset>> Committed(
      const std::vector<TopicPartitionOffset>& partitions);
  // Synchronously commits `next_offsets` for the group (lag reporting only).
  Status Commit(const std::vector<TopicPartitionOffset>& next_offsets);
  // The same without waiting for the answer (a failure is logged by
  // librdkafka's callbacks, not returned).
  Status CommitAsync(const std::vector<TopicPartitionOffset>& next_offsets);

  RdKafka::KafkaConsumer* raw() { return handle_.get(); }
  const Options& options() const { return options_; }

 private:
  explicit Consumer(Options options);
  Options options_;
  std::unique_ptr<ClientCallbacks> callbacks_;  // outlives handle_
  std::unique_ptr<RebalanceHook> rebalance_;    // outlives handle_
  Status pending_error_;  // an error met after records were taken
  std::atomic<bool> woken_{false};
  std::unique_ptr<RdKafka::KafkaConsumer> handle_;
};

struct TopicSpec {
  std::string name;
  int32_t partitions = 6;
  int16_t replication_factor = 1;
  // Topic configs, e.g. {"cleanup.policy", "delete"}, {"retention.ms", "-1"}.
  std::map<std::string, std::string> configs;
};

struct TopicDescription {
  std::string name;
  int32_t partitions = 0;
  std::map<std::string, std::string> configs;  // every config the broker reports
};

// Topic administration over librdkafka's Admin API.
class Admin {
 public:
  static Result<std::unique_ptr<Admin>> Create(KafkaOptions options);
  ~Admin();

  // Creates every topic of `specs`. kAlreadyExists names one that exists.
  Status CreateTopics(const std::vector<TopicSpec>& specs);
  // Creates the missing topics and checks the existing ones: the partition
  // count and every config in the spec must match, else kFailedPrecondition
  // naming the topic, the setting, the expected and the actual value.
  // Returns once every partition of every topic has a leader.
  Status EnsureTopics(const std::vector<TopicSpec>& specs);
  // kNotFound when the topic does not exist.
  Result<TopicDescription> DescribeTopic(const std::string& name);
  Status DeleteTopics(const std::vector<std::string>& names);

 private:
  explicit Admin(KafkaOptions options);
  Status WaitForLeaders(const std::vector<TopicSpec>& specs);
  // The first error of a create/delete topics result, named.
  Status TopicResults(const rd_kafka_topic_result_t** results, size_t n,
                      const std::string& op) const;
  KafkaOptions options_;
  std::unique_ptr<ClientCallbacks> callbacks_;
  std::unique_ptr<RdKafka::Producer> handle_;
  int ensure_attempts_ = 0;
};

}  // namespace docket::kafka

#endif  // DOCKET_EVENTS_KAFKA_H_
