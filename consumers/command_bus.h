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
// looked up. Results are kept in a bounded cache for Lookup. Each waiting
// command has its own completion: a result wakes only who waits for it.
//
// SubmitAsync does the same without holding a thread: its callback runs once,
// on an internal thread (the listener's or the producer's), so one caller
// can keep hundreds of commands in flight (the open-loop benchmark does).
// At most max_in_flight commands wait at once, sync and async together.
//
// Thread-safe: Submit and SubmitAsync may be called from many threads at
// once. Callbacks must not block (they hold up other results): they may call
// SubmitAsync, never Submit.
#ifndef DOCKET_CONSUMERS_COMMAND_BUS_H_
#define DOCKET_CONSUMERS_COMMAND_BUS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "aggregates/handler.h"
#include "common/latency_histogram.h"
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
  // Commands waiting for their result at once; past it a submit is refused
  // (kUnavailable) before anything is written.
  size_t max_in_flight = 20'000;
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
  // As Submit, without waiting: `done` runs exactly once, on an internal
  // thread, with the outcome (decided = false once `wait` has passed, give
  // or take the listener's 100 ms poll) or kUnavailable when the write
  // failed. Errors returned here (and `done` never called): as Submit's
  // kInvalidArgument, and kUnavailable past max_in_flight.
  using SubmitCallback = std::function<void(Result<CommandOutcome>)>;
  Status SubmitAsync(const fb::CommandEnvelopeT& command, std::chrono::milliseconds wait,
                     SubmitCallback done);
  std::optional<fb::CommandResultT> Lookup(const std::string& command_id);
  // The context of the handler that takes commands of `type` (its topics are
  // docket.<context>.*); empty when no registered handler does. Thread-safe.
  std::string_view ContextOf(fb::Command type) const;

  struct Stats {
    LatencyHistogram written;   // submit -> the command acknowledged on the log
    LatencyHistogram answered;  // submit -> its result read back
  };
  const Stats& stats() const { return stats_; }

 private:
  CommandBus(CommandBusOptions options,
             std::vector<const aggregates::AggregateHandler*> handlers);
  // One command waiting for its result.
  struct Waiter {
    std::string command_id;
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point deadline;
    SubmitCallback done;
    // Guarded by mu_.
    bool written = false;   // the command is on the log
    bool expired = false;   // the deadline passed before it was
    bool finished = false;  // done has been (or is being) called
  };
  using WaiterPtr = std::shared_ptr<Waiter>;

  const aggregates::AggregateHandler* HandlerOf(fb::Command type) const;
  Result<WaiterPtr> Start(const fb::CommandEnvelopeT& command, std::chrono::milliseconds wait,
                          SubmitCallback done);
  void Listen();
  void Remember(std::vector<fb::CommandResultT> results);
  // Takes `w` out of the waiting maps (mu_ held); false when it was already
  // finished. The caller then runs w->done outside mu_.
  bool TakeLocked(const WaiterPtr& w);
  void EraseDeadlineLocked(const WaiterPtr& w);  // its deadline entry, if any
  void Finish(const WaiterPtr& w, Result<CommandOutcome> outcome);
  // Finishes, undecided, the waiters whose deadline has passed.
  void ExpireWaiters();
  // How long the listener's poll may wait: until the first deadline, at most
  // kIdlePoll (a result ends the wait at once; so does a command whose
  // deadline comes sooner, through Wake).
  std::chrono::milliseconds UntilFirstDeadline();
  static constexpr std::chrono::milliseconds kIdlePoll{500};
  // `w`'s deadline passed (mu_ held): true when the caller is to finish it
  // as pending now; an unwritten one is finished by its write's report.
  bool ExpireLocked(const WaiterPtr& w);
  // The producer's report on `w`'s command.
  void Written(const WaiterPtr& w, const kafka::Delivery& d);
  static CommandOutcome Pending(const std::string& command_id);

  CommandBusOptions options_;
  std::vector<const aggregates::AggregateHandler*> handlers_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::thread listener_;
  std::atomic<bool> stop_{false};

  std::mutex mu_;
  std::unordered_map<std::string, fb::CommandResultT> results_;
  std::deque<std::string> order_;  // eviction order of results_
  std::unordered_multimap<std::string, WaiterPtr> waiters_;    // by command id
  std::multimap<std::chrono::steady_clock::time_point, WaiterPtr> deadlines_;
  // When the listener's poll in progress ends at the latest (guarded by mu_).
  std::chrono::steady_clock::time_point listen_until_{};
  bool closing_ = false;  // guarded by mu_: the destructor has begun
  Stats stats_;
};

}  // namespace docket::consumers

#endif  // DOCKET_CONSUMERS_COMMAND_BUS_H_
