#include "aggregates/status/status_handler.h"

#include "aggregates/rules.h"

namespace docket::aggregates {
namespace {

using fb::ResultCode;
using fb::Role;

bool IsStaff(const fb::ActorT& a) {
  return a.role == Role::Staff || a.role == Role::Admin || a.role == Role::System;
}

}  // namespace

bool StatusHandler::Handles(fb::Command type) const {
  return type == fb::Command::SetServiceStatus || type == fb::Command::SubmitFeedback;
}

Decision StatusHandler::Decide(std::string_view state, const fb::CommandEnvelopeT& cmd,
                               int64_t, const std::string&) const {
  return DecideOn(state, cmd, [&](const fb::PortalSnapshotT& s) -> Decision {
    Events out;
    switch (cmd.command.type) {
      case fb::Command::SetServiceStatus: {
        const auto& c = *cmd.command.AsSetServiceStatus();
        if (!IsStaff(*cmd.actor)) {
          return Reject(ResultCode::PermissionDenied, "status.staff_only",
                        "only staff post system status");
        }
        if (!IsServiceName(c.service) || cmd.aggregate_id != ServiceAggregateId(c.service)) {
          return Invalid("status.service", "service", "must be 1..64 of a-z, 0-9 and '-'");
        }
        if (auto r = CheckText(c.message, "message", 0, 1000, "status.message")) return *r;
        fb::ServiceStatusChangedT e;
        e.service = c.service;
        e.status = c.status;
        e.message = c.message;
        out.emplace_back().Set(std::move(e));
        return out;
      }
      case fb::Command::SubmitFeedback: {
        const auto& c = *cmd.command.AsSubmitFeedback();
        if (!s.aggregate_id.empty()) {
          return Reject(ResultCode::AlreadyExists, "feedback.exists",
                        "feedback " + cmd.aggregate_id + " already exists");
        }
        if (cmd.aggregate_id.rfind("fb-", 0) != 0) {
          return Invalid("feedback.id", "id", "must start with fb-");
        }
        if (auto r = CheckText(c.message, "message", 1, 5000, "feedback.message")) return *r;
        if (auto r = CheckText(c.page, "page", 0, 500, "feedback.page")) return *r;
        if (c.rating > 5) return Invalid("feedback.rating", "rating", "must be 1..5");
        fb::FeedbackSubmittedT e;
        e.feedback_id = cmd.aggregate_id;
        e.message = c.message;
        e.rating = c.rating;
        e.page = c.page;
        out.emplace_back().Set(std::move(e));
        return out;
      }
      default:
        return NotThisContext(cmd, "a status command");
    }
  });
}

Status StatusHandler::Fold(fb::PortalSnapshotT& s, const fb::EventEnvelopeT& env) const {
  const fb::EventUnion& e = env.event;
  switch (e.type) {
    case fb::Event::ServiceStatusChanged:
      s.kind = "service";
      s.service = std::make_unique<fb::ServiceStatusChangedT>(*e.AsServiceStatusChanged());
      return Status::Ok();
    case fb::Event::FeedbackSubmitted:
      s.kind = "feedback";
      return Status::Ok();
    default:
      return DataLossError(std::string("event ") + fb::EnumNameEvent(e.type) +
                           " does not belong to the status context");
  }
}

}  // namespace docket::aggregates
