// The outcome of deciding one command: the events to append, or why not.
// Shared by every aggregate and by the generic decider.
#ifndef DOCKET_AGGREGATES_DECISION_H_
#define DOCKET_AGGREGATES_DECISION_H_

#include <string>
#include <variant>
#include <vector>

#include "events/codec.h"

namespace docket::aggregates {

struct FieldError {
  std::string field;
  std::string message;
  friend bool operator==(const FieldError&, const FieldError&) = default;
};

// Why a command was refused. `rule` is a stable identifier (e.g.
// "case.final_state") that clients and the docs refer to.
struct Rejection {
  fb::ResultCode code = fb::ResultCode::FailedPrecondition;
  std::string rule;
  std::string message;
  std::vector<FieldError> field_errors;
};

// Event payloads in order; the decider wraps them in envelopes with
// consecutive versions.
using Events = std::vector<fb::EventUnion>;
using Decision = std::variant<Events, Rejection>;

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_DECISION_H_
