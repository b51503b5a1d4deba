#include "api/routes/identity.h"

#include <spdlog/spdlog.h>

#include "aggregates/identity/identity.h"
#include "api/problem.h"
#include "api/request.h"
#include "api/routes/identity_json.h"
#include "common/hash.h"
#include "common/text.h"
#include "common/time_format.h"
#include "common/word_list.h"
#include "events/envelope.h"

namespace docket::api {

using nlohmann::json;

// How long a request waits for the identity read model to reach its
// partition's end before it is answered from what is applied.
constexpr std::chrono::milliseconds kSessionBarrierWait(1000);

json UserJson(const projections::UserView& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"name", u.name},
          {"role", std::string(events::RoleName(u.role))},
          {"account_ids", u.account_ids},
          {"created_at", FormatMicros(u.created_at_us)},
          {"disabled", u.disabled},
          {"locked", u.locked},
          {"failed_logins", u.failed_logins},
          {"phone", u.phone},
          {"username", u.username.empty() ? json(nullptr) : json(u.username)},
          {"pending_activation", u.pending_activation()},
          {"challenge_question", u.challenge_question.empty() ? json(nullptr)
                                                              : json(u.challenge_question)}};
}

json AccountJson(const projections::AccountView& a) {
  return {{"id", a.id},
          {"account_number", a.account_number},
          {"name", a.name},
          {"service_addresses", a.service_addresses},
          {"created_at", FormatMicros(a.created_at_us)}};
}

Principal PrincipalOf(const projections::UserView& u) {
  Principal p;
  p.user_id = u.id;
  p.email = u.email;
  p.name = u.name;
  p.role = u.role;
  p.account_ids = u.account_ids;
  p.staff = u.role == fb::Role::Staff || u.role == fb::Role::Admin;
  return p;
}

// A 422 naming one field and the rule it broke.
Reply Unprocessable(const std::string& field, const std::string& message,
                    const std::string& detail, const std::string& rule) {
  return Problem(422, "unprocessable", detail,
                 {{"rule", rule},
                  {"errors", json::array({{{"field", field}, {"message", message}}})}});
}

Reply NoStore(Reply r) {
  r.Header("Cache-Control", "no-store");
  r.Header("Referrer-Policy", "no-referrer");
  return r;
}

bool Accepted(const std::optional<Sent>& s) {
  return s && s->result.code == fb::ResultCode::Accepted;
}

OrReply<Sent> IdentityRoutes::Step(fb::CommandEnvelopeT cmd) {
  if (cmd.command_id.empty()) cmd.command_id = "step-" + RandomHex(16);
  Result<std::optional<Sent>> r = s_->commands.SubmitSystem(cmd);
  if (!r.ok()) return ProblemFromStatus(r.status());
  if (!*r) return CommandClient::Pending(cmd.command_id);
  return std::move(**r);
}

IdentityRoutes::~IdentityRoutes() = default;

Status IdentityRoutes::Register(Router& router, Services& services) {
  s_ = &services;
  const GatewayOptions& o = services.options;
  DOCKET_ASSIGN_OR_RETURN(hasher_, PasswordHasher::Create(o.max_concurrent_hashes, o.hash_queue_wait));
  login_throttle_ = std::make_unique<LoginThrottle>(o.login_per_minute, services.clock);
  auto per_hour = [&](double n) {
    return std::make_unique<RateLimiter>(RateLimit{n / 3600, std::max(1.0, n)}, services.clock);
  };
  links_per_email_ = per_hour(o.link_mails_per_hour);
  requests_per_address_ = per_hour(o.access_requests_per_hour);
  requests_per_email_ = per_hour(o.access_requests_per_hour / 3);
  link_key_ = aggregates::LinkKey(services.secret);
  DOCKET_ASSIGN_OR_RETURN(std::vector<std::string> common, ReadWordList(common_passwords_));
  policy_ = aggregates::PasswordPolicy(std::move(common));
  services.auth.SetDirectory(
      [this](const std::string& token, bool fresh) { return SessionPrincipal(token, fresh); },
      [this] { return identity_->CaughtUp(); });

  using V = http::verb;
  auto to = [this](Reply (IdentityRoutes::*fn)(Call&)) {
    return [this, fn](Call& call) { return (this->*fn)(call); };
  };
  const Access kPublic = Access::kPublicLimited;
  // Sign-in, and help signing in.
  router.Add(V::post, "/api/v1/auth/login", kPublic, to(&IdentityRoutes::Login));
  router.Add(V::post, "/api/v1/auth/logout", Access::kSignedIn, to(&IdentityRoutes::Logout));
  router.Add(V::post, "/api/v1/auth/password/forgot", kPublic, to(&IdentityRoutes::ForgotPassword));
  router.Add(V::post, "/api/v1/auth/password/reset/check", kPublic,
             to(&IdentityRoutes::CheckResetLink));
  router.Add(V::post, "/api/v1/auth/password/reset", kPublic, to(&IdentityRoutes::ResetPassword));
  router.Add(V::post, "/api/v1/auth/activate/check", kPublic,
             to(&IdentityRoutes::CheckActivationLink));
  router.Add(V::post, "/api/v1/auth/activate", kPublic, to(&IdentityRoutes::Activate));
  router.Add(V::post, "/api/v1/auth/unlock", kPublic, to(&IdentityRoutes::RequestUnlock));
  router.Add(V::post, "/api/v1/auth/unlock/check", kPublic, to(&IdentityRoutes::CheckUnlockLink));
  router.Add(V::post, "/api/v1/auth/unlock/confirm", kPublic, to(&IdentityRoutes::UnlockWithLink));
  router.Add(V::get, "/api/v1/auth/challenge-questions", kPublic,
             to(&IdentityRoutes::ChallengeQuestions));
  router.Add(V::post, "/api/v1/auth/help", kPublic, to(&IdentityRoutes::RequestHelp));
  router.Add(V::post, "/api/v1/access-requests", kPublic, to(&IdentityRoutes::RequestAccess));
  // My Account.
  router.Add(V::get, "/api/v1/me", Access::kSignedIn, to(&IdentityRoutes::Me));
  router.Add(V::patch, "/api/v1/me", Access::kSignedIn, to(&IdentityRoutes::UpdateMe));
  router.Add(V::post, "/api/v1/me/password", Access::kSignedIn,
             to(&IdentityRoutes::ChangePassword));
  router.Add(V::put, "/api/v1/me/challenge", Access::kSignedIn,
             to(&IdentityRoutes::SetChallenge));
  // Staff: access requests, accounts, users.
  router.Add(V::get, "/api/v1/access-requests", Access::kStaff, to(&IdentityRoutes::ListRequests));
  router.Add(V::get, "/api/v1/access-requests/{id}", Access::kStaff,
             to(&IdentityRoutes::GetRequest));
  router.Add(V::post, "/api/v1/access-requests/{id}/approve", Access::kStaff,
             to(&IdentityRoutes::ApproveRequest));
  router.Add(V::post, "/api/v1/access-requests/{id}/reject", Access::kStaff,
             to(&IdentityRoutes::RejectRequest));
  router.Add(V::post, "/api/v1/accounts", Access::kStaff, to(&IdentityRoutes::CreateAccount));
  router.Add(V::get, "/api/v1/accounts", Access::kStaff, to(&IdentityRoutes::ListAccounts));
  router.Add(V::get, "/api/v1/accounts/{id}", Access::kSignedIn, to(&IdentityRoutes::GetAccount));
  router.Add(V::post, "/api/v1/accounts/{id}/service-addresses", Access::kStaff,
             to(&IdentityRoutes::AddAddress));
  router.Add(V::get, "/api/v1/users", Access::kStaff, to(&IdentityRoutes::ListUsers));
  router.Add(V::post, "/api/v1/users", Access::kStaff, to(&IdentityRoutes::CreateUser));
  router.Add(V::get, "/api/v1/users/{id}", Access::kSignedIn, to(&IdentityRoutes::GetUser));
  router.Add(V::patch, "/api/v1/users/{id}", Access::kStaff, to(&IdentityRoutes::UpdateUser));
  router.Add(V::post, "/api/v1/users/{id}/accounts", Access::kStaff,
             to(&IdentityRoutes::AddMembership));
  router.Add(V::delete_, "/api/v1/users/{id}/accounts/{account}", Access::kStaff,
             to(&IdentityRoutes::RemoveMembership));
  router.Add(V::post, "/api/v1/users/{id}/invitation", Access::kStaff,
             to(&IdentityRoutes::ResendInvitation));
  router.Add(V::post, "/api/v1/users/{id}/reset-link", Access::kStaff,
             to(&IdentityRoutes::SendResetLink));
  router.Add(V::post, "/api/v1/users/{id}/disable", Access::kStaff, to(&IdentityRoutes::Disable));
  router.Add(V::post, "/api/v1/users/{id}/enable", Access::kStaff, to(&IdentityRoutes::Enable));
  router.Add(V::post, "/api/v1/users/{id}/unlock", Access::kStaff, to(&IdentityRoutes::Unlock));
  return Status::Ok();
}

OrReply<IdentityRoutes::Queries> IdentityRoutes::Reads() const {
  return QueriesOf<projections::IdentityQueries>(*identity_);
}

void IdentityRoutes::Barrier(const std::string& user_id) const {
  s_->positions.AwaitCommitted("identity", PartitionOf(user_id), kSessionBarrierWait)
      .IgnoreError();
}

int32_t IdentityRoutes::PartitionOf(const std::string& user_id) const {
  return static_cast<int32_t>(Fnv1a(user_id) %
                              static_cast<uint64_t>(s_->options.layout.partitions));
}

fb::CommandEnvelopeT IdentityRoutes::SystemCommand(const std::string& user_id,
                                                   const char* what) const {
  fb::CommandEnvelopeT c =
      events::MakeCommand(user_id, events::SystemActor(what), s_->clock.NowMicros());
  c.command_id = std::string(what) + "-" + RandomHex(16);
  return c;
}

// The directory: a token's live session and its user (api/authn.h).
Result<std::optional<Principal>> IdentityRoutes::SessionPrincipal(const std::string& token,
                                                                  bool fresh) {
  const std::optional<std::string> id = aggregates::UserOfToken(token);
  if (!id) return std::optional<Principal>();
  if (fresh) {
    // Every session event committed before now is applied here first;
    // without the broker, what is applied already answers.
    Barrier(*id);
  }
  std::shared_ptr<projections::ReadStore> store = identity_->store();
  if (!store) return UnavailableError("the identity read models are still opening");
  projections::IdentityQueries q(store.get());
  const std::string session_id = Sha256Hex(token);
  DOCKET_ASSIGN_OR_RETURN(std::optional<projections::SessionView> session, q.Session(session_id));
  if (!session || session->user_id != *id) return std::optional<Principal>();
  const int64_t now = s_->clock.NowMicros();
  if (now >= session->expires_at_us ||
      now >= session->last_seen_us + ToMicros(s_->options.sessions.idle)) {
    return std::optional<Principal>();
  }
  DOCKET_ASSIGN_OR_RETURN(std::optional<projections::UserView> u, q.User(*id));
  if (!u || u->disabled || u->session_epoch != session->epoch) return std::optional<Principal>();
  if (fresh && now - session->last_seen_us >= ToMicros(s_->options.sessions.touch_interval)) {
    Touch(*id, session_id, now);
  }
  return std::optional<Principal>(PrincipalOf(*u));
}

// Moves a session's idle clock: one command per session and interval,
// whichever gateway sends it (the id is the same, the decider keeps one).
void IdentityRoutes::Touch(const std::string& user_id, const std::string& session_id,
                           int64_t now) {
  fb::CommandEnvelopeT c = SystemCommand(user_id, "touch");
  const int64_t interval = ToMicros(s_->options.sessions.touch_interval);
  c.command_id = "touch-" + session_id.substr(0, 32) + "-" + std::to_string(now / interval);
  fb::TouchSessionT t;
  t.session_id = session_id;
  c.command.Set(std::move(t));
  if (Status st = s_->commands.SendInternal(c); !st.ok()) {
    spdlog::warn("gateway: touch of a session of {}: {}", user_id, st.ToString());
  }
}

Reply IdentityRoutes::Me(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u,
                         OrProblem(q->User(call.caller().user_id)));
  if (!u) return Unauthenticated("the session's user no longer exists");
  json j = UserJson(*u);
  json accounts = json::array();
  for (const auto& id : u->account_ids) {
    DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccountView> a, OrProblem(q->Account(id)));
    if (a) {
      accounts.push_back({{"id", a->id}, {"name", a->name}, {"account_number", a->account_number}});
    }
  }
  j["accounts"] = accounts;
  return JsonReply(200, j);
}

Reply IdentityRoutes::CreateAccount(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"account_number", "name", "service_addresses"}));
  const std::string number = b.Str("account_number", true, 1, 32);
  fb::CreateAccountT c;
  c.name = b.Str("name", true, 1, 200);
  c.service_addresses = b.StrList("service_addresses", 50, 500);
  if (b.errors.empty() && !aggregates::IsAccountNumber(number)) {
    b.Fail("account_number",
           "must be 1..32 letters, digits or '-', and not of the form of a user id");
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  c.account_number = number;
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), number);
  cmd.command.Set(std::move(c));
  return AccountCommand(call, std::move(cmd));
}

Reply IdentityRoutes::AddAddress(Call& call) {
  const std::string& id = call.param(0);
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"address"}));
  fb::AddServiceAddressT c;
  c.address = b.Str("address", true, 1, 500);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  if (!aggregates::IsAccountNumber(id)) return NotFound("account " + id.substr(0, 64));
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), id);
  cmd.command.Set(std::move(c));
  return AccountCommand(call, std::move(cmd));
}

// Sends an account command and answers 201 with the account as it is now.
Reply IdentityRoutes::AccountCommand(Call& call, fb::CommandEnvelopeT cmd) {
  const std::string id = cmd.aggregate_id;
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccountView> a, OrProblem(q->Account(id)));
  if (!a) return CommandClient::Pending(s.result.command_id);
  Reply r = JsonReply(201, AccountJson(*a));
  r.Header("Location", "/api/v1/accounts/" + PercentEncode(id));
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

Reply IdentityRoutes::GetAccount(Call& call) {
  const std::string& id = call.param(0);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::AccountView> a, OrProblem(q->Account(id)));
  if (!a || !call.caller().MayRead(id)) return NotFound("account " + id.substr(0, 64));
  return JsonReply(200, AccountJson(*a));
}

Reply IdentityRoutes::GetUser(Call& call) {
  const std::string& id = call.param(0);
  // What happened to the user on any gateway (a lock, a sign-in) shows.
  if (call.caller().staff || id == call.caller().user_id) Barrier(id);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(q->User(id)));
  if (!u || (!call.caller().staff && id != call.caller().user_id)) {
    return NotFound("user " + id.substr(0, 64));
  }
  return JsonReply(200, UserJson(*u));
}

// Sends a staff command on a user and answers 200 with the user as it is now.
Reply IdentityRoutes::UserCommand(Call& call, fb::CommandEnvelopeT cmd) {
  const std::string id = cmd.aggregate_id;
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(q->User(id)));
  if (!u) return CommandClient::Pending(s.result.command_id);
  Reply r = JsonReply(200, UserJson(*u));
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

Reply IdentityRoutes::Disable(Call& call) { return SetEnabled(call, false); }

Reply IdentityRoutes::Enable(Call& call) { return SetEnabled(call, true); }

Reply IdentityRoutes::SetEnabled(Call& call, bool enabled) {
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), call.param(0));
  fb::SetUserEnabledT c;
  c.enabled = enabled;
  cmd.command.Set(std::move(c));
  return UserCommand(call, std::move(cmd));
}

Reply IdentityRoutes::Unlock(Call& call) {
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), call.param(0));
  cmd.command.Set(fb::UnlockUserT{});
  return UserCommand(call, std::move(cmd));
}

}  // namespace docket::api
