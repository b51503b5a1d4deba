// Consumer: assign or subscribe, poll read_committed, positions,
// watermarks and offsets (events/kafka.h).
#include "events/kafka.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>
#include <thread>

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
using internal::ToList;
using internal::TopicPartitionList;

// The entries of `list` that hold a real offset (not INVALID/END/...).
std::vector<TopicPartitionOffset> ValidOffsets(const TopicPartitionList& list) {
  std::vector<TopicPartitionOffset> out;
  for (const auto* tp : list.v) {
    if (tp->offset() >= 0) out.push_back({tp->topic(), tp->partition(), tp->offset()});
  }
  return out;
}

}  // namespace

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
  auto missing = [&] {
    return NotFoundError("brokers " + options_.kafka.brokers + ": topic '" + topic +
                         "' does not exist");
  };
  // The one topic's metadata, not the cluster's (which names every topic).
  auto md = internal::TopicMetadata(handle_.get(), topic, options_.kafka.timeout, *callbacks_);
  if (md.status().code() == StatusCode::kNotFound) return missing();
  if (!md.ok()) return md.status();
  auto unknown = [](RdKafka::ErrorCode e) {
    return e == RdKafka::ERR__UNKNOWN_TOPIC || e == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART;
  };
  for (const auto* t : *(*md)->topics()) {
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
