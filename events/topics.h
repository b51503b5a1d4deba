// The topics Docket uses and their settings (docs/architecture.md, docs/events.md).
//
//   docket.<context>.commands   commands, key = aggregate id, 7 days retention
//   docket.<context>.events     the source of truth: delete policy, never
//                               compacted, infinite retention
//   docket.command-results      replies to the gateway, 1 day retention
//   docket.commands.parked      command records no decider could read, as
//                               they were (docketctl commands parked), one
//                               partition, kept until deleted
//
// Every command record carries the header kCommandIdHeader (its command
// id), so a decider that cannot read the record can still answer it: a
// rejection with rule kUnreadableCommandRule, which is never a dedupe
// answer (the same command sent again, once readable, is decided).
//
// Partition counts are fixed for life: case numbers encode the partition.
#ifndef DOCKET_EVENTS_TOPICS_H_
#define DOCKET_EVENTS_TOPICS_H_

#include <string>
#include <string_view>
#include <vector>

#include "events/kafka.h"

namespace docket::events {

inline constexpr const char kCommandIdHeader[] = "docket-command-id";
inline constexpr const char kUnreadableCommandRule[] = "command.unreadable";
// Headers of a parked record: why, and where it was read.
inline constexpr const char kParkedReasonHeader[] = "docket-parked-reason";
inline constexpr const char kParkedSourceHeader[] = "docket-parked-from";

// The bounded contexts; each has a commands and an events topic.
inline constexpr std::string_view kContexts[] = {"cases", "identity", "status", "chat"};

struct TopicLayout {
  // Prefix of every topic name; tests use a unique one per run.
  std::string prefix = "docket";
  int32_t partitions = 6;
  int16_t replication_factor = 1;

  Status Validate() const;
  std::string CommandsTopic(std::string_view context) const;
  std::string EventsTopic(std::string_view context) const;
  std::string ResultsTopic() const;
  std::string ParkedCommandsTopic() const;
};

kafka::TopicSpec EventsTopicSpec(const TopicLayout& layout, std::string_view context);
kafka::TopicSpec CommandsTopicSpec(const TopicLayout& layout, std::string_view context);
kafka::TopicSpec ResultsTopicSpec(const TopicLayout& layout);
kafka::TopicSpec ParkedCommandsTopicSpec(const TopicLayout& layout);
// Every topic of every context.
std::vector<kafka::TopicSpec> AllTopicSpecs(const TopicLayout& layout);

}  // namespace docket::events

#endif  // DOCKET_EVENTS_TOPICS_H_
