#include "events/topics.h"

namespace docket::events {

Status TopicLayout::Validate() const {
  if (prefix.empty()) return InvalidArgumentError("topics: prefix is empty");
  if (partitions < 1 || partitions > 1000) {
    return InvalidArgumentError("topics: partitions must be 1..1000");
  }
  if (replication_factor < 1) {
    return InvalidArgumentError("topics: replication factor must be >= 1");
  }
  return Status::Ok();
}

std::string TopicLayout::CommandsTopic(std::string_view context) const {
  return prefix + "." + std::string(context) + ".commands";
}
std::string TopicLayout::EventsTopic(std::string_view context) const {
  return prefix + "." + std::string(context) + ".events";
}
std::string TopicLayout::ResultsTopic() const { return prefix + ".command-results"; }
std::string TopicLayout::ParkedCommandsTopic() const { return prefix + ".commands.parked"; }

kafka::TopicSpec EventsTopicSpec(const TopicLayout& l, std::string_view context) {
  return {l.EventsTopic(context), l.partitions, l.replication_factor,
          {{"cleanup.policy", "delete"},
           {"retention.ms", "-1"},
           {"retention.bytes", "-1"},
           {"message.timestamp.type", "CreateTime"}}};
}

kafka::TopicSpec CommandsTopicSpec(const TopicLayout& l, std::string_view context) {
  return {l.CommandsTopic(context), l.partitions, l.replication_factor,
          {{"cleanup.policy", "delete"}, {"retention.ms", "604800000"}}};
}

kafka::TopicSpec ResultsTopicSpec(const TopicLayout& l) {
  return {l.ResultsTopic(), l.partitions, l.replication_factor,
          {{"cleanup.policy", "delete"}, {"retention.ms", "86400000"}}};
}

kafka::TopicSpec ParkedCommandsTopicSpec(const TopicLayout& l) {
  return {l.ParkedCommandsTopic(), 1, l.replication_factor,
          {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}}};
}

std::vector<kafka::TopicSpec> AllTopicSpecs(const TopicLayout& l) {
  std::vector<kafka::TopicSpec> out;
  for (std::string_view c : kContexts) {
    out.push_back(CommandsTopicSpec(l, c));
    out.push_back(EventsTopicSpec(l, c));
  }
  out.push_back(ResultsTopicSpec(l));
  out.push_back(ParkedCommandsTopicSpec(l));
  return out;
}

}  // namespace docket::events
