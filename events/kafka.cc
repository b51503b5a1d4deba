// KafkaOptions and the Producer: idempotent, optionally transactional
// (events/kafka.h). The Consumer is kafka_consumer.cc, the Admin
// kafka_admin.cc.
#include "events/kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <thread>

#include "events/kafka_internal.h"

namespace docket::kafka {
namespace {

using internal::ApplyExtra;
using internal::BaseConf;
using internal::ConfPtr;
using internal::Ms;
using internal::Set;
using internal::TimedOut;
using internal::ToList;
using internal::TopicPartitionList;

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
    DOCKET_RETURN_IF_ERROR(
        internal::TopicMetadata(handle_.get(), name, options_.kafka.timeout, *callbacks_)
            .status());
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

}  // namespace docket::kafka
