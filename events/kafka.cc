#include "events/kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>

#include "events/kafka_log.h"

namespace docket::kafka {

// ---------------------------------------------------------------------------
// Callbacks shared by every client. Declared before the handle in each class
// so they outlive it (librdkafka calls them until the handle is destroyed).
class ClientCallbacks : public RdKafka::EventCb,
                        public RdKafka::DeliveryReportCb {
 public:
  explicit ClientCallbacks(std::string brokers) : brokers_(std::move(brokers)) {}

  void event_cb(RdKafka::Event& event) override {
    switch (event.type()) {
      case RdKafka::Event::EVENT_ERROR: {
        {
          std::lock_guard<std::mutex> lock(mu_);
          last_error_ = RdKafka::err2str(event.err()) + ": " + event.str();
        }
        if (event.err() == RdKafka::ERR__ALL_BROKERS_DOWN) brokers_down_ = true;
        if (event.fatal()) fatal_ = true;
        KafkaLog()->warn("brokers {}: {} ({})", brokers_, event.str(),
                         RdKafka::err2str(event.err()));
        break;
      }
      case RdKafka::Event::EVENT_LOG:
        KafkaLog()->debug("librdkafka {}: {}", event.fac(), event.str());
        break;
      default:
        break;
    }
  }

  // Runs the per-record callback exactly once; never lets an exception
  // escape into librdkafka.
  void dr_cb(RdKafka::Message& m) override {
    std::unique_ptr<DeliveryCallback> done(
        static_cast<DeliveryCallback*>(m.msg_opaque()));
    if (!done) return;
    Delivery d;
    d.topic = m.topic_name();
    d.partition = m.partition();
    d.offset = m.offset();
    if (m.err() != RdKafka::ERR_NO_ERROR) {
      d.status = FromKafka(m.err(), "record for " + d.topic + " not written: " +
                                        m.errstr());
      d.offset = -1;
    } else {
      brokers_down_ = false;
    }
    try {
      (*done)(d);
    } catch (const std::exception& e) {
      KafkaLog()->error("delivery callback threw: {}", e.what());
    } catch (...) {
      KafkaLog()->error("delivery callback threw a non-standard exception");
    }
  }

  // Maps a librdkafka error to a Status code (the one place that does).
  Status FromKafka(RdKafka::ErrorCode err, const std::string& what) const {
    std::string msg = "brokers " + brokers_ + ": " + what;
    switch (err) {
      case RdKafka::ERR_NO_ERROR:
        return Status::Ok();
      case RdKafka::ERR__FENCED:
      case RdKafka::ERR_PRODUCER_FENCED:
      case RdKafka::ERR_INVALID_PRODUCER_EPOCH:
        return AbortedError(msg + " (fenced: a newer producer owns this "
                                  "transactional.id)");
      case RdKafka::ERR__PURGE_QUEUE:
      case RdKafka::ERR__PURGE_INFLIGHT:
        return AbortedError(msg + " (purged: transaction aborted or "
                                  "producer shut down before delivery)");
      case RdKafka::ERR__UNKNOWN_TOPIC:
      case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
      case RdKafka::ERR__UNKNOWN_PARTITION:
        return NotFoundError(msg);
      case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
      case RdKafka::ERR__INVALID_ARG:
      case RdKafka::ERR_INVALID_CONFIG:
        return InvalidArgumentError(msg);
      case RdKafka::ERR__STATE:
        return FailedPreconditionError(msg);
      default: {
        std::string last = last_error();
        if (!last.empty()) msg += " (last broker error: " + last + ")";
        return UnavailableError(msg);
      }
    }
  }

  std::string last_error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
  }
  bool brokers_down() const { return brokers_down_; }
  void clear_brokers_down() { brokers_down_ = false; }
  bool fatal() const { return fatal_; }
  void clear_fatal() { fatal_ = false; }
  const std::string& brokers() const { return brokers_; }

 private:
  const std::string brokers_;
  mutable std::mutex mu_;
  std::string last_error_;
  std::atomic<bool> brokers_down_{false};
  std::atomic<bool> fatal_{false};
};

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

using ConfPtr = std::unique_ptr<RdKafka::Conf>;

Status Set(RdKafka::Conf* conf, const std::string& key, const std::string& value) {
  std::string err;
  if (conf->set(key, value, err) != RdKafka::Conf::CONF_OK) {
    return InvalidArgumentError("kafka property " + key + "=" + value + ": " + err);
  }
  return Status::Ok();
}

Result<ConfPtr> BaseConf(const KafkaOptions& o, ClientCallbacks* cb) {
  ConfPtr conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "bootstrap.servers", o.brokers));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "client.id", o.client_id));
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "log.connection.close", "false"));
  const std::string t = std::to_string(o.timeout.count());
  DOCKET_RETURN_IF_ERROR(Set(conf.get(), "socket.timeout.ms", t));
  std::string err;
  if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(cb), err) !=
      RdKafka::Conf::CONF_OK) {
    return InternalError("event_cb: " + err);
  }
  return conf;
}

Status ApplyExtra(RdKafka::Conf* conf, const KafkaOptions& o) {
  for (const auto& [k, v] : o.properties) DOCKET_RETURN_IF_ERROR(Set(conf, k, v));
  return Status::Ok();
}

int Ms(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }

std::string TimedOut(const std::string& what, std::chrono::milliseconds t) {
  return what + " timed out after " + std::to_string(t.count()) + " ms";
}

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
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode err =
      handle_->metadata(true, nullptr, &raw, Ms(options_.kafka.timeout));
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (err != RdKafka::ERR_NO_ERROR) {
    return callbacks_->FromKafka(
        err, TimedOut("metadata for '" + topic + "'", options_.kafka.timeout));
  }
  for (const auto* t : *md->topics()) {
    if (t->topic() != topic) continue;
    if (t->err() != RdKafka::ERR_NO_ERROR) {
      return callbacks_->FromKafka(t->err(), "topic '" + topic + "': " +
                                                 RdKafka::err2str(t->err()));
    }
    std::vector<int32_t> ids;
    for (const auto* p : *t->partitions()) ids.push_back(p->id());
    std::sort(ids.begin(), ids.end());
    return ids;
  }
  return NotFoundError("brokers " + options_.kafka.brokers + ": topic '" + topic +
                       "' does not exist");
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

// ---------------------------------------------------------------------------
// Admin (librdkafka's C Admin API on the C++ handle)

namespace {

template <typename T, void (*F)(T*)>
struct CDeleter {
  void operator()(T* p) const {
    if (p) F(p);
  }
};
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, CDeleter<rd_kafka_queue_t, rd_kafka_queue_destroy>>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, CDeleter<rd_kafka_event_t, rd_kafka_event_destroy>>;
using AdminOptsPtr = std::unique_ptr<rd_kafka_AdminOptions_t,
                                     CDeleter<rd_kafka_AdminOptions_t, rd_kafka_AdminOptions_destroy>>;

}  // namespace

Admin::Admin(KafkaOptions options)
    : options_(std::move(options)),
      callbacks_(std::make_unique<ClientCallbacks>(options_.brokers)) {}

Admin::~Admin() = default;

Result<std::unique_ptr<Admin>> Admin::Create(KafkaOptions options) {
  DOCKET_RETURN_IF_ERROR(options.Validate());
  std::unique_ptr<Admin> a(new Admin(std::move(options)));
  DOCKET_ASSIGN_OR_RETURN(ConfPtr conf, BaseConf(a->options_, a->callbacks_.get()));
  DOCKET_RETURN_IF_ERROR(ApplyExtra(conf.get(), a->options_));
  std::string err;
  a->handle_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!a->handle_) return InvalidArgumentError("kafka admin: " + err);
  return a;
}

namespace {

// Runs one admin request and waits (bounded) for its result event.
template <typename Call>
Result<EventPtr> RunAdmin(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                          std::chrono::milliseconds timeout,
                          const std::string& what, const ClientCallbacks& cb,
                          Call call) {
  AdminOptsPtr opts(rd_kafka_AdminOptions_new(rk, op));
  char err[512];
  if (rd_kafka_AdminOptions_set_request_timeout(opts.get(), Ms(timeout), err, sizeof err)) {
    return InvalidArgumentError(what + ": " + err);
  }
  // Only topic creation and deletion have an operation (controller) timeout.
  const bool has_operation_timeout =
      op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_DELETETOPICS;
  if (has_operation_timeout &&
      rd_kafka_AdminOptions_set_operation_timeout(opts.get(), Ms(timeout), err, sizeof err)) {
    return InvalidArgumentError(what + ": " + err);
  }
  QueuePtr queue(rd_kafka_queue_new(rk));
  call(opts.get(), queue.get());
  EventPtr ev(rd_kafka_queue_poll(queue.get(), Ms(timeout) + 2000));
  if (!ev) {
    return cb.FromKafka(RdKafka::ERR__TIMED_OUT, TimedOut(what, timeout));
  }
  if (rd_kafka_event_error(ev.get())) {
    return cb.FromKafka(
        static_cast<RdKafka::ErrorCode>(rd_kafka_event_error(ev.get())),
        what + ": " + rd_kafka_event_error_string(ev.get()));
  }
  return ev;
}

}  // namespace

Status Admin::CreateTopics(const std::vector<TopicSpec>& specs) {
  if (specs.empty()) return Status::Ok();
  rd_kafka_t* rk = handle_->c_ptr();
  std::vector<rd_kafka_NewTopic_t*> topics;
  struct Cleanup {
    std::vector<rd_kafka_NewTopic_t*>* t;
    ~Cleanup() { rd_kafka_NewTopic_destroy_array(t->data(), t->size()); }
  } cleanup{&topics};
  char err[512];
  for (const auto& s : specs) {
    rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(
        s.name.c_str(), s.partitions, s.replication_factor, err, sizeof err);
    if (!nt) return InvalidArgumentError("topic '" + s.name + "': " + err);
    topics.push_back(nt);
    for (const auto& [k, v] : s.configs) {
      if (rd_kafka_NewTopic_set_config(nt, k.c_str(), v.c_str())) {
        return InvalidArgumentError("topic '" + s.name + "': config " + k);
      }
    }
  }
  DOCKET_ASSIGN_OR_RETURN(
      EventPtr ev,
      RunAdmin(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, options_.timeout,
               "create topics", *callbacks_,
               [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                 rd_kafka_CreateTopics(rk, topics.data(), topics.size(), o, q);
               }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(
      rd_kafka_event_CreateTopics_result(ev.get()), &n);
  return TopicResults(results, n, "create");
}

Status Admin::TopicResults(const rd_kafka_topic_result_t** results, size_t n,
                           const std::string& op) const {
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
    std::string name = rd_kafka_topic_result_name(results[i]);
    if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      return AlreadyExistsError("topic '" + name + "' already exists");
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return callbacks_->FromKafka(static_cast<RdKafka::ErrorCode>(e),
                                   op + " topic '" + name + "': " +
                                       (msg ? msg : rd_kafka_err2str(e)));
    }
  }
  return Status::Ok();
}

namespace {
using ConfigResourcePtr =
    std::unique_ptr<rd_kafka_ConfigResource_t,
                    CDeleter<rd_kafka_ConfigResource_t, rd_kafka_ConfigResource_destroy>>;

// The partitions and configs of the `names` that exist, asked in one
// metadata request and one DescribeConfigs request for them all (a request
// per topic, each with the metadata of every topic in the cluster, took
// docketd's start about 300 ms on a broker with many topics).
Result<std::map<std::string, TopicDescription>> DescribeTopics(
    RdKafka::Producer& handle, const KafkaOptions& options, const ClientCallbacks& callbacks,
    const std::vector<std::string>& names) {
  std::map<std::string, TopicDescription> found;
  {
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode err = handle.metadata(true, nullptr, &raw, Ms(options.timeout));
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (err != RdKafka::ERR_NO_ERROR) {
      return callbacks.FromKafka(err, TimedOut("metadata", options.timeout));
    }
    const std::set<std::string> wanted(names.begin(), names.end());
    for (const auto* t : *md->topics()) {
      if (t->err() != RdKafka::ERR_NO_ERROR || !wanted.count(t->topic())) continue;
      TopicDescription& d = found[t->topic()];
      d.name = t->topic();
      d.partitions = static_cast<int32_t>(t->partitions()->size());
    }
  }
  if (found.empty()) return found;
  rd_kafka_t* rk = handle.c_ptr();
  std::vector<ConfigResourcePtr> owned;
  std::vector<rd_kafka_ConfigResource_t*> resources;
  for (const auto& [name, d] : found) {
    owned.emplace_back(rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
    resources.push_back(owned.back().get());
  }
  const std::string what = "describe configs of " + std::to_string(found.size()) + " topic(s)";
  DOCKET_ASSIGN_OR_RETURN(
      EventPtr ev,
      RunAdmin(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, options.timeout, what, callbacks,
               [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                 rd_kafka_DescribeConfigs(rk, resources.data(), resources.size(), o, q);
               }));
  size_t n = 0;
  const rd_kafka_ConfigResource_t** rs = rd_kafka_DescribeConfigs_result_resources(
      rd_kafka_event_DescribeConfigs_result(ev.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(rs[i]);
    if (rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(rs[i])) {
      return callbacks.FromKafka(static_cast<RdKafka::ErrorCode>(e),
                                 "describe configs of '" + name + "'");
    }
    auto it = found.find(name);
    if (it == found.end()) continue;
    size_t m = 0;
    const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(rs[i], &m);
    for (size_t j = 0; j < m; ++j) {
      const char* v = rd_kafka_ConfigEntry_value(entries[j]);
      it->second.configs[rd_kafka_ConfigEntry_name(entries[j])] = v ? v : "";
    }
  }
  return found;
}
}  // namespace

Result<TopicDescription> Admin::DescribeTopic(const std::string& name) {
  DOCKET_ASSIGN_OR_RETURN(auto found, DescribeTopics(*handle_, options_, *callbacks_, {name}));
  auto it = found.find(name);
  if (it == found.end()) return NotFoundError("topic '" + name + "' does not exist");
  return std::move(it->second);
}

Status Admin::EnsureTopics(const std::vector<TopicSpec>& specs) {
  std::vector<std::string> names;
  for (const auto& s : specs) names.push_back(s.name);
  DOCKET_ASSIGN_OR_RETURN(auto found, DescribeTopics(*handle_, options_, *callbacks_, names));
  std::vector<TopicSpec> missing;
  for (const auto& s : specs) {
    auto it = found.find(s.name);
    if (it == found.end()) {
      missing.push_back(s);
      continue;
    }
    const TopicDescription* d = &it->second;
    if (d->partitions != s.partitions) {
      return FailedPreconditionError(
          "topic '" + s.name + "' has " + std::to_string(d->partitions) +
          " partitions, expected " + std::to_string(s.partitions) +
          " (partition counts are fixed for life)");
    }
    for (const auto& [k, v] : s.configs) {
      auto c = d->configs.find(k);
      std::string actual = c == d->configs.end() ? "<unset>" : c->second;
      if (actual != v) {
        return FailedPreconditionError("topic '" + s.name + "': " + k + " is " +
                                       actual + ", expected " + v);
      }
    }
  }
  Status s = CreateTopics(missing);
  if (s.code() == StatusCode::kAlreadyExists) {
    // Raced with another creator, or the topic is still being deleted: look
    // again, a bounded number of times.
    if (++ensure_attempts_ > 20) {
      ensure_attempts_ = 0;
      return s.Annotate("ensure topics: still racing after 20 attempts");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    return EnsureTopics(specs);
  }
  ensure_attempts_ = 0;
  DOCKET_RETURN_IF_ERROR(s);
  return WaitForLeaders(specs);
}

Status Admin::WaitForLeaders(const std::vector<TopicSpec>& specs) {
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  for (;;) {
    RdKafka::Metadata* raw = nullptr;
    RdKafka::ErrorCode err = handle_->metadata(true, nullptr, &raw, Ms(options_.timeout));
    std::unique_ptr<RdKafka::Metadata> md(raw);
    if (err != RdKafka::ERR_NO_ERROR) {
      return callbacks_->FromKafka(err, TimedOut("metadata", options_.timeout));
    }
    std::string waiting;
    for (const auto& spec : specs) {
      int32_t led = 0;
      for (const auto* t : *md->topics()) {
        if (t->topic() != spec.name) continue;
        for (const auto* p : *t->partitions()) {
          led += p->err() == RdKafka::ERR_NO_ERROR && p->leader() >= 0;
        }
      }
      if (led < spec.partitions) waiting = spec.name;
    }
    if (waiting.empty()) return Status::Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return UnavailableError("brokers " + options_.brokers + ": topic '" + waiting +
                              "' has partitions without a leader after " +
                              std::to_string(options_.timeout.count()) + " ms");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status Admin::DeleteTopics(const std::vector<std::string>& names) {
  if (names.empty()) return Status::Ok();
  rd_kafka_t* rk = handle_->c_ptr();
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  for (const auto& n : names) topics.push_back(rd_kafka_DeleteTopic_new(n.c_str()));
  struct Cleanup {
    std::vector<rd_kafka_DeleteTopic_t*>* t;
    ~Cleanup() { rd_kafka_DeleteTopic_destroy_array(t->data(), t->size()); }
  } cleanup{&topics};
  DOCKET_ASSIGN_OR_RETURN(
      EventPtr ev,
      RunAdmin(rk, RD_KAFKA_ADMIN_OP_DELETETOPICS, options_.timeout,
               "delete topics", *callbacks_,
               [&](rd_kafka_AdminOptions_t* o, rd_kafka_queue_t* q) {
                 rd_kafka_DeleteTopics(rk, topics.data(), topics.size(), o, q);
               }));
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_DeleteTopics_result_topics(
      rd_kafka_event_DeleteTopics_result(ev.get()), &n);
  return TopicResults(results, n, "delete");
}

}  // namespace docket::kafka
