// The topics Docket uses and their settings (docs/architecture.md, docs/events.md).
//
//   docket.<context>.commands   commands, key = aggregate id, 7 days retention
//   docket.<context>.events     the source of truth: delete policy, never
//                               compacted, infinite retention
//   docket.command-results      replies to the gateway, 1 day retention
//
// Partition counts are fixed for life: case numbers encode the partition.
#ifndef DOCKET_EVENTS_TOPICS_H_
#define DOCKET_EVENTS_TOPICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "events/kafka.h"

namespace docket::events {

// The bounded contexts; each has a commands and an events topic.
inline constexpr std::string_view kContexts[] = {"cases", "identity", "status"};

struct TopicLayout {
  // Prefix of every topic name; tests use a unique one per run.
  std::string prefix = "docket";
  int32_t partitions = 6;
  int16_t replication_factor = 1;

  Status Validate() const;
  std::string CommandsTopic(std::string_view context) const;
  std::string EventsTopic(std::string_view context) const;
  std::string ResultsTopic() const;
};

kafka::TopicSpec EventsTopicSpec(const TopicLayout& layout, std::string_view context);
kafka::TopicSpec CommandsTopicSpec(const TopicLayout& layout, std::string_view context);
kafka::TopicSpec ResultsTopicSpec(const TopicLayout& layout);
// Every topic of every context.
std::vector<kafka::TopicSpec> AllTopicSpecs(const TopicLayout& layout);

}  // namespace docket::events

#endif  // DOCKET_EVENTS_TOPICS_H_
