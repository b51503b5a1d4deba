// The configuration every Kafka client starts from (events/kafka_internal.h).
#include "events/kafka_internal.h"

namespace docket::kafka::internal {

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

std::string TimedOut(const std::string& what, std::chrono::milliseconds t) {
  return what + " timed out after " + std::to_string(t.count()) + " ms";
}

Result<std::unique_ptr<RdKafka::Metadata>> TopicMetadata(RdKafka::Handle* handle,
                                                         const std::string& topic,
                                                         std::chrono::milliseconds timeout,
                                                         const ClientCallbacks& cb) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(handle, topic, nullptr, err));
  if (!t) return InvalidArgumentError("topic '" + topic + "': " + err);
  RdKafka::Metadata* raw = nullptr;
  const RdKafka::ErrorCode code = handle->metadata(false, t.get(), &raw, Ms(timeout));
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (code != RdKafka::ERR_NO_ERROR) {
    return cb.FromKafka(code, TimedOut("metadata for '" + topic + "'", timeout));
  }
  return md;
}

TopicPartitionList ToList(const std::vector<TopicPartitionOffset>& in) {
  TopicPartitionList out;
  for (const auto& tpo : in) {
    out.v.push_back(RdKafka::TopicPartition::create(tpo.topic, tpo.partition, tpo.offset));
  }
  return out;
}

}  // namespace docket::kafka::internal
