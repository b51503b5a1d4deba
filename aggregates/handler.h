// AggregateHandler: what the generic decider (consumers/decider.h) needs to
// know about one context's aggregate. The decider owns topics, partitions,
// transactions, dedupe and the state store; the handler owns meaning:
// decide, apply, ids, state encoding and timers. Implementations are pure
// and thread-safe.
#ifndef DOCKET_AGGREGATES_HANDLER_H_
#define DOCKET_AGGREGATES_HANDLER_H_

#include <optional>
#include <string>
#include <string_view>

#include "aggregates/decision.h"
#include "common/status.h"

namespace docket::aggregates {

class AggregateHandler {
 public:
  virtual ~AggregateHandler() = default;

  // The context name: topics are docket.<context>.commands / .events.
  virtual std::string_view context() const = 0;
  // True when commands of `type` belong to this context (exactly one
  // registered handler handles each command type).
  virtual bool Handles(fb::Command type) const = 0;

  // True when the command creates a new aggregate (its id is allocated by
  // the decider that owns the command's partition).
  virtual bool Creates(const fb::CommandEnvelopeT& command) const = 0;
  // The partition that owns an existing aggregate id. kInvalidArgument for a
  // malformed id.
  virtual Result<int32_t> PartitionOf(std::string_view aggregate_id,
                                      int32_t partitions) const = 0;
  // A new id from the partition's counter; unique across partitions.
  virtual std::string NewId(uint64_t counter, int32_t partition,
                            int32_t partitions) const = 0;
  // The smallest counter value not used by `aggregate_id` (to rebuild the
  // counter from the log).
  virtual uint64_t CounterAfter(std::string_view aggregate_id,
                                int32_t partitions) const = 0;

  // `state` is the encoded state, empty when the aggregate does not exist.
  virtual Decision Decide(std::string_view state, const fb::CommandEnvelopeT& command,
                          int64_t now_us, const std::string& new_id) const = 0;
  // Folds `event` into `state`; returns the new encoded state. kDataLoss for
  // a stored state that does not decode.
  virtual Result<std::string> Apply(std::string_view state,
                                    const fb::EventEnvelopeT& event) const = 0;
  virtual uint64_t Version(std::string_view state) const = 0;

  // When the aggregate's timer fires next (µs), if it has one.
  virtual std::optional<int64_t> TimerDueAt(std::string_view state) const = 0;
  // The command the timer issues; its command id must be deterministic so
  // that issuing it twice is deduplicated.
  virtual std::optional<fb::CommandEnvelopeT> TimerCommand(std::string_view state,
                                                           int64_t now_us) const = 0;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_HANDLER_H_
