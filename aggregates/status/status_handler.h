// The status context's AggregateHandler (schemas/status.fbs): the status of
// each service (id = ServiceAggregateId) and customer feedback (id "fb-...",
// given by the gateway). Ids are given by the command (GivenIdHandler).
// Pure, thread-safe.
#ifndef DOCKET_AGGREGATES_STATUS_STATUS_HANDLER_H_
#define DOCKET_AGGREGATES_STATUS_STATUS_HANDLER_H_

#include "aggregates/given_id_handler.h"
#include "aggregates/status/status.h"

namespace docket::aggregates {

class StatusHandler final : public GivenIdHandler {
 public:
  std::string_view context() const override { return "status"; }
  // SetServiceStatus, SubmitFeedback.
  bool Handles(fb::Command type) const override;
  Decision Decide(std::string_view state, const fb::CommandEnvelopeT& command,
                  int64_t now_us, const std::string& new_id) const override;

 protected:
  Status Fold(fb::PortalSnapshotT& snapshot, const fb::EventEnvelopeT& event) const override;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_STATUS_STATUS_HANDLER_H_
