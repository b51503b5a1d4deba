// The ReadModel (api/positions.h) of a context whose read models a
// ProjectionRunner keeps: positions wait on the runner, /readyz asks that
// every partition reported and is within the lag bounds, /metrics shows lag
// and events applied, labelled with the context.
#ifndef DOCKET_API_PROJECTOR_MODEL_H_
#define DOCKET_API_PROJECTOR_MODEL_H_

#include <memory>
#include <string>

#include "api/or_reply.h"
#include "api/problem.h"

#include "api/positions.h"
#include "consumers/projection_runner.h"

namespace docket::api {

// Queries of type Q over a runner's live store, holding that store for as
// long as the handle lives (a swapped-out generation stays readable).
template <typename Q>
struct StoreQueries {
  std::shared_ptr<projections::ReadStore> store;
  Q queries;
  const Q* operator->() const { return &queries; }
};

// The runner's queries, or 503 while its store is still opening.
template <typename Q>
OrReply<StoreQueries<Q>> QueriesOf(const consumers::ProjectionRunner& runner) {
  std::shared_ptr<projections::ReadStore> store = runner.store();
  if (!store) return RetryLater("the read models are still opening; retry");
  Q queries(store.get());
  return StoreQueries<Q>{std::move(store), queries};
}

struct ReadinessBounds {
  int32_t partitions = 1;           // every one must have reported
  int64_t max_lag_events = 1000;    // per partition
  double max_lag_seconds = 30;      // age of the oldest unapplied event
};

// `runner` must outlive the gateway. `check` names the /readyz member.
ReadModel ProjectorReadModel(std::string context, consumers::ProjectionRunner* runner,
                             std::string check, ReadinessBounds bounds);

}  // namespace docket::api

#endif  // DOCKET_API_PROJECTOR_MODEL_H_
