// CommandBus: how the gateway submits a command and awaits its result.
//
// Submit() writes the command to docket.<context>.commands (idempotent
// producer, acks=all) on the partition that owns its aggregate, then waits
// for the decider's result on docket.command-results. If the result does not
// arrive within the wait, the outcome is "pending": the command is on the
// log and will be decided; Lookup(command_id) returns the result once it has
// arrived. Submitting the same command id again is safe: the decider answers
// with the stored result and appends nothing.
//
// A listener thread reads every partition of the results topic from a
// little before the end offsets at creation time (recent_results_on_start),
// so no result of a command submitted through this bus is missed, and the
// recent results of every gateway's commands, before a restart too, can be
// looked up. Results are kept in a bounded cache for Lookup.
//
// Thread-safe: Submit may be called from many threads at once.
#ifndef DOCKET_CONSUMERS_COMMAND_BUS_H_
#define DOCKET_CONSUMERS_COMMAND_BUS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "aggregates/handler.h"
#include "events/codec.h"
#include "events/kafka.h"
#include "events/topics.h"

namespace docket::consumers {

struct CommandBusOptions {
  kafka::KafkaOptions kafka;
  events::TopicLayout layout;
  // How many results Lookup can still find.
  size_t max_cached_results = 100'000;
  // How many of the newest results (over all partitions) are read back at
  // start, so Lookup finds commands decided before this process started.
  size_t recent_results_on_start = 100'000;
  Status Validate() const;
};

struct CommandOutcome {
  // False: the result did not arrive within the wait; ask Lookup later.
  bool decided = false;
  fb::CommandResultT result;
};

class CommandBus {
 public:
  // `handler` routes commands to partitions; it must outlive the bus.
  static Result<std::unique_ptr<CommandBus>> Create(
      CommandBusOptions options, const aggregates::AggregateHandler& handler);
  // One handler per context (the one whose Handles(type) is true takes a
  // command); each must outlive the bus.
  static Result<std::unique_ptr<CommandBus>> Create(
      CommandBusOptions options, std::vector<const aggregates::AggregateHandler*> handlers);
  ~CommandBus();

  // Errors: kInvalidArgument for a command without id or with a malformed
  // aggregate id; kUnavailable when the command could not be written (it may
  // or may not be on the log: submit it again with the same id).
  Result<CommandOutcome> Submit(const fb::CommandEnvelopeT& command,
                                std::chrono::milliseconds wait);
  std::optional<fb::CommandResultT> Lookup(const std::string& command_id);
  // The context of the handler that takes commands of `type` (its topics are
  // docket.<context>.*); empty when no registered handler does. Thread-safe.
  std::string_view ContextOf(fb::Command type) const;

 private:
  CommandBus(CommandBusOptions options,
             std::vector<const aggregates::AggregateHandler*> handlers);
  const aggregates::AggregateHandler* HandlerOf(fb::Command type) const;
  void Listen();
  void Remember(fb::CommandResultT result);

  CommandBusOptions options_;
  std::vector<const aggregates::AggregateHandler*> handlers_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::thread listener_;
  std::atomic<bool> stop_{false};

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, fb::CommandResultT> results_;
  std::deque<std::string> order_;  // eviction order of results_
};

}  // namespace docket::consumers

#endif  // DOCKET_CONSUMERS_COMMAND_BUS_H_
