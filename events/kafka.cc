#include "events/kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>

#include "events/kafka_internal.h"

namespace docket::kafka {

// Assigns/unassigns (eager protocol) around the listener's callbacks.
class RebalanceHook : public RdKafka::RebalanceCb {
 public:
  RebalanceListener* listener = nullptr;

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    std::vector<TopicPartitionOffset> list;
    for (const auto* tp : partitions) {
      list.push_back({tp->topic(), tp->partition(), tp->offset()});
    }
    const bool assigning = err == RdKafka::ERR__ASSIGN_PARTITIONS;
    try {
      if (listener) assigning ? listener->OnAssigned(list) : listener->OnRevoked(list);
    } catch (const std::exception& e) {
      KafkaLog()->error("rebalance listener threw: {}", e.what());
    } catch (...) {
      KafkaLog()->error("rebalance listener threw a non-standard exception");
    }
    // Whatever the listener did, the assignment must follow the group's.
    RdKafka::ErrorCode rc = assigning ? consumer->assign(partitions) : consumer->unassign();
    if (rc != RdKafka::ERR_NO_ERROR) {
      KafkaLog()->error("{}: {}", assigning ? "assign" : "unassign", RdKafka::err2str(rc));
    }
  }
};

namespace {

using internal::ApplyExtra;
using internal::BaseConf;
using internal::ConfPtr;
using internal::Ms;
using internal::Set;
using internal::TimedOut;

struct TopicPartitionList {
  std::vector<RdKafka::TopicPartition*> v;
  ~TopicPartitionList() { RdKafka::TopicPartition::destroy(v); }
};

// The entries of `list` that hold a real offset (not INVALID/END/...).
std::vector<TopicPartitionOffset> ValidOffsets(const TopicPartitionList& list) {
  std::vector<TopicPartitionOffset> out;
  for (const auto* tp : list.v) {
    if (tp->offset() >= 0) out.push_back({tp->topic(), tp->partition(), tp->offset()});
  }
  return out;
}

TopicPartitionList ToList(const std::vector<TopicPartitionOffset>& in) {
  TopicPartitionList out;
  for (const auto& tpo : in) {
    out.v.push_back(
        RdKafka::TopicPartition::create(tpo.topic, tpo.partition, tpo.offset));
  }
  return out;
}

}  // namespace

Status KafkaOptions::Validate() const {
  if (brokers.empty()) return InvalidArgumentError("kafka: brokers is empty");
  if (timeout.count() < 100 || timeout.count() > 600000) {
    return InvalidArgumentError("kafka: timeout must be 100 ms .. 10 min, got " +
                                std::to_string(timeout.count()) + " ms");
  }
  if (consumer_queue_bytes < (int64_t{1} << 20) || consumer_queue_bytes > (int64_t{2} << 30)) {
    return InvalidArgumentError("kafka: consumer_queue_bytes must be 1 MiB .. 2 GiB, got " +
                                std::to_string(consumer_queue_bytes));
  }
  for (const char* owned : {"enable.idempotence", "isolation.level", "enable.auto.commit",
                            "transactional.id", "acks", "partition.assignment.strategy"}) {
    if (properties.count(owned)) {
      return InvalidArgumentError(std::string("kafka: property ") + owned +
                                  " is set by the adapter and cannot be overridden");
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// Producer

Status Producer::Options::Validate() const {
  DOCKET_RETURN_IF_ERROR(kafka.Validate());
  if (linger_ms < 0 || linger_ms > 1000) {
    return InvalidArgumentError("producer: linger_ms must be 0..1000");
  }
  if (transaction_timeout < kafka.timeout) {
    return InvalidArgumentError("producer: transaction_timeout must be >= kafka.timeout");
  }
  return Status::Ok();
}

Producer::Producer(Options options)
    : options_(std::move(options)),
      callbacks_(std::make_unique<ClientCallbacks>(options_.kafka.brokers)) {}

Result<std::unique_ptr<Producer>> Producer::Create(Options options) {
  DOCKET_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<Producer> p(new Producer(std::move(options)));
  DOCKET_RETURN_IF_ERROR(p->Open());
  return p;
}

Status Producer::Open() {
  const auto& o = options_.kafka;
  DOCKET_ASSIGN_OR_RETURN(ConfPtr conf, BaseConf(o, callbacks_.get()));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "enable.idempotence", "true"));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "acks", "all"));
  DOCKET_RETURN_IF_ERROR(
      Set(conf.get(), "linger.ms", std::to_string(options_.linger_ms)));
  DOCKET_RETURN_IF_ERROR(
      Set(conf.get(), "message.timeout.ms", std::to_string(o.timeout.count())));
  if (!options_.transactional_id.empty()) {
    DOCKET_RETURN_IF_ERROR(
        Set(conf.get(), "transactional.id", options_.transactional_id));
    DOCKET_RETURN_IF_ERROR(Set(conf.get(), "transaction.timeout.ms",
                               std::to_string(options_.transaction_timeout.count())));
  }
  std::string err;
  if (conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(callbacks_.get()),
                err) != RdKafka::Conf::CONF_OK) {
    return InternalError("dr_cb: " + err);
  }
  DOCKET_RETURN_IF_ERROR(ApplyExtra(conf.get(), o));
  std::unique_ptr<RdKafka::Producer> h(RdKafka::Producer::create(conf.get(), err));
  if (!h) return InvalidArgumentError("kafka producer: " + err);
  handle_ = std::move(h);
  callbacks_->clear_fatal();
  ++generation_;
  polling_ = true;
  // Delivery reports wake poll() at once: the timeout only sets how often an
  // idle producer wakes for nothing. Close() cuts the wait short.
  poller_ = std::thread([this] {
    while (polling_) handle_->poll(1000);
  });
  return Status::Ok();
}

void Producer::Close() {
  if (!handle_) return;
  // Deliver what can be delivered within the bound, then fail the rest so
  // every callback runs exactly once.
  if (!fenced_) handle_->flush(Ms(options_.kafka.timeout));
  polling_ = false;
  // The yield is kept until the next wait on the queue, so it cannot be
  // missed by a poller between two polls.
  rd_kafka_queue_t* reports = rd_kafka_queue_get_main(handle_->c_ptr());
  rd_kafka_queue_yield(reports);
  rd_kafka_queue_destroy(reports);
  if (poller_.joinable()) poller_.join();
  handle_->purge(RdKafka::Producer::PURGE_QUEUE |
                 RdKafka::Producer::PURGE_INFLIGHT |
                 RdKafka::Producer::PURGE_NON_BLOCKING);
  handle_->poll(0);
  // Purged in-flight records report when their requests finish: bounded.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (handle_->outq_len() > 0 && std::chrono::steady_clock::now() < deadline) {
    handle_->poll(10);
  }
  handle_.reset();
}

Producer::~Producer() { Close(); }

Status Producer::Recreate(const std::string& why) {
  KafkaLog()->warn("producer {}: recreating the handle: {}",
                   options_.transactional_id, why);
  {
    std::unique_lock<std::shared_mutex> lock(handle_mu_);
    Close();
    DOCKET_RETURN_IF_ERROR(Open());
  }
  if (!options_.transactional_id.empty()) {
    // Not InitTransactions(): its error path may recreate again, and a
    // broker that keeps failing must not make that recursion unbounded.
    std::unique_ptr<RdKafka::Error> e(
        handle_->init_transactions(Ms(options_.kafka.timeout)));
    if (e) {
      return callbacks_->FromKafka(
          e->code(), "init_transactions after recreate: " + e->str());
    }
  }
  return Status::Ok();
}

Status Producer::Prepare(const std::vector<std::string>& topics) {
  std::shared_lock<std::shared_mutex> lock(handle_mu_);
  if (!handle_) return UnavailableError("producer has no handle (recreate failed)");
  for (const std::string& name : topics) {
    std::string err;
    std::unique_ptr<RdKafka::Topic> topic(
        RdKafka::Topic::create(handle_.get(), name, nullptr, err));
    if (!topic) return InvalidArgumentError("topic '" + name + "': " + err);
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode code =
        handle_->metadata(false, topic.get(), &raw, Ms(options_.kafka.timeout));
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (code != RdKafka::ERR_NO_ERROR) {
      return callbacks_->FromKafka(
          code, TimedOut("metadata for '" + name + "'", options_.kafka.timeout));
    }
  }
  return Status::Ok();
}

Status Producer::Produce(const Record& r, DeliveryCallback done) {
  std::shared_lock<std::shared_mutex> lock(handle_mu_);
  if (fenced_) return AbortedError("producer is fenced");
  if (!handle_) return UnavailableError("producer has no handle (recreate failed)");
  auto* opaque = new DeliveryCallback(std::move(done));
  RdKafka::Headers* headers = nullptr;
  if (!r.headers.empty()) {
    headers = RdKafka::Headers::create();
    for (const auto& h : r.headers) headers->add(h.key, h.value.data(), h.value.size());
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.kafka.timeout;
  for (;;) {
    RdKafka::ErrorCode err = handle_->produce(
        r.topic,
        r.partition < 0 ? RdKafka::Topic::PARTITION_UA : r.partition,
        RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(r.value.data()),
        r.value.size(), r.key.empty() ? nullptr : r.key.data(), r.key.size(),
        0, headers, opaque);
    if (err == RdKafka::ERR_NO_ERROR) return Status::Ok();
    if (err == RdKafka::ERR__QUEUE_FULL &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poller drains
      continue;
    }
    delete headers;
    delete opaque;
    return callbacks_->FromKafka(
        err == RdKafka::ERR__QUEUE_FULL ? RdKafka::ERR__TIMED_OUT : err,
        "produce to " + r.topic + ": " + RdKafka::err2str(err));
  }
}

std::future<Delivery> Producer::Produce(const Record& r) {
  auto promise = std::make_shared<std::promise<Delivery>>();
  auto future = promise->get_future();
  Status s = Produce(r, [promise](const Delivery& d) { promise->set_value(d); });
  if (!s.ok()) {
    Delivery d;
    d.status = s;
    d.topic = r.topic;
    promise->set_value(d);
  }
  return future;
}

Status Producer::Flush() {
  std::shared_lock<std::shared_mutex> lock(handle_mu_);
  if (!handle_) return UnavailableError("producer has no handle (recreate failed)");
  RdKafka::ErrorCode err = handle_->flush(Ms(options_.kafka.timeout));
  if (err == RdKafka::ERR_NO_ERROR) return Status::Ok();
  return callbacks_->FromKafka(
      err, TimedOut("flush of " + std::to_string(handle_->outq_len()) +
                        " records",
                    options_.kafka.timeout));
}

Status Producer::TxnError(const std::string& op, void* raw) {
  std::unique_ptr<RdKafka::Error> e(static_cast<RdKafka::Error*>(raw));
  Status s = callbacks_->FromKafka(e->code(), op + ": " + e->str());
  if (e->code() == RdKafka::ERR__FENCED ||
      e->code() == RdKafka::ERR_PRODUCER_FENCED) {
    fenced_ = true;
    return s;
  }
  if (e->is_fatal()) {
    Status r = Recreate(op + " failed fatally: " + e->str());
    return UnavailableError(s.message() + "; producer recreated" +
                            (r.ok() ? "" : " but " + r.ToString()) +
                            "; outcome unknown, reload state from the log");
  }
  if (e->txn_requires_abort()) {
    Status a = AbortTransaction();
    return AbortedError(s.message() + "; transaction aborted" +
                        (a.ok() ? "" : " (" + a.ToString() + ")"));
  }
  return s;
}

Status Producer::InitTransactions() {
  if (fenced_) return AbortedError("producer is fenced");
  if (!handle_) return UnavailableError("producer has no handle (recreate failed)");
  RdKafka::Error* e = handle_->init_transactions(Ms(options_.kafka.timeout));
  if (!e) return Status::Ok();
  return TxnError("init_transactions (bound " + std::to_string(options_.kafka.timeout.count()) +
                      " ms)",
                  e);
}

Status Producer::BeginTransaction() {
  if (fenced_) return AbortedError("producer is fenced");
  if (!handle_) return UnavailableError("producer has no handle (recreate failed)");
  RdKafka::Error* e = handle_->begin_transaction();
  if (!e) return Status::Ok();
  return TxnError("begin_transaction", e);
}

Status Producer::SendOffsetsToTransaction(
    const std::vector<TopicPartitionOffset>& next_offsets, Consumer& consumer) {
  if (fenced_) return AbortedError("producer is fenced");
  if (!handle_) return UnavailableError("producer has no handle (recreate failed)");
  TopicPartitionList list = ToList(next_offsets);
  std::unique_ptr<RdKafka::ConsumerGroupMetadata> md(consumer.raw()->groupMetadata());
  RdKafka::Error* e = handle_->send_offsets_to_transaction(
      list.v, md.get(), Ms(options_.kafka.timeout));
  if (!e) return Status::Ok();
  return TxnError("send_offsets_to_transaction", e);
}

Status Producer::CommitTransaction() {
  if (fenced_) return AbortedError("producer is fenced");
  if (!handle_) return UnavailableError("producer has no handle (recreate failed)");
  RdKafka::Error* raw = handle_->commit_transaction(Ms(options_.kafka.timeout));
  if (!raw) return Status::Ok();
  std::unique_ptr<RdKafka::Error> e(raw);
  if (e->code() == RdKafka::ERR__TIMED_OUT || e->is_retriable()) {
    Status r = Recreate("commit_transaction: " + e->str());
    return UnavailableError(
        "brokers " + options_.kafka.brokers + ": commit_transaction failed (" + e->str() +
        ", bound " + std::to_string(options_.kafka.timeout.count()) +
        " ms); producer recreated" + (r.ok() ? "" : " but " + r.ToString()) +
        "; outcome unknown, reload state from the log");
  }
  return TxnError("commit_transaction", e.release());
}

Status Producer::AbortTransaction() {
  if (fenced_) return AbortedError("producer is fenced");
  if (!handle_) return UnavailableError("producer has no handle (recreate failed)");
  RdKafka::Error* raw = handle_->abort_transaction(Ms(options_.kafka.timeout));
  if (!raw) return Status::Ok();
  std::unique_ptr<RdKafka::Error> e(raw);
  if (e->code() == RdKafka::ERR__TIMED_OUT || e->is_retriable() || e->is_fatal()) {
    Status r = Recreate("abort_transaction: " + e->str());
    return UnavailableError("brokers " + options_.kafka.brokers +
                            ": abort_transaction failed (" + e->str() +
                            "); producer recreated" +
                            (r.ok() ? "" : " but " + r.ToString()));
  }
  return callbacks_->FromKafka(e->code(), "abort_transaction: " + e->str());
}

// ---------------------------------------------------------------------------
// Consumer

Status Consumer::Options::Validate() const { return kafka.Validate(); }

Consumer::Consumer(Options options)
    : options_(std::move(options)),
      callbacks_(std::make_unique<ClientCallbacks>(options_.kafka.brokers)),
      rebalance_(std::make_unique<RebalanceHook>()) {}

Result<std::unique_ptr<Consumer>> Consumer::Create(Options options) {
  DOCKET_RETURN_IF_ERROR(options.Validate());
  if (options.group_id.empty()) {
    std::random_device rd;
    options.group_id = "docket-private-" + std::to_string(::getpid()) + "-" +
                       std::to_string(rd());
  }
  std::unique_ptr<Consumer> c(new Consumer(std::move(options)));
  const auto& o = c->options_;
  DOCKET_ASSIGN_OR_RETURN(ConfPtr conf, BaseConf(o.kafka, c->callbacks_.get()));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "group.id", o.group_id));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "enable.auto.commit", "false"));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "enable.auto.offset.store", "false"));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "enable.partition.eof", "true"));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "auto.offset.reset", "earliest"));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "isolation.level",
                             o.read_committed ? "read_committed"
                                              : "read_uncommitted"));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "fetch.wait.max.ms",
                             std::to_string(o.fetch_wait_max_ms)));
  // The fetch-ahead bound. librdkafka lowers fetch.max.bytes to it (not
  // below message.max.bytes), so one fetch cannot overshoot it by much.
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "queued.max.messages.kbytes",
                             std::to_string(std::max<int64_t>(1, o.kafka.consumer_queue_bytes / 1024))));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "session.timeout.ms",
                             std::to_string(o.session_timeout_ms)));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "heartbeat.interval.ms",
                             std::to_string(std::max(100, o.session_timeout_ms / 5))));
  if (!o.group_instance_id.empty()) {
    DOCKET_RETURN_IF_ERROR(Set(conf.get(), "group.instance.id", o.group_instance_id));
  }
  {
    std::string err;
    if (conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(c->rebalance_.get()),
                  err) != RdKafka::Conf::CONF_OK) {
      return InternalError("rebalance_cb: " + err);
    }
  }
  DOCKET_RETURN_IF_ERROR(ApplyExtra(conf.get(), o.kafka));
  std::string err;
  c->handle_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c->handle_) return InvalidArgumentError("kafka consumer: " + err);
  return c;
}

Consumer::~Consumer() {
  if (handle_) handle_->close();
}

Result<std::vector<int32_t>> Consumer::Partitions(const std::string& topic) {
  // The one topic's metadata, not the cluster's (which names every topic).
  std::string errstr;
  std::unique_ptr<RdKafka::Topic> handle(
      RdKafka::Topic::create(handle_.get(), topic, nullptr, errstr));
  if (!handle) return InvalidArgumentError("topic '" + topic + "': " + errstr);
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode err =
      handle_->metadata(false, handle.get(), &raw, Ms(options_.kafka.timeout));
  std::unique_ptr<RdKafka::Metadata> md(raw);
  auto missing = [&] {
    return NotFoundError("brokers " + options_.kafka.brokers + ": topic '" + topic +
                         "' does not exist");
  };
  auto unknown = [](RdKafka::ErrorCode e) {
    return e == RdKafka::ERR__UNKNOWN_TOPIC || e == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART;
  };
  if (unknown(err)) return missing();
  if (err != RdKafka::ERR_NO_ERROR) {
    return callbacks_->FromKafka(
        err, TimedOut("metadata for '" + topic + "'", options_.kafka.timeout));
  }
  for (const auto* t : *md->topics()) {
    if (t->topic() != topic) continue;
    if (unknown(t->err())) return missing();
    if (t->err() != RdKafka::ERR_NO_ERROR) {
      return callbacks_->FromKafka(t->err(), "topic '" + topic + "': " +
                                                 RdKafka::err2str(t->err()));
    }
    std::vector<int32_t> ids;
    for (const auto* p : *t->partitions()) ids.push_back(p->id());
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  return missing();
}

Status Consumer::Subscribe(const std::vector<std::string>& topics,
                           RebalanceListener* listener) {
  rebalance_->listener = listener;
  RdKafka::ErrorCode err = handle_->subscribe(topics);
  return callbacks_->FromKafka(err, "subscribe: " + RdKafka::err2str(err));
}

Status Consumer::Assign(const std::vector<TopicPartitionOffset>& assignment) {
  TopicPartitionList list = ToList(assignment);
  RdKafka::ErrorCode err = handle_->assign(list.v);
  return callbacks_->FromKafka(err, "assign: " + RdKafka::err2str(err));
}

Status Consumer::Seek(const TopicPartitionOffset& p) {
  std::unique_ptr<RdKafka::TopicPartition> tp(
      RdKafka::TopicPartition::create(p.topic, p.partition, p.offset));
  RdKafka::ErrorCode err = handle_->seek(*tp, Ms(options_.kafka.timeout));
  return callbacks_->FromKafka(err, "seek " + p.topic + "/" +
                                        std::to_string(p.partition) + ": " +
                                        RdKafka::err2str(err));
}

void Consumer::Wake() {
  // The flag first: the yield ends the wait, the flag ends the loop. A yield
  // with no one waiting is kept for the next wait on the queue.
  woken_ = true;
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(handle_->c_ptr());
  if (queue == nullptr) return;  // no group: never the case (Create sets one)
  rd_kafka_queue_yield(queue);
  rd_kafka_queue_destroy(queue);
}

Result<PollBatch> Consumer::Poll(size_t max_messages,
                                 std::chrono::milliseconds timeout) {
  if (!pending_error_.ok()) {
    Status s = pending_error_;
    pending_error_ = Status::Ok();
    return s;
  }
  PollBatch batch;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (batch.messages.size() < max_messages) {
    // Rounded up: rounded down, the last fraction of a millisecond became
    // consume(0) calls in a tight loop until the deadline, about 1 % of a
    // core per idle consumer polling every 100 ms.
    auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    // Once something arrived, take only what is already fetched.
    int wait = (batch.messages.empty() && batch.reached_end.empty())
                   ? static_cast<int>(std::max<int64_t>(0, left.count()))
                   : 0;
    std::unique_ptr<RdKafka::Message> m(handle_->consume(wait));
    switch (m->err()) {
      case RdKafka::ERR_NO_ERROR: {
        callbacks_->clear_brokers_down();
        Message out;
        out.topic = m->topic_name();
        out.partition = m->partition();
        out.offset = m->offset();
        out.timestamp_ms = m->timestamp().timestamp;
        if (m->key()) out.key = *m->key();
        out.value.assign(static_cast<const char*>(m->payload()), m->len());
        if (RdKafka::Headers* hs = m->headers()) {
          for (const auto& h : hs->get_all()) {
            out.headers.push_back(
                {h.key(), std::string(static_cast<const char*>(h.value()),
                                      h.value_size())});
          }
        }
        batch.messages.push_back(std::move(out));
        break;
      }
      case RdKafka::ERR__PARTITION_EOF:
        callbacks_->clear_brokers_down();
        batch.reached_end.push_back({m->topic_name(), m->partition(), m->offset()});
        break;
      case RdKafka::ERR__TIMED_OUT:
        if (!batch.messages.empty() || !batch.reached_end.empty() ||
            woken_.exchange(false) || std::chrono::steady_clock::now() >= deadline) {
          goto done;
        }
        break;
      case RdKafka::ERR__TRANSPORT:
      case RdKafka::ERR__ALL_BROKERS_DOWN:
        if (std::chrono::steady_clock::now() >= deadline) goto done;
        break;  // transient: librdkafka reconnects
      default: {
        Status s = callbacks_->FromKafka(
            m->err(), "consume " + m->topic_name() + "/" + std::to_string(m->partition()) +
                          "@" + std::to_string(m->offset()) + ": " + m->errstr());
        // Records already taken have moved the position: hand them out and
        // report the error on the next poll.
        if (!batch.messages.empty() || !batch.reached_end.empty()) {
          pending_error_ = s;
          goto done;
        }
        return s;
      }
    }
  }
done:
  if (batch.messages.empty() && batch.reached_end.empty() &&
      callbacks_->brokers_down()) {
    return UnavailableError("brokers " + options_.kafka.brokers +
                            ": no broker reachable (last broker error: " +
                            callbacks_->last_error() + ")");
  }
  return batch;
}

Result<std::pair<int64_t, int64_t>> Consumer::Watermarks(const std::string& topic,
                                                         int32_t partition) {
  const auto deadline = std::chrono::steady_clock::now() + options_.kafka.timeout;
  for (;;) {
    int64_t low = -1, high = -1;
    RdKafka::ErrorCode err = handle_->query_watermark_offsets(
        topic, partition, &low, &high, Ms(options_.kafka.timeout));
    if (err == RdKafka::ERR_NO_ERROR) return std::make_pair(low, high);
    const bool transient = err == RdKafka::ERR_NOT_LEADER_FOR_PARTITION ||
                           err == RdKafka::ERR_LEADER_NOT_AVAILABLE ||
                           err == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART;
    if (!transient || std::chrono::steady_clock::now() >= deadline) {
      return callbacks_->FromKafka(
          err, "watermarks of " + topic + "/" + std::to_string(partition) + ": " +
                   RdKafka::err2str(err));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Result<int64_t> Consumer::OffsetForTime(const std::string& topic,
                                        int32_t partition, int64_t timestamp_ms) {
  TopicPartitionList list = ToList({{topic, partition, timestamp_ms}});
  RdKafka::ErrorCode err =
      handle_->offsetsForTimes(list.v, Ms(options_.kafka.timeout));
  if (err == RdKafka::ERR_NO_ERROR) err = list.v[0]->err();
  if (err != RdKafka::ERR_NO_ERROR) {
    return callbacks_->FromKafka(err, "offset for time in " + topic + "/" +
                                          std::to_string(partition) + ": " +
                                          RdKafka::err2str(err));
  }
  int64_t offset = list.v[0]->offset();
  if (offset < 0) {  // no record at or after the time: the end
    DOCKET_ASSIGN_OR_RETURN(auto wm, Watermarks(topic, partition));
    offset = wm.second;
  }
  return offset;
}

Result<std::vector<TopicPartitionOffset>> Consumer::Positions(
    const std::vector<TopicPartitionOffset>& partitions) {
  TopicPartitionList list = ToList(partitions);
  RdKafka::ErrorCode err = handle_->position(list.v);
  if (err != RdKafka::ERR_NO_ERROR) {
    return callbacks_->FromKafka(err, "position: " + RdKafka::err2str(err));
  }
  return ValidOffsets(list);
}

Result<std::vector<TopicPartitionOffset>> Consumer::Committed(
    const std::vector<TopicPartitionOffset>& partitions) {
  TopicPartitionList list = ToList(partitions);
  RdKafka::ErrorCode err = handle_->committed(list.v, Ms(options_.kafka.timeout));
  if (err != RdKafka::ERR_NO_ERROR) {
    return callbacks_->FromKafka(err, "committed offsets: " + RdKafka::err2str(err));
  }
  return ValidOffsets(list);
}

std::optional<int64_t> Consumer::CachedHighWatermark(const std::string& topic,
                                                     int32_t partition) {
  int64_t low = -1, high = -1;
  RdKafka::ErrorCode err = handle_->get_watermark_offsets(topic, partition, &low, &high);
  if (err != RdKafka::ERR_NO_ERROR || high < 0) return std::nullopt;
  return high;
}

Status Consumer::CommitAsync(const std::vector<TopicPartitionOffset>& next_offsets) {
  TopicPartitionList list = ToList(next_offsets);
  RdKafka::ErrorCode err = handle_->commitAsync(list.v);
  return callbacks_->FromKafka(err, "commit: " + RdKafka::err2str(err));
}

Status Consumer::Commit(const std::vector<TopicPartitionOffset>& next_offsets) {
  TopicPartitionList list = ToList(next_offsets);
  RdKafka::ErrorCode err = handle_->commitSync(list.v);
  return callbacks_->FromKafka(err, "commit: " + RdKafka::err2str(err));
}

}  // namespace docket::kafka
