// Inside events/kafka: what the Producer (kafka.cc), Consumer
// (kafka_consumer.cc) and Admin (kafka_admin.cc) wrappers share: the
// callbacks every client registers, the configuration every client starts
// from, and librdkafka partition lists. Not for use outside events/.
#ifndef DOCKET_EVENTS_KAFKA_INTERNAL_H_
#define DOCKET_EVENTS_KAFKA_INTERNAL_H_

#include <librdkafka/rdkafkacpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "events/kafka.h"
#include "events/kafka_log.h"

namespace docket::kafka {

// Callbacks shared by every client. Declared before the handle in each class
// so they outlive it (librdkafka calls them until the handle is destroyed).
// Thread-safe: librdkafka calls them from its own threads, and the
// accessors read what they recorded under a mutex or from atomics.
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

namespace internal {

using ConfPtr = std::unique_ptr<RdKafka::Conf>;

// Sets one librdkafka property; kInvalidArgument naming it when refused.
Status Set(RdKafka::Conf* conf, const std::string& key, const std::string& value);
// A client's base configuration: the brokers, client id, socket timeout
// and `cb` as its event callback.
Result<ConfPtr> BaseConf(const KafkaOptions& o, ClientCallbacks* cb);
// The caller's own properties (KafkaOptions::properties) on top.
Status ApplyExtra(RdKafka::Conf* conf, const KafkaOptions& o);

inline int Ms(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }
// "<what> timed out after <t> ms".
std::string TimedOut(const std::string& what, std::chrono::milliseconds t);

// The metadata of one topic (not the whole cluster's) through `handle`;
// the request's error as a Status (ClientCallbacks::FromKafka: kNotFound
// for an unknown topic). The topic's own entry may still hold an error.
Result<std::unique_ptr<RdKafka::Metadata>> TopicMetadata(RdKafka::Handle* handle,
                                                         const std::string& topic,
                                                         std::chrono::milliseconds timeout,
                                                         const ClientCallbacks& cb);

// A librdkafka partition list that owns its entries.
struct TopicPartitionList {
  TopicPartitionList() = default;
  TopicPartitionList(TopicPartitionList&&) = default;  // leaves the source empty
  TopicPartitionList(const TopicPartitionList&) = delete;
  TopicPartitionList& operator=(const TopicPartitionList&) = delete;
  ~TopicPartitionList() { RdKafka::TopicPartition::destroy(v); }
  std::vector<RdKafka::TopicPartition*> v;
};
TopicPartitionList ToList(const std::vector<TopicPartitionOffset>& in);

}  // namespace internal
}  // namespace docket::kafka

#endif  // DOCKET_EVENTS_KAFKA_INTERNAL_H_
