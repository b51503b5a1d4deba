// GivenIdHandler: the shared base of a context whose aggregate ids are given
// by the command (an account number, an e-mail's digest, a service name),
// never allocated by the decider. So:
//   - no command creates an id (Creates is false, NewId is empty): uniqueness
//     ("already exists") is the single writer's check on the given id;
//   - an id's partition is FNV-1a(id) mod partitions (common/hash.h);
//   - there are no timers unless the context overrides TimerDueAt and
//     TimerCommand (the chat's idle timeout does).
// State is a fb::PortalSnapshot (schemas/portal_state.fbs): the base keeps
// its id, version and schema version; the context folds its own events into
// its own fields (Fold). Pure and thread-safe, like every handler.
#ifndef DOCKET_AGGREGATES_GIVEN_ID_HANDLER_H_
#define DOCKET_AGGREGATES_GIVEN_ID_HANDLER_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "aggregates/handler.h"

namespace docket::aggregates {

class GivenIdHandler : public AggregateHandler {
 public:
  bool Creates(const fb::CommandEnvelopeT&) const override { return false; }
  // kInvalidArgument for an empty id or one over 256 bytes.
  Result<int32_t> PartitionOf(std::string_view id, int32_t partitions) const override;
  std::string NewId(uint64_t, int32_t, int32_t) const override { return ""; }
  uint64_t CounterAfter(std::string_view, int32_t) const override { return 0; }
  // Loads the snapshot, folds the event with Fold and records the event's
  // aggregate id and version. kDataLoss for a state that does not decode or
  // an event Fold refuses.
  Result<std::string> Apply(std::string_view state,
                            const fb::EventEnvelopeT& event) const final;
  uint64_t Version(std::string_view state) const final;
  std::optional<int64_t> TimerDueAt(std::string_view) const override { return std::nullopt; }
  std::optional<fb::CommandEnvelopeT> TimerCommand(std::string_view, int64_t) const override {
    return std::nullopt;
  }

 protected:
  // Folds one event of this context into `snapshot` (`event.event`; the
  // envelope for its time). kDataLoss for an event of another context or
  // one out of order (e.g. a change before creation).
  virtual Status Fold(fb::PortalSnapshotT& snapshot, const fb::EventEnvelopeT& event) const = 0;

  // Decides on the decoded `state` (empty: the aggregate does not exist).
  // Rejects first, in this order: no actor (invalid argument), a state that
  // does not decode (internal, "state.corrupt"), an expected_version other
  // than the current one (version conflict, "aggregate.version").
  // The rejection of a command of another context ("command.context"):
  // "<Type> is not <what>", e.g. "is not an identity command".
  static Decision NotThisContext(const fb::CommandEnvelopeT& command, std::string_view what);

  static Decision DecideOn(std::string_view state, const fb::CommandEnvelopeT& command,
                           const std::function<Decision(const fb::PortalSnapshotT&)>& decide);
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_GIVEN_ID_HANDLER_H_
