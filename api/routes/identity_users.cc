// The identity routes of staff's user management (list and search, invite,
// edit, memberships, links) and of a user's own profile (identity.h).
#include "aggregates/identity/identity.h"
#include "api/problem.h"
#include "api/request.h"
#include "api/routes/identity.h"
#include "api/routes/identity_json.h"
#include "common/text.h"

namespace docket::api {
namespace {

using nlohmann::json;

Reply UserNotFound(const std::string& id) { return NotFound("user " + id.substr(0, 64)); }

}  // namespace

// GET /users?q=&account_id=&page[size]=&page[after]=: staff's user list.
Reply IdentityRoutes::ListUsers(Call& call) {
  if (auto repeated = RepeatedQueryParam(call.req)) {
    return Invalid(*repeated, "is given more than once");
  }
  DOCKET_ASSIGN_OR_REPLY(size_t size, PageSize(call.req, 100));
  projections::UserFilter f;
  f.q = QueryParam(call.req, "q").value_or("");
  f.account_id = QueryParam(call.req, "account_id").value_or("");
  f.after = QueryParam(call.req, "page[after]").value_or("");
  f.limit = size;
  if (f.q.size() > 200) return Invalid("q", "must be at most 200 characters");
  if (!f.account_id.empty() && !aggregates::IsAccountNumber(f.account_id)) {
    return Invalid("account_id", "is not an account id");
  }
  if (f.after.size() > 64) return Invalid("page[after]", "is not a cursor of this list");
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(projections::Page<projections::UserView> page, OrProblem(q->Users(f)));
  json rows = json::array();
  for (const auto& u : page.rows) rows.push_back(UserJson(u));
  return ListPage(call.req, std::move(rows), page.has_more, page.after_cursor, page.truncated);
}

Reply ListPage(const Request& req, json rows, bool has_more, const std::string& after_cursor,
               bool truncated) {
  std::string next;
  if (has_more) {
    next = req.path + "?";
    for (const auto& [k, v] : req.query) {
      if (k != "page[after]") next += PercentEncode(k) + "=" + PercentEncode(v) + "&";
    }
    next += "page%5Bafter%5D=" + PercentEncode(after_cursor);
  }
  return JsonReply(200, {{"data", std::move(rows)},
                         {"meta",
                          {{"has_more", has_more},
                           {"after_cursor", has_more ? json(after_cursor) : json(nullptr)},
                           {"truncated", truncated}}},
                         {"links", {{"next", has_more ? json(next) : json(nullptr)}}}});
}

// GET /accounts?q=&page[size]=&page[after]=: staff's account list (the
// wizard's and the filters' account search).
Reply IdentityRoutes::ListAccounts(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(size_t size, PageSize(call.req, 100));
  projections::AccountFilter f;
  f.q = QueryParam(call.req, "q").value_or("");
  f.after = QueryParam(call.req, "page[after]").value_or("");
  f.limit = size;
  if (f.q.size() > 200) return Invalid("q", "must be at most 200 characters");
  if (f.after.size() > 64) return Invalid("page[after]", "is not a cursor of this list");
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(projections::Page<projections::AccountView> page,
                         OrProblem(q->Accounts(f)));
  json rows = json::array();
  for (const auto& a : page.rows) rows.push_back(AccountJson(a));
  return ListPage(call.req, std::move(rows), page.has_more, page.after_cursor, false);
}

// POST /users: staff invite a user (no password: the invitation's link sets
// it). Also how staff invite the extra contacts an access request names.
Reply IdentityRoutes::CreateUser(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b,
                         ReadBody(call.req, {"email", "name", "role", "account_ids", "phone"}));
  const std::string email = b.Str("email", true, 3, 254);
  const std::string name = b.Str("name", true, 1, 200);
  const std::string role_text = b.Str("role", true, 1, 16);
  std::vector<std::string> accounts = b.StrList("account_ids", 100, 32);
  const std::string phone = b.Str("phone", false, 0, 40);
  fb::Role role = fb::Role::Customer;
  if (role_text == "staff") {
    role = fb::Role::Staff;
  } else if (role_text == "admin") {
    role = fb::Role::Admin;
  } else if (role_text != "customer" && b.Has("role") && b.doc["role"].is_string()) {
    b.Fail("role", "must be customer, staff or admin");
  }
  if (b.errors.empty() && !ValidEmail(email)) b.Fail("email", "is not an e-mail address");
  if (b.errors.empty() && !aggregates::ValidPhone(phone)) {
    b.Fail("phone", "must be at most 40 digits, spaces or +-().x");
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  if (role == fb::Role::Customer && accounts.empty()) {
    return Invalid("account_ids", "a customer needs at least one account");
  }
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  for (const auto& a : accounts) {
    DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccountView> found, OrProblem(q->Account(a)));
    if (!found) {
      const std::string m = "account " + a + " does not exist";
      return Unprocessable("account_ids", m, m, "user.unknown_account");
    }
  }
  const std::string id = aggregates::UserIdForEmail(email);
  fb::CreateUserT c;
  c.email = email;
  c.name = name;
  c.role = role;
  c.account_ids = accounts;
  c.phone = phone;
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), id);
  cmd.command.Set(std::move(c));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  // The invitation: an activation link, mailed by the notifier. A repeat
  // (Idempotency-Key) sends a fresh one only while it is not activated.
  Result<std::optional<Sent>> link = IssueLink(id, "activation", s_->options.activation_link_ttl);
  if (!link.ok()) return ProblemFromStatus(link.status());
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(Queries after, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(after->User(id)));
  if (!u) return CommandClient::Pending(s.result.command_id);
  Reply r = JsonReply(201, UserJson(*u));
  r.Header("Location", "/api/v1/users/" + id);
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

// PATCH /users/{id}: staff change name, phone and username.
Reply IdentityRoutes::UpdateUser(Call& call) { return ChangeProfile(call, call.param(0), true); }

// PATCH /me: a user changes their own name and phone.
Reply IdentityRoutes::UpdateMe(Call& call) {
  return ChangeProfile(call, call.caller().user_id, false);
}

Reply IdentityRoutes::ChangeProfile(Call& call, const std::string& id, bool with_username) {
  DOCKET_ASSIGN_OR_REPLY(Body b, with_username ? ReadBody(call.req, {"name", "phone", "username"})
                                               : ReadBody(call.req, {"name", "phone"}));
  const std::string name = b.Str("name", false, 1, 200);
  const std::string phone = b.Str("phone", false, 0, 40);
  std::optional<std::string> username;
  if (b.Has("username")) {
    username = b.doc["username"].is_null() ? "" : b.Str("username", false, 3, 32);
    if (!username->empty() && !aggregates::ValidUsername(*username)) {
      b.Fail("username", "must be 3..32 letters, digits or '._-', starting with a letter");
    }
  }
  if (b.errors.empty() && b.Has("phone") && !aggregates::ValidPhone(phone)) {
    b.Fail("phone", "must be at most 40 digits, spaces or +-().x");
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(q->User(id)));
  if (!u) return UserNotFound(id);
  if (username && Lower(*username) != Lower(u->username)) {
    if (Reply r = ChangeUsername(call, *u, *username); r.status != http::status::ok) return r;
  }
  const std::string new_name = b.Has("name") ? name : u->name;
  const std::string new_phone = b.Has("phone") ? phone : u->phone;
  if (new_name != u->name || new_phone != u->phone) {
    fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), id);
    fb::UpdateProfileT c;
    c.name = new_name;
    c.phone = new_phone;
    cmd.command.Set(std::move(c));
    return UserCommand(call, std::move(cmd));
  }
  DOCKET_ASSIGN_OR_REPLY(Queries after, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> now, OrProblem(after->User(id)));
  if (!now) return UserNotFound(id);
  return JsonReply(200, UserJson(*now));
}

// A username is claimed on its own aggregate first (one holder, whatever
// the case), then set on the user, then the old one released. 200 when
// done; the problem otherwise (409 when another user has it).
Reply IdentityRoutes::ChangeUsername(Call& call, const projections::UserView& u,
                                     const std::string& username) {
  auto send = [&](const std::string& aggregate, auto payload) -> OrReply<Sent> {
    fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), aggregate);
    cmd.command.Set(std::move(payload));
    return Step(cmd);
  };
  if (!username.empty()) {
    fb::ClaimUsernameT claim;
    claim.user_id = u.id;
    DOCKET_ASSIGN_OR_REPLY(Sent claimed, send(aggregates::UsernameClaimId(username), claim));
    if (claimed.result.code != fb::ResultCode::Accepted && claimed.result.rule != "username.yours") {
      if (claimed.result.rule == "username.taken") {
        return Problem(409, "conflict", "another user has this username",
                       {{"rule", "username.taken"}});
      }
      return ProblemFromResult(claimed.result);
    }
  }
  fb::SetUsernameT set;
  set.username = username;
  DOCKET_ASSIGN_OR_REPLY(Sent changed, send(u.id, set));
  if (changed.result.code != fb::ResultCode::Accepted) {
    if (!username.empty()) {
      fb::ReleaseUsernameT undo;
      undo.user_id = u.id;
      send(aggregates::UsernameClaimId(username), undo);
    }
    return ProblemFromResult(changed.result);
  }
  if (!u.username.empty()) {
    fb::ReleaseUsernameT release;
    release.user_id = u.id;
    send(aggregates::UsernameClaimId(u.username), release);
  }
  if (!s_->commands.AwaitApplied(changed)) return CommandClient::Pending(changed.result.command_id);
  return JsonReply(200, json::object());
}

Reply IdentityRoutes::AddMembership(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"account_id"}));
  const std::string account = b.Str("account_id", true, 1, 32);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccountView> found,
                         OrProblem(q->Account(account)));
  if (!found) {
    const std::string m = "account " + account + " does not exist";
    return Unprocessable("account_id", m, m, "user.unknown_account");
  }
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), call.param(0));
  fb::ChangeMembershipT c;
  c.account_id = account;
  c.add = true;
  cmd.command.Set(std::move(c));
  return UserCommand(call, std::move(cmd));
}

Reply IdentityRoutes::RemoveMembership(Call& call) {
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), call.param(0));
  fb::ChangeMembershipT c;
  c.account_id = call.param(1);
  c.add = false;
  cmd.command.Set(std::move(c));
  return UserCommand(call, std::move(cmd));
}

// A fresh activation link for an invited user (the older one stops working).
Reply IdentityRoutes::ResendInvitation(Call& call) {
  return StaffLink(call, "activation", s_->options.activation_link_ttl,
                   "A new invitation is on its way to ");
}

// Staff send a forgotten-password link on the user's behalf.
Reply IdentityRoutes::SendResetLink(Call& call) {
  return StaffLink(call, "reset", s_->options.reset_link_ttl,
                   "A link to set a new password is on its way to ");
}

Reply IdentityRoutes::StaffLink(Call& call, const char* purpose, std::chrono::seconds ttl,
                                const std::string& message) {
  const std::string& id = call.param(0);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(q->User(id)));
  if (!u) return UserNotFound(id);
  Result<std::optional<Sent>> sent = IssueLink(id, purpose, ttl);
  if (!sent.ok()) return ProblemFromStatus(sent.status());
  if (!*sent) return RetryLater("the link was not decided in time; try again");
  if (!Accepted(*sent)) return ProblemFromResult((*sent)->result);
  return JsonReply(202, {{"message", message + u->email}});
}

}  // namespace docket::api
