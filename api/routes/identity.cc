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
          {"failed_logins", u.failed_logins}};
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

IdentityRoutes::~IdentityRoutes() = default;

Status IdentityRoutes::Register(Router& router, Services& services) {
  s_ = &services;
  const GatewayOptions& o = services.options;
  DOCKET_ASSIGN_OR_RETURN(hasher_, PasswordHasher::Create(o.max_concurrent_hashes, o.hash_queue_wait));
  login_throttle_ = std::make_unique<LoginThrottle>(o.login_per_minute, services.clock);
  // Forgotten-password mails: 5 an hour per e-mail.
  links_per_email_ = std::make_unique<RateLimiter>(RateLimit{5.0 / 3600, 5}, services.clock);
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
  router.Add(V::post, "/api/v1/auth/login", Access::kPublicLimited, to(&IdentityRoutes::Login));
  router.Add(V::post, "/api/v1/auth/logout", Access::kSignedIn, to(&IdentityRoutes::Logout));
  router.Add(V::post, "/api/v1/auth/password/forgot", Access::kPublicLimited,
             to(&IdentityRoutes::ForgotPassword));
  router.Add(V::post, "/api/v1/auth/password/reset/check", Access::kPublicLimited,
             to(&IdentityRoutes::CheckResetLink));
  router.Add(V::post, "/api/v1/auth/password/reset", Access::kPublicLimited,
             to(&IdentityRoutes::ResetPassword));
  router.Add(V::post, "/api/v1/me/password", Access::kSignedIn,
             to(&IdentityRoutes::ChangePassword));
  router.Add(V::get, "/api/v1/me", Access::kSignedIn, to(&IdentityRoutes::Me));
  router.Add(V::post, "/api/v1/accounts", Access::kStaff, to(&IdentityRoutes::CreateAccount));
  router.Add(V::get, "/api/v1/accounts/{id}", Access::kSignedIn, to(&IdentityRoutes::GetAccount));
  router.Add(V::post, "/api/v1/accounts/{id}/service-addresses", Access::kStaff,
             to(&IdentityRoutes::AddAddress));
  router.Add(V::post, "/api/v1/users", Access::kStaff, to(&IdentityRoutes::CreateUser));
  router.Add(V::get, "/api/v1/users/{id}", Access::kSignedIn, to(&IdentityRoutes::GetUser));
  router.Add(V::post, "/api/v1/users/{id}/disable", Access::kStaff, to(&IdentityRoutes::Disable));
  router.Add(V::post, "/api/v1/users/{id}/enable", Access::kStaff, to(&IdentityRoutes::Enable));
  router.Add(V::post, "/api/v1/users/{id}/unlock", Access::kStaff, to(&IdentityRoutes::Unlock));
  return Status::Ok();
}

OrReply<IdentityRoutes::Queries> IdentityRoutes::Reads() const {
  return QueriesOf<projections::IdentityQueries>(*identity_);
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
    s_->positions.AwaitCommitted("identity", PartitionOf(*id), kSessionBarrierWait)
        .IgnoreError();
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

Reply IdentityRoutes::CreateUser(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b,
                         ReadBody(call.req, {"email", "name", "role", "account_ids", "password"}));
  const std::string email = b.Str("email", true, 3, 254);
  const std::string name = b.Str("name", true, 1, 200);
  const std::string role_text = b.Str("role", true, 1, 16);
  std::vector<std::string> accounts = b.StrList("account_ids", 100, 32);
  const std::string password = b.Str("password", true, 1, 1024);
  fb::Role role = fb::Role::Customer;
  if (role_text == "staff") {
    role = fb::Role::Staff;
  } else if (role_text == "admin") {
    role = fb::Role::Admin;
  } else if (role_text != "customer" && b.Has("role") && b.doc["role"].is_string()) {
    b.Fail("role", "must be customer, staff or admin");
  }
  if (b.errors.empty() && !ValidEmail(email)) b.Fail("email", "is not an e-mail address");
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
  if (auto weak = policy_.Weak(password, email, name)) {
    return Unprocessable("password", *weak, "password " + *weak, "user.weak_password");
  }
  // Without an Idempotency-Key, answer a taken e-mail before hashing; with
  // one, a repeat must reach the aggregate to get the first result.
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> taken,
                         OrProblem(q->UserByEmail(email)));
  if (!call.req.headers.count("Idempotency-Key") && taken) {
    return Problem(409, "conflict", "a user with this e-mail already exists",
                   {{"rule", "user.email_taken"}});
  }
  Result<std::string> hash = hasher_->Hash(password);
  if (!hash.ok()) return ProblemFromStatus(hash.status());
  const std::string id = aggregates::UserIdForEmail(email);
  fb::CreateUserT c;
  c.email = email;
  c.name = name;
  c.role = role;
  c.account_ids = accounts;
  c.password_hash = *hash;
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), id);
  cmd.command.Set(std::move(c));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(Queries after, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(after->User(id)));
  if (!u) return CommandClient::Pending(s.result.command_id);
  Reply r = JsonReply(201, UserJson(*u));
  r.Header("Location", "/api/v1/users/" + id);
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

Reply IdentityRoutes::GetUser(Call& call) {
  const std::string& id = call.param(0);
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
