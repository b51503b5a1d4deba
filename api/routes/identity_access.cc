// The identity routes of access requests: the public "Request portal
// access" and "Can't access email" forms, and staff's list, approval and
// rejection (identity.h). An approval invites the requester: the account
// (chosen, or created here), the user (an invitation, identity_users.cc),
// then the request's decision; the notifier mails the requester at each
// step.
#include "aggregates/identity/identity.h"
#include "api/problem.h"
#include "api/request.h"
#include "api/routes/identity.h"
#include "api/routes/identity_json.h"
#include "common/text.h"
#include "common/time_format.h"
#include "events/envelope.h"

namespace docket::api {
namespace {

using nlohmann::json;

json RequestJson(const projections::AccessRequestView& r) {
  auto or_null = [](const std::string& s) { return s.empty() ? json(nullptr) : json(s); };
  return {{"id", r.id},
          {"kind", r.kind},
          {"name", r.name},
          {"phone", r.phone},
          {"email", r.email},
          {"account_name", r.account_name},
          {"account_number", or_null(r.account_number)},
          {"service_address", r.service_address},
          {"description", r.description},
          {"state", r.state},
          {"reason", or_null(r.reason)},
          {"user_id", or_null(r.user_id)},
          {"account_id", or_null(r.account_id)},
          {"decided_by", or_null(r.decided_by)},
          {"created_at", FormatMicros(r.created_at_us)},
          {"decided_at", r.decided_at_us ? json(FormatMicros(r.decided_at_us)) : json(nullptr)}};
}

Reply RequestNotFound(const std::string& id) {
  return NotFound("access request " + id.substr(0, 64));
}

}  // namespace

// POST /access-requests: "Request portal access".
Reply IdentityRoutes::RequestAccess(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"name", "phone", "email", "account_name",
                                                     "account_number", "service_address",
                                                     "description"}));
  fb::RequestAccessT r;
  r.kind = "access";
  r.name = b.Str("name", true, 1, 200);
  r.phone = b.Str("phone", true, 1, 40);
  r.email = b.Str("email", true, 3, 254);
  r.account_name = b.Str("account_name", true, 1, 200);
  r.account_number = b.Str("account_number", false, 1, 32);
  r.service_address = b.Str("service_address", true, 1, 500);
  r.description = b.Str("description", false, 0, 4000);
  if (b.Has("account_number") && b.errors.empty() &&
      !aggregates::IsAccountNumber(r.account_number)) {
    b.Fail("account_number", "must be 1..32 letters, digits or '-'");
  }
  return SubmitRequest(call, std::move(r), b);
}

// POST /auth/help: "Can't access email": a request to staff to help an
// existing user sign in.
Reply IdentityRoutes::RequestHelp(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b,
                         ReadBody(call.req, {"name", "phone", "email", "account_name",
                                             "description"}));
  fb::RequestAccessT r;
  r.kind = "recovery";
  r.name = b.Str("name", true, 1, 200);
  r.phone = b.Str("phone", false, 0, 40);
  r.email = b.Str("email", true, 3, 254);
  r.account_name = b.Str("account_name", false, 0, 200);
  r.description = b.Str("description", true, 1, 4000);
  return SubmitRequest(call, std::move(r), b);
}

Reply IdentityRoutes::SubmitRequest(Call& call, fb::RequestAccessT request, Body& b) {
  if (b.errors.empty() && !ValidEmail(request.email)) b.Fail("email", "is not an e-mail address");
  if (b.errors.empty() && !aggregates::ValidPhone(request.phone)) {
    b.Fail("phone", "must be at most 40 digits, spaces or +-().x");
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  if (auto wait = requests_per_address_->Take(s_->limits.ClientKey(call.req))) {
    return TooMany(*wait, "too many requests from this address; try again later");
  }
  if (auto wait = requests_per_email_->Take(Lower(request.email))) {
    return TooMany(*wait, "too many requests for this e-mail; try again later");
  }
  const std::string id = aggregates::NewAccessRequestId();
  fb::CommandEnvelopeT cmd = SystemCommand(id, "access");
  cmd.command.Set(std::move(request));
  Result<std::optional<Sent>> sent = s_->commands.SubmitSystem(cmd);
  if (!sent.ok()) return ProblemFromStatus(sent.status());
  if (*sent && !Accepted(**sent)) return ProblemFromResult((*sent)->result);
  // Taken once it is on the log, decided or not yet.
  Reply reply = NoStore(JsonReply(
      202, {{"id", id},
            {"message", "Thank you: we received your request. We will write to you at the "
                        "e-mail you gave when it is decided."}}));
  if (*sent) CommandClient::AddCommandHeaders(reply, **sent);
  return reply;
}

// GET /access-requests?state=pending|approved|rejected|all
Reply IdentityRoutes::ListRequests(Call& call) {
  if (auto repeated = RepeatedQueryParam(call.req)) {
    return Invalid(*repeated, "is given more than once");
  }
  DOCKET_ASSIGN_OR_REPLY(size_t size, PageSize(call.req, 100));
  const std::string state = QueryParam(call.req, "state").value_or("pending");
  const std::string after = QueryParam(call.req, "page[after]").value_or("");
  if (state != "pending" && state != "approved" && state != "rejected" && state != "all") {
    return Invalid("state", "must be pending, approved, rejected or all");
  }
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  Result<projections::Page<projections::AccessRequestView>> page =
      q->AccessRequests(state, after, size);
  if (!page.ok() && page.status().code() == StatusCode::kInvalidArgument) {
    return Invalid("page[after]", "is not a cursor of this list");
  }
  DOCKET_ASSIGN_OR_REPLY(auto p, OrProblem(std::move(page)));
  json rows = json::array();
  for (const auto& r : p.rows) rows.push_back(RequestJson(r));
  std::string next;
  if (p.has_more) {
    next = "/api/v1/access-requests?state=" + PercentEncode(state) +
           "&page%5Bsize%5D=" + std::to_string(size) + "&page%5Bafter%5D=" +
           PercentEncode(p.after_cursor);
  }
  return JsonReply(200, {{"data", rows},
                         {"meta", {{"has_more", p.has_more},
                                   {"after_cursor", p.has_more ? json(p.after_cursor) : json(nullptr)}}},
                         {"links", {{"next", p.has_more ? json(next) : json(nullptr)}}}});
}

Reply IdentityRoutes::GetRequest(Call& call) {
  const std::string& id = call.param(0);
  if (!aggregates::IsAccessRequestId(id)) return RequestNotFound(id);
  Barrier(id);  // a request made a moment ago, through any gateway, shows
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccessRequestView> r,
                         OrProblem(q->AccessRequest(id)));
  if (!r) return RequestNotFound(id);
  return JsonReply(200, RequestJson(*r));
}

// Approve: for an access request, the account (account_id, or
// create_account {account_number, name, service_addresses}) and the role
// (customer unless given); the requester is invited. For a recovery
// request: staff have helped (an optional reason is told).
Reply IdentityRoutes::ApproveRequest(Call& call) {
  const std::string& id = call.param(0);
  DOCKET_ASSIGN_OR_REPLY(Body b,
                         ReadBody(call.req, {"account_id", "create_account", "role", "reason"}, true));
  const std::string account_id = b.Str("account_id", false, 1, 32);
  const std::string role_text = b.Str("role", false, 1, 16);
  const std::string reason = b.Str("reason", false, 0, 1000);
  fb::Role role = fb::Role::Customer;
  if (role_text == "staff") {
    role = fb::Role::Staff;
  } else if (role_text == "admin") {
    role = fb::Role::Admin;
  } else if (!role_text.empty() && role_text != "customer") {
    b.Fail("role", "must be customer, staff or admin");
  }
  std::optional<fb::CreateAccountT> create;
  if (b.Has("create_account")) {
    const json& c = b.doc["create_account"];
    Body inner;
    if (!c.is_object()) {
      b.Fail("create_account", "must be an object {account_number, name, service_addresses}");
    } else {
      inner.doc = c;
      fb::CreateAccountT a;
      a.account_number = inner.Str("account_number", true, 1, 32);
      a.name = inner.Str("name", true, 1, 200);
      a.service_addresses = inner.StrList("service_addresses", 50, 500);
      for (auto& e : inner.errors) b.Fail("create_account." + e.field, e.message);
      if (inner.errors.empty() && !aggregates::IsAccountNumber(a.account_number)) {
        b.Fail("create_account.account_number", "must be 1..32 letters, digits or '-'");
      }
      create = std::move(a);
    }
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  if (!aggregates::IsAccessRequestId(id)) return RequestNotFound(id);
  Barrier(id);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccessRequestView> req,
                         OrProblem(q->AccessRequest(id)));
  if (!req) return RequestNotFound(id);
  if (req->state != "pending") {
    return Problem(409, "conflict", "the request was " + req->state + " already",
                   {{"rule", "access_request.decided"}});
  }
  fb::DecideAccessRequestT d;
  d.approve = true;
  d.reason = reason;
  if (req->kind != "access") return DecideRequest(call, id, std::move(d));
  if (create.has_value() == !account_id.empty()) {
    return Invalid("account_id", "give either account_id or create_account");
  }
  const std::string user_id = aggregates::UserIdForEmail(req->email);
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> taken, OrProblem(q->User(user_id)));
  // An invited user of this e-mail who never activated: an approval that
  // stopped half-way (a crash, a timeout) goes on from where it was.
  const bool resuming = taken && taken->pending_activation();
  if (taken && !resuming) {
    return Problem(409, "conflict",
                   "a user with this e-mail exists: add them to the account instead "
                   "(POST /api/v1/users/" + user_id + "/accounts) and reject the request",
                   {{"rule", "user.email_taken"}, {"user_id", user_id}});
  }
  std::string account = account_id;
  if (create) {
    account = create->account_number;
    DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccountView> there,
                           OrProblem(q->Account(account)));
    if (!resuming || !there) {
      fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), account);
      cmd.command.Set(std::move(*create));
      DOCKET_ASSIGN_OR_REPLY(Sent created, Step(cmd));
      if (!Accepted(created)) return ProblemFromResult(created.result);
    }
  } else {
    DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccountView> a, OrProblem(q->Account(account)));
    if (!a) {
      const std::string m = "account " + account + " does not exist";
      return Unprocessable("account_id", m, m, "user.unknown_account");
    }
  }
  // The invitation, then the decision that names it.
  fb::CreateUserT u;
  u.email = req->email;
  u.name = req->name;
  u.phone = req->phone;
  u.role = role;
  if (role == fb::Role::Customer) u.account_ids = {account};
  if (!resuming) {
    fb::CommandEnvelopeT invite = s_->commands.NewCommand(call.caller(), user_id);
    invite.command.Set(std::move(u));
    DOCKET_ASSIGN_OR_REPLY(Sent invited, Step(invite));
    if (!Accepted(invited)) return ProblemFromResult(invited.result);
  }
  Result<std::optional<Sent>> link =
      IssueLink(user_id, "activation", s_->options.activation_link_ttl);
  if (!link.ok()) return ProblemFromStatus(link.status());
  d.user_id = user_id;
  d.account_id = account;
  d.role = role;
  return DecideRequest(call, id, std::move(d));
}

Reply IdentityRoutes::RejectRequest(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"reason"}));
  fb::DecideAccessRequestT d;
  d.approve = false;
  d.reason = b.Str("reason", true, 1, 1000);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const std::string& id = call.param(0);
  if (!aggregates::IsAccessRequestId(id)) return RequestNotFound(id);
  return DecideRequest(call, id, std::move(d));
}

Reply IdentityRoutes::DecideRequest(Call& call, const std::string& id,
                                    fb::DecideAccessRequestT decision) {
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), id);
  cmd.command.Set(std::move(decision));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccessRequestView> r,
                         OrProblem(q->AccessRequest(id)));
  if (!r) return CommandClient::Pending(s.result.command_id);
  Reply reply = JsonReply(200, RequestJson(*r));
  CommandClient::AddCommandHeaders(reply, s);
  return reply;
}

}  // namespace docket::api
