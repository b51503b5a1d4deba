#include "projections/status/status_projection.h"

#include <charconv>
#include <string>

#include "projections/status/status_queries.h"

namespace docket::projections {
namespace {

// The aggregate's last applied version; 0 when none.
Result<uint64_t> StoredVersion(Txn& txn, const std::string& aggregate_id) {
  DOCKET_ASSIGN_OR_RETURN(auto v, txn.Get(StatusCf::kVersions, aggregate_id));
  if (!v) return uint64_t{0};
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size()) {
    return DataLossError("status: stored version of " + aggregate_id + " is '" + *v + "'");
  }
  return n;
}

class StatusApplier final : public EventApplier {
 public:
  Result<ApplyOutcome> Apply(const fb::EventEnvelopeT& event, Txn& txn) override {
    return ApplyStatusEvent(event, txn);
  }
};

}  // namespace

Result<ApplyOutcome> ApplyStatusEvent(const fb::EventEnvelopeT& e, Txn& txn) {
  if (e.event.type != fb::Event::ServiceStatusChanged &&
      e.event.type != fb::Event::FeedbackSubmitted) {
    return FailedPreconditionError(std::string(fb::EnumNameEvent(e.event.type)) +
                                   " does not belong to the status context");
  }
  DOCKET_ASSIGN_OR_RETURN(uint64_t stored, StoredVersion(txn, e.aggregate_id));
  if (e.version <= stored) return ApplyOutcome::kAlreadyApplied;
  if (e.event.type == fb::Event::ServiceStatusChanged) {
    const auto* s = e.event.AsServiceStatusChanged();
    ServiceView v;
    v.service = s->service;
    v.status = s->status;
    v.message = s->message;
    v.updated_at_us = e.occurred_at_us;
    txn.Put(StatusCf::kServices, v.service, EncodeService(v));
  } else {
    const auto* f = e.event.AsFeedbackSubmitted();
    txn.Merge(StatusCf::kCounters, kFeedbackCountKey, 1);
    FeedbackView v;
    v.id = f->feedback_id;
    v.user_id = e.actor ? e.actor->user_id : "";
    v.user_name = e.actor ? e.actor->display_name : "";
    v.message = f->message;
    v.rating = f->rating;
    v.page = f->page;
    v.created_at_us = e.occurred_at_us;
    txn.Put(StatusCf::kFeedback, FeedbackKey(v.created_at_us, v.id), EncodeFeedback(v));
  }
  txn.Put(StatusCf::kVersions, e.aggregate_id, std::to_string(e.version));
  return ApplyOutcome::kApplied;
}

std::vector<FamilySpec> StatusProjection::Families() const {
  return {{"services"}, {"versions"}, {"counters", FamilyKind::kCounters}, {"feedback"}};
}

std::unique_ptr<EventApplier> StatusProjection::NewApplier() const {
  return std::make_unique<StatusApplier>();
}

}  // namespace docket::projections
