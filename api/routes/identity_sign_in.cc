// The identity routes of sign-in, sign-out and passwords (identity.h says
// the protocol).
#include <spdlog/spdlog.h>

#include "aggregates/identity/identity.h"
#include "api/problem.h"
#include "api/request.h"
#include "api/routes/identity.h"
#include "api/routes/identity_json.h"
#include "common/hash.h"
#include "common/text.h"
#include "common/time_format.h"
#include "events/envelope.h"

namespace docket::api {
namespace {

using nlohmann::json;

bool Accepted(const std::optional<Sent>& s) {
  return s && s->result.code == fb::ResultCode::Accepted;
}

Reply WrongCredentials() {
  return Problem(401, "invalid-credentials", "the e-mail or the password is wrong");
}

// One answer for every link that cannot be used: unknown, tampered, used,
// replaced or expired.
Reply InvalidLink() {
  Reply r = Problem(400, "invalid-link", "the link is invalid or has expired; ask for a new one",
                    {{"rule", "token.invalid"}});
  r.Header("Referrer-Policy", "no-referrer");
  return r;
}

Reply NoStore(Reply r) {
  r.Header("Cache-Control", "no-store");
  r.Header("Referrer-Policy", "no-referrer");
  return r;
}

}  // namespace

Reply IdentityRoutes::Login(Call& call) {
  const std::string address = s_->limits.ClientKey(call.req);
  if (auto wait = login_throttle_->AdmitAddress(address)) return TooMany(*wait);
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"email", "password"}));
  const std::string email = b.Str("email", true, 1, 254);
  const std::string password = b.Str("password", true, 1, 1024);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  // Guessing one account's password from many addresses is slowed too,
  // without refusing a client that has not been failing (LoginThrottle).
  if (auto wait = login_throttle_->AdmitEmail(address, email)) return TooMany(*wait);
  const std::string id = aggregates::UserIdForEmail(email);

  // 1. An attempt the lock-out counts before any password is checked. An
  // unknown, locked or disabled user's is refused.
  fb::CommandEnvelopeT begin = SystemCommand(id, "login");
  begin.command.Set(fb::BeginLoginT{});
  Result<std::optional<Sent>> started = s_->commands.SubmitSystem(begin);
  if (!started.ok()) return ProblemFromStatus(started.status());
  const bool attempt = Accepted(*started);
  std::optional<projections::UserView> u;
  if (attempt && s_->commands.AwaitApplied(**started)) {
    DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
    DOCKET_ASSIGN_OR_REPLY(u, OrProblem(q->User(id)));
  }
  // 2. The password; without an attempt, against a dummy hash, so every
  // failure takes as long.
  Result<bool> ok = hasher_->Verify(u ? u->password_hash : "", password);
  if (!ok.ok()) return ProblemFromStatus(ok.status());  // the attempt times out
  // 3. The outcome, always (a refused attempt's finish is refused too).
  const std::string token = id + "." + RandomHex(32);
  const int64_t now = s_->clock.NowMicros();
  const int64_t expires = now + ToMicros(s_->options.sessions.absolute);
  fb::CommandEnvelopeT finish = SystemCommand(id, "login");
  fb::FinishLoginT f;
  f.attempt_id = begin.command_id;
  f.succeeded = u && *ok;
  f.session_id = Sha256Hex(token);
  f.expires_at_us = expires;
  finish.command.Set(std::move(f));
  Result<std::optional<Sent>> finished = s_->commands.SubmitSystem(finish);
  if (!finished.ok()) return ProblemFromStatus(finished.status());
  if (!u || !*ok || !Accepted(*finished)) {
    login_throttle_->Failed(address, email);
    return WrongCredentials();
  }
  // The session works on this gateway from the answer on.
  if (!s_->commands.AwaitApplied(**finished)) {
    return RetryLater("the session is not ready yet; sign in again");
  }
  if (PasswordHasher::NeedsRehash(u->password_hash)) Rehash(*u, password);
  Reply r = JsonReply(200, {{"token", token},
                            {"expires_at", FormatMicros(expires)},
                            {"user", UserJson(*u)}});
  r.Header("Set-Cookie", SessionCookie(token, s_->options.sessions.absolute.count(),
                                       s_->options.secure_cookies));
  r.Header("Cache-Control", "no-store");
  return r;
}

// A hash made with older limits is replaced, in the background, by one
// made with today's.
void IdentityRoutes::Rehash(const projections::UserView& u, const std::string& password) {
  Result<std::string> h = hasher_->Hash(password);
  if (!h.ok()) return;
  fb::CommandEnvelopeT c = SystemCommand(u.id, "rehash");
  fb::ChangePasswordHashT ch;
  ch.password_hash = *h;
  c.command.Set(std::move(ch));
  if (Status s = s_->commands.SendInternal(c); !s.ok()) {
    spdlog::warn("gateway: rehash of {}: {}", u.id, s.ToString());
  }
}

Reply IdentityRoutes::Logout(Call& call) {
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), call.caller().user_id);
  fb::EndSessionT end;
  end.session_id = Sha256Hex(call.caller().token);
  cmd.command.Set(std::move(end));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  // Refused from now on here; other gateways learn it with their next
  // request's read barrier.
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  Reply r = EmptyReply(204);
  r.Header("Set-Cookie", SessionCookie("", 0, s_->options.secure_cookies));
  return r;
}

// My Account -> Change Security Settings: current, new and confirmation.
Reply IdentityRoutes::ChangePassword(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(
      Body b, ReadBody(call.req, {"current_password", "new_password", "confirm_password"}));
  const std::string current = b.Str("current_password", true, 1, 1024);
  const std::string fresh = b.Str("new_password", true, 1, 1024);
  const std::string confirm = b.Str("confirm_password", true, 1, 1024);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const Principal& me = call.caller();
  const std::string address = s_->limits.ClientKey(call.req);
  if (auto wait = login_throttle_->AdmitEmail(address, me.email)) return TooMany(*wait);
  if (fresh != confirm) {
    return Unprocessable("confirm_password", "does not match the new password",
                         "the new password and its confirmation differ", "password.confirm");
  }
  if (auto weak = policy_.Weak(fresh, me.email, me.name)) {
    return Unprocessable("new_password", *weak, "password " + *weak, "user.weak_password");
  }
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(q->User(me.user_id)));
  Result<bool> ok = hasher_->Verify(u ? u->password_hash : "", current);
  if (!ok.ok()) return ProblemFromStatus(ok.status());
  if (!u || !*ok) {
    login_throttle_->Failed(address, me.email);
    return Unprocessable("current_password", "is wrong", "the current password is wrong",
                         "password.current");
  }
  Result<std::string> hash = hasher_->Hash(fresh);
  if (!hash.ok()) return ProblemFromStatus(hash.status());
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(me, me.user_id);
  fb::SetPasswordT set;
  set.purpose = "change";
  set.password_hash = *hash;
  set.kept_session_id = Sha256Hex(me.token);
  cmd.command.Set(std::move(set));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  Reply r = JsonReply(200, {{"message", "Password changed successfully"}});
  CommandClient::AddCommandHeaders(r, s);
  return NoStore(std::move(r));
}

// "Forgot password?": the same 202 whether or not the e-mail is a user's;
// a user's gets a link (TokenIssued, mailed by the notifier).
Reply IdentityRoutes::ForgotPassword(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"email"}));
  const std::string email = b.Str("email", true, 1, 254);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const Reply same = NoStore(JsonReply(
      202, {{"message", "If this e-mail belongs to a user, a link to set a new password is on "
                        "its way. It works for one hour."}}));
  if (links_per_email_->Take(Lower(email))) return same;  // no more mails for now
  const std::string id = aggregates::UserIdForEmail(email);
  fb::CommandEnvelopeT cmd = SystemCommand(id, "reset");
  fb::IssueTokenT t;
  t.purpose = "reset";
  t.token_hash = Sha256Hex(aggregates::LinkToken(link_key_, id, cmd.command_id));
  t.expires_at_us = s_->clock.NowMicros() + ToMicros(s_->options.reset_link_ttl);
  cmd.command.Set(std::move(t));
  // Unknown and disabled users' commands are refused: the same answer.
  Result<std::optional<Sent>> sent = s_->commands.SubmitSystem(cmd);
  if (!sent.ok()) return ProblemFromStatus(sent.status());
  return same;
}

OrReply<std::optional<projections::UserView>> IdentityRoutes::LinkUser(const std::string& token) {
  const std::optional<std::string> id = aggregates::UserOfToken(token);
  if (!id) return std::optional<projections::UserView>();
  s_->positions.AwaitCommitted("identity", PartitionOf(*id), s_->options.command_wait)
      .IgnoreError();
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(q->User(*id)));
  if (!u || u->disabled) return std::optional<projections::UserView>();
  const std::string hash = Sha256Hex(token);
  const int64_t now = s_->clock.NowMicros();
  for (const projections::TokenView& t : u->tokens) {
    if (t.purpose == "reset" && t.token_hash == hash && now < t.expires_at_us) return u;
  }
  return std::optional<projections::UserView>();
}

// Opening the link checks it without using it up.
Reply IdentityRoutes::CheckResetLink(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"token"}));
  const std::string token = b.Str("token", true, 1, 200);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, LinkUser(token));
  if (!u) return InvalidLink();
  return NoStore(JsonReply(200, {{"valid", true}, {"email", u->email}}));
}

// A new password through the link: uses it up, unlocks, ends every
// session, and does not sign in.
Reply IdentityRoutes::ResetPassword(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"token", "password"}));
  const std::string token = b.Str("token", true, 1, 200);
  const std::string password = b.Str("password", true, 1, 1024);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, LinkUser(token));
  if (!u) return InvalidLink();
  if (auto weak = policy_.Weak(password, u->email, u->name)) {
    return NoStore(Unprocessable("password", *weak, "password " + *weak, "user.weak_password"));
  }
  Result<std::string> hash = hasher_->Hash(password);
  if (!hash.ok()) return ProblemFromStatus(hash.status());
  fb::CommandEnvelopeT cmd = SystemCommand(u->id, "reset");
  fb::SetPasswordT set;
  set.purpose = "reset";
  set.token_hash = Sha256Hex(token);
  set.password_hash = *hash;
  cmd.command.Set(std::move(set));
  // The aggregate decides whether the link is still good (used meanwhile?).
  Result<std::optional<Sent>> sent = s_->commands.SubmitSystem(cmd);
  if (!sent.ok()) return ProblemFromStatus(sent.status());
  if (!*sent) return CommandClient::Pending(cmd.command_id);
  if (!Accepted(*sent)) return InvalidLink();
  s_->commands.AwaitApplied(**sent);
  return NoStore(EmptyReply(204));
}

}  // namespace docket::api
