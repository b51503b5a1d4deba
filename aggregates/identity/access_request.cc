#include "aggregates/identity/access_request.h"

#include "aggregates/identity/identity_rules.h"
#include "aggregates/rules.h"
#include "common/text.h"

namespace docket::aggregates {
namespace {

using identity_rules::IsStaff;
using identity_rules::One;

using fb::ResultCode;
using fb::Role;

bool IsUserId(const std::string& id) {
  return id.size() == 25 && id[0] == 'u' &&
         id.find_first_not_of("0123456789abcdef", 1) == std::string::npos;
}

Decision DecideRequest(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                       const fb::RequestAccessT& c) {
  if (cmd.actor->role != Role::System) {
    return Reject(ResultCode::PermissionDenied, "access_request.system_only",
                  "access requests come from the public form");
  }
  if (!IsAccessRequestId(cmd.aggregate_id)) {
    return Invalid("access_request.id", "id", "must be \"req_\" and 20 hex digits");
  }
  if (!s.aggregate_id.empty()) {
    return Reject(ResultCode::AlreadyExists, "access_request.exists",
                  "access request " + cmd.aggregate_id + " exists");
  }
  const bool access = c.kind == "access";
  if (!access && c.kind != "recovery") {
    return Invalid("access_request.kind", "kind", "must be \"access\" or \"recovery\"");
  }
  if (auto r = CheckText(c.name, "name", 1, 200, "access_request.name")) return *r;
  if (!ValidEmail(c.email)) return Invalid("access_request.email", "email", "is not an e-mail address");
  if (!ValidPhone(c.phone)) {
    return Invalid("access_request.phone", "phone", "must be at most 40 digits, spaces or +-().x");
  }
  if (auto r = CheckText(c.account_name, "account_name", access ? 1 : 0, 200,
                         "access_request.account_name")) {
    return *r;
  }
  if (!c.account_number.empty() && !IsAccountNumber(c.account_number)) {
    return Invalid("access_request.account_number", "account_number",
                   "must be 1..32 letters, digits or '-'");
  }
  if (auto r = CheckText(c.service_address, "service_address", access ? 1 : 0, 500,
                         "access_request.service_address")) {
    return *r;
  }
  if (auto r = CheckText(c.description, "description", access ? 0 : 1, 4000,
                         "access_request.description")) {
    return *r;
  }
  fb::AccessRequestedT e;
  e.request_id = cmd.aggregate_id;
  e.kind = c.kind;
  e.name = c.name;
  e.phone = c.phone;
  e.email = c.email;
  e.account_name = c.account_name;
  e.account_number = c.account_number;
  e.service_address = c.service_address;
  e.description = c.description;
  return One(std::move(e));
}

Decision DecideDecision(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                        const fb::DecideAccessRequestT& c) {
  const fb::ActorT& actor = *cmd.actor;
  if (!IsStaff(actor)) {
    return Reject(ResultCode::PermissionDenied, "access_request.staff_only",
                  "only staff decide access requests");
  }
  if (!s.access_request) {
    return Reject(ResultCode::NotFound, "access_request.not_found",
                  "access request " + cmd.aggregate_id + " not found");
  }
  if (s.access_request->state != "pending") {
    return Reject(ResultCode::FailedPrecondition, "access_request.decided",
                  "the request was " + s.access_request->state + " already");
  }
  fb::AccessRequestDecidedT e;
  e.approved = c.approve;
  if (!c.approve) {
    if (auto r = CheckText(c.reason, "reason", 1, 1000, "access_request.reason")) return *r;
    e.reason = c.reason;
    return One(std::move(e));
  }
  if (auto r = CheckText(c.reason, "reason", 0, 1000, "access_request.reason")) return *r;
  e.reason = c.reason;
  // A recovery request is approved when staff have helped; an access
  // request names the invited user and the account.
  if (s.access_request->request->kind == "access") {
    if (!IsUserId(c.user_id)) return Invalid("access_request.user", "user_id", "is not a user id");
    if (!IsAccountNumber(c.account_id)) {
      return Invalid("access_request.account", "account_id", "is not an account id");
    }
    if (c.role == Role::System) {
      return Invalid("access_request.role", "role", "must be customer, staff or admin");
    }
    if (c.role != Role::Customer && actor.role == Role::Staff) {
      return Reject(ResultCode::PermissionDenied, "user.admin_only",
                    "only admins create staff and admin users");
    }
    e.user_id = c.user_id;
    e.account_id = c.account_id;
    e.role = c.role;
  }
  return One(std::move(e));
}

Decision DecideClaim(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                     const std::string& user_id, bool claim) {
  if (!IsStaff(*cmd.actor)) {
    return Reject(ResultCode::PermissionDenied, "user.staff_only", "only staff set usernames");
  }
  if (cmd.aggregate_id.rfind("n_", 0) != 0 || !ValidUsername(cmd.aggregate_id.substr(2)) ||
      cmd.aggregate_id != UsernameClaimId(cmd.aggregate_id.substr(2))) {
    return Invalid("username.id", "username", "is not a username's claim id");
  }
  if (!IsUserId(user_id)) return Invalid("username.user", "user_id", "is not a user id");
  const std::string& owner = s.username_owner;
  if (claim) {
    if (owner == user_id) {
      return Reject(ResultCode::AlreadyExists, "username.yours", "the user holds it already");
    }
    if (!owner.empty()) {
      return Reject(ResultCode::AlreadyExists, "username.taken",
                    "another user has this username");
    }
    fb::UsernameClaimedT e;
    e.user_id = user_id;
    return One(std::move(e));
  }
  if (owner != user_id) {
    return Reject(ResultCode::FailedPrecondition, "username.not_held",
                  "the user does not hold this username");
  }
  fb::UsernameReleasedT e;
  e.user_id = user_id;
  return One(std::move(e));
}

}  // namespace

bool IsAccessCommand(fb::Command type) {
  return type == fb::Command::RequestAccess || type == fb::Command::DecideAccessRequest ||
         type == fb::Command::ClaimUsername || type == fb::Command::ReleaseUsername;
}

Decision DecideAccess(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd) {
  const fb::CommandUnion& c = cmd.command;
  switch (c.type) {
    case fb::Command::RequestAccess:
      return DecideRequest(s, cmd, *c.AsRequestAccess());
    case fb::Command::DecideAccessRequest:
      return DecideDecision(s, cmd, *c.AsDecideAccessRequest());
    case fb::Command::ClaimUsername:
      return DecideClaim(s, cmd, c.AsClaimUsername()->user_id, true);
    case fb::Command::ReleaseUsername:
      return DecideClaim(s, cmd, c.AsReleaseUsername()->user_id, false);
    default:
      return Invalid("command.context", "command", "is not an access command");
  }
}

bool IsAccessEvent(fb::Event type) {
  return type == fb::Event::AccessRequested || type == fb::Event::AccessRequestDecided ||
         type == fb::Event::UsernameClaimed || type == fb::Event::UsernameReleased;
}

Status FoldAccess(fb::PortalSnapshotT& s, const fb::EventUnion& e) {
  switch (e.type) {
    case fb::Event::AccessRequested:
      s.kind = "access_request";
      s.access_request = std::make_unique<fb::AccessRequestStateT>();
      s.access_request->request = std::make_unique<fb::AccessRequestedT>(*e.AsAccessRequested());
      s.access_request->state = "pending";
      return Status::Ok();
    case fb::Event::AccessRequestDecided:
      if (!s.access_request) return DataLossError("AccessRequestDecided before AccessRequested");
      s.access_request->state = e.AsAccessRequestDecided()->approved ? "approved" : "rejected";
      return Status::Ok();
    case fb::Event::UsernameClaimed:
      s.kind = "username";
      s.username_owner = e.AsUsernameClaimed()->user_id;
      return Status::Ok();
    case fb::Event::UsernameReleased:
      s.username_owner.clear();
      return Status::Ok();
    default:
      return DataLossError(std::string(fb::EnumNameEvent(e.type)) + " is not an access event");
  }
}

}  // namespace docket::aggregates
