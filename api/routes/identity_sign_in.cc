// The identity routes of sign-in, sign-out and passwords (identity.h says
// the protocol).
#include <spdlog/spdlog.h>

#include <future>

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

Reply WrongCredentials() {
  return Problem(401, "invalid-credentials", "the username or the password is wrong");
}

// One answer for every link that cannot be used: unknown, tampered, used,
// replaced or expired.
Reply InvalidLink() {
  Reply r = Problem(400, "invalid-link", "the link is invalid or has expired; ask for a new one",
                    {{"rule", "token.invalid"}});
  r.Header("Referrer-Policy", "no-referrer");
  return r;
}

// "Username" is an e-mail or a username: `login`, or `email` as before.
OrReply<std::string> LoginField(Body& b) {
  if (b.Has("login") && b.Has("email")) {
    b.Fail("login", "give either login (an e-mail or a username) or email, not both");
    return std::string();
  }
  return b.Str(b.Has("login") ? "login" : "email", true, 1, 254);
}

}  // namespace

OrReply<std::string> IdentityRoutes::UserIdOfLogin(const std::string& login) {
  if (login.find('@') != std::string::npos || !aggregates::ValidUsername(login)) {
    return aggregates::UserIdForEmail(login);
  }
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u,
                         OrProblem(q->UserByUsername(login)));
  return u ? u->id : aggregates::UserIdForEmail(login);
}

Reply IdentityRoutes::Login(Call& call) {
  const std::string address = s_->limits.ClientKey(call.req);
  if (auto wait = login_throttle_->AdmitAddress(address)) return TooMany(*wait);
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"login", "email", "password"}));
  DOCKET_ASSIGN_OR_REPLY(const std::string email, LoginField(b));
  const std::string password = b.Str("password", true, 1, 1024);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  // Guessing one account's password from many addresses is slowed too,
  // without refusing a client that has not been failing (LoginThrottle).
  if (auto wait = login_throttle_->AdmitEmail(address, Lower(email))) return TooMany(*wait);
  DOCKET_ASSIGN_OR_REPLY(const std::string id, UserIdOfLogin(email));

  // 1. An attempt the lock-out counts. It is decided while the password
  // is checked (below), and the check counts only when it was granted, so
  // parallel guesses learn nothing beyond the limit; an unknown, locked or
  // disabled user's attempt is refused. Deciding it alongside the check,
  // which takes far longer, makes every kind of failure take as long.
  fb::CommandEnvelopeT begin = SystemCommand(id, "login");
  begin.command.Set(fb::BeginLoginT{});
  std::future<Result<std::optional<Sent>>> started = std::async(
      std::launch::async, [this, begin] { return s_->commands.SubmitSystem(begin); });
  // 2. The password, against the user's hash in this gateway's read model
  // (the aggregate refuses a success checked against a hash that is no
  // longer the user's), or against a dummy hash for a user not there.
  std::optional<projections::UserView> u;
  {
    DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
    DOCKET_ASSIGN_OR_REPLY(u, OrProblem(q->User(id)));
  }
  const std::string& hash = u ? u->password_hash : std::string();
  Result<bool> ok = hasher_->Verify(hash, password);
  Result<std::optional<Sent>> begun = started.get();
  if (!begun.ok()) return ProblemFromStatus(begun.status());
  const bool attempt = Accepted(*begun);
  if (!ok.ok() && attempt) {
    // The hasher was full (a flood of guesses): a granted attempt is
    // checked now, as at most lockout-failures of them are open at once.
    ok = hasher_->Verify(hash, password, /*even_if_full=*/true);
    if (!ok.ok()) return ProblemFromStatus(ok.status());  // the attempt times out
  }
  if (!ok.ok()) ok = false;  // a refused attempt fails whatever the check says
  // 3. The outcome, always (a refused attempt's finish is refused too). A
  // failure is answered once it is on the log, whatever the decider says.
  const std::string token = id + "." + RandomHex(32);
  const int64_t now = s_->clock.NowMicros();
  const int64_t expires = now + ToMicros(s_->options.sessions.absolute);
  fb::CommandEnvelopeT finish = SystemCommand(id, "login");
  fb::FinishLoginT f;
  f.attempt_id = begin.command_id;
  f.succeeded = attempt && u && *ok;
  f.session_id = Sha256Hex(token);
  f.expires_at_us = expires;
  if (u) f.checked_hash_sha256 = Sha256Hex(u->password_hash);
  const bool succeeded = f.succeeded;
  finish.command.Set(std::move(f));
  if (!succeeded) {
    if (Status st = s_->commands.SendInternal(finish); !st.ok()) return ProblemFromStatus(st);
    login_throttle_->Failed(address, Lower(email));
    return WrongCredentials();
  }
  Result<std::optional<Sent>> finished = s_->commands.SubmitSystem(finish);
  if (!finished.ok()) return ProblemFromStatus(finished.status());
  if (!Accepted(*finished)) {  // locked, disabled or a new password meanwhile
    login_throttle_->Failed(address, Lower(email));
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

// "Forgot password?": the same 202 whether or not the e-mail or username is
// a user's; a user's gets a link (TokenIssued, mailed by the notifier). The
// answer comes once the command is on the log, before it is decided, so it
// takes as long whoever it names.
Reply IdentityRoutes::ForgotPassword(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"login", "email"}));
  DOCKET_ASSIGN_OR_REPLY(const std::string login, LoginField(b));
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const Reply same = NoStore(JsonReply(
      202, {{"message", "If this is a user's, a link to set a new password is on its way to "
                        "their e-mail. It works for one hour."}}));
  if (links_per_email_->Take(Lower(login))) return same;  // no more mails for now
  DOCKET_ASSIGN_OR_REPLY(const std::string id, UserIdOfLogin(login));
  // Unknown and disabled users' commands are refused: the same answer.
  if (Status st = SendLink(id, "reset", s_->options.reset_link_ttl); !st.ok()) {
    return ProblemFromStatus(st);
  }
  return same;
}

fb::CommandEnvelopeT IdentityRoutes::LinkCommand(const std::string& id, const char* purpose,
                                                 std::chrono::seconds ttl) const {
  fb::CommandEnvelopeT cmd = SystemCommand(id, purpose);
  fb::IssueTokenT t;
  t.purpose = purpose;
  t.token_hash = Sha256Hex(aggregates::LinkToken(link_key_, id, cmd.command_id));
  t.expires_at_us = s_->clock.NowMicros() + ToMicros(ttl);
  cmd.command.Set(std::move(t));
  return cmd;
}

Result<std::optional<Sent>> IdentityRoutes::IssueLink(const std::string& id, const char* purpose,
                                                      std::chrono::seconds ttl) {
  return s_->commands.SubmitSystem(LinkCommand(id, purpose, ttl));
}

Status IdentityRoutes::SendLink(const std::string& id, const char* purpose,
                                std::chrono::seconds ttl) {
  return s_->commands.SendInternal(LinkCommand(id, purpose, ttl));
}

OrReply<std::optional<projections::UserView>> IdentityRoutes::LinkUser(const std::string& token,
                                                                        const char* purpose) {
  const std::optional<std::string> id = aggregates::UserOfToken(token);
  if (!id) return std::optional<projections::UserView>();
  Barrier(*id);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(q->User(*id)));
  if (!u || u->disabled) return std::optional<projections::UserView>();
  const std::string hash = Sha256Hex(token);
  const int64_t now = s_->clock.NowMicros();
  for (const projections::TokenView& t : u->tokens) {
    if (t.purpose == purpose && t.token_hash == hash && now < t.expires_at_us) return u;
  }
  return std::optional<projections::UserView>();
}

nlohmann::json IdentityRoutes::QuestionJson(const std::string& id) const {
  if (id.empty()) return nullptr;
  for (const auto& q : questions_) {
    if (q.id == id) return {{"id", q.id}, {"text", q.text}};
  }
  return {{"id", id}, {"text", id}};  // a question since removed from the list
}

std::optional<Reply> IdentityRoutes::RightAnswer(Call& call, const projections::UserView& u,
                                                const std::string& answer) {
  OrReply<bool> right = AnswerIsRight(call, u, answer);
  if (auto* reply = std::get_if<Reply>(&right)) return std::move(*reply);
  if (std::get<bool>(right)) return std::nullopt;
  return NoStore(Unprocessable("answer", "is wrong", "the answer to the challenge question is wrong",
                               "user.challenge_answer"));
}

OrReply<bool> IdentityRoutes::AnswerIsRight(Call& call, const projections::UserView& u,
                                            const std::string& answer) {
  if (u.challenge_hash.empty()) return true;
  const std::string address = s_->limits.ClientKey(call.req);
  if (auto wait = login_throttle_->AdmitEmail(address, Lower(u.email))) return TooMany(*wait);
  Result<bool> ok = hasher_->Verify(u.challenge_hash, aggregates::NormalizeChallengeAnswer(answer));
  if (!ok.ok()) return ProblemFromStatus(ok.status());
  if (!*ok) login_throttle_->Failed(address, Lower(u.email));
  return *ok;
}

// Opening the link checks it without using it up.
Reply IdentityRoutes::CheckResetLink(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"token"}));
  const std::string token = b.Str("token", true, 1, 200);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, LinkUser(token, "reset"));
  if (!u) return InvalidLink();
  return NoStore(JsonReply(200, {{"valid", true},
                                 {"email", u->email},
                                 {"challenge_question", QuestionJson(u->challenge_question)}}));
}

// A new password through the link (plus the challenge answer when the
// user has a question): uses it up, unlocks, ends every session, and does
// not sign in.
Reply IdentityRoutes::ResetPassword(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"token", "password", "answer"}));
  const std::string token = b.Str("token", true, 1, 200);
  const std::string password = b.Str("password", true, 1, 1024);
  const std::string answer = b.Str("answer", false, 1, 200);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, LinkUser(token, "reset"));
  if (!u) return InvalidLink();
  if (!u->challenge_hash.empty() && answer.empty()) {
    return NoStore(Unprocessable("answer", "is required", "answer the challenge question",
                                 "user.challenge_answer"));
  }
  if (auto weak = policy_.Weak(password, u->email, u->name)) {
    return NoStore(Unprocessable("password", *weak, "password " + *weak, "user.weak_password"));
  }
  DOCKET_RETURN_IF_REPLY(RightAnswer(call, *u, answer));
  return SetPasswordWithLink(*u, token, password, "reset");
}

Reply IdentityRoutes::SetPasswordWithLink(const projections::UserView& u, const std::string& token,
                                          const std::string& password, const char* purpose) {
  Result<std::string> hash = hasher_->Hash(password);
  if (!hash.ok()) return ProblemFromStatus(hash.status());
  fb::CommandEnvelopeT cmd = SystemCommand(u.id, purpose);
  fb::SetPasswordT set;
  set.purpose = purpose;
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

// The invitation's page: who is being activated.
Reply IdentityRoutes::CheckActivationLink(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"token"}));
  const std::string token = b.Str("token", true, 1, 200);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, LinkUser(token, "activation"));
  if (!u) return InvalidLink();
  return NoStore(JsonReply(200, {{"valid", true}, {"email", u->email}, {"name", u->name}}));
}

// The first password, through the invitation's link; then the user signs in.
Reply IdentityRoutes::Activate(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"token", "password"}));
  const std::string token = b.Str("token", true, 1, 200);
  const std::string password = b.Str("password", true, 1, 1024);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, LinkUser(token, "activation"));
  if (!u) return InvalidLink();
  if (auto weak = policy_.Weak(password, u->email, u->name)) {
    return NoStore(Unprocessable("password", *weak, "password " + *weak, "user.weak_password"));
  }
  return SetPasswordWithLink(*u, token, password, "activation");
}

// "Unlock account?": the same 202 for every e-mail or username. A locked
// user with a challenge question gets an unlock link; one without is told
// to reset the password (UnlockAdvised); anyone else gets nothing.
Reply IdentityRoutes::RequestUnlock(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"login", "email"}));
  DOCKET_ASSIGN_OR_REPLY(const std::string login, LoginField(b));
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const Reply same = NoStore(JsonReply(
      202, {{"message", "If this is a locked user's, an e-mail on how to unlock it is on its way "
                        "to them."}}));
  if (links_per_email_->Take(Lower(login))) return same;
  DOCKET_ASSIGN_OR_REPLY(const std::string id, UserIdOfLogin(login));
  if (Status st = SendLink(id, "unlock", s_->options.unlock_link_ttl); !st.ok()) {
    return ProblemFromStatus(st);
  }
  return same;
}

Reply IdentityRoutes::CheckUnlockLink(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"token"}));
  const std::string token = b.Str("token", true, 1, 200);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, LinkUser(token, "unlock"));
  if (!u) return InvalidLink();
  return NoStore(JsonReply(
      200, {{"valid", true}, {"challenge_question", QuestionJson(u->challenge_question)}}));
}

// The unlock link and the challenge answer, together, unlock.
Reply IdentityRoutes::UnlockWithLink(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"token", "answer"}));
  const std::string token = b.Str("token", true, 1, 200);
  const std::string answer = b.Str("answer", true, 1, 200);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, LinkUser(token, "unlock"));
  if (!u || u->challenge_hash.empty()) return InvalidLink();
  DOCKET_RETURN_IF_REPLY(RightAnswer(call, *u, answer));
  fb::CommandEnvelopeT cmd = SystemCommand(u->id, "unlock");
  fb::UnlockUserT unlock;
  unlock.token_hash = Sha256Hex(token);
  cmd.command.Set(std::move(unlock));
  Result<std::optional<Sent>> sent = s_->commands.SubmitSystem(cmd);
  if (!sent.ok()) return ProblemFromStatus(sent.status());
  if (!*sent) return CommandClient::Pending(cmd.command_id);
  if (!Accepted(*sent)) return InvalidLink();
  s_->commands.AwaitApplied(**sent);
  return NoStore(EmptyReply(204));
}

Reply IdentityRoutes::ChallengeQuestions(Call&) {
  json list = json::array();
  for (const auto& q : questions_) list.push_back({{"id", q.id}, {"text", q.text}});
  return JsonReply(200, {{"data", list}});
}

// My Account -> Change Security Settings: the challenge question and its
// answer, with the current password.
Reply IdentityRoutes::SetChallenge(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b,
                         ReadBody(call.req, {"question_id", "answer", "current_password"}));
  const std::string question = b.Str("question_id", true, 1, 64);
  const std::string answer = b.Str("answer", true, 1, 200);
  const std::string current = b.Str("current_password", true, 1, 1024);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const std::string normal = aggregates::NormalizeChallengeAnswer(answer);
  if (Utf8Length(normal) < 2) {
    return Unprocessable("answer", "must have at least 2 letters or digits",
                         "the answer is too short", "user.challenge_answer");
  }
  const Principal& me = call.caller();
  if (Lower(normal) == Lower(me.email) || normal == NormalizeForMatch(me.name)) {
    return Unprocessable("answer", "must not be your name or e-mail",
                         "the answer is your name or e-mail", "user.challenge_answer");
  }
  const std::string address = s_->limits.ClientKey(call.req);
  if (auto wait = login_throttle_->AdmitEmail(address, Lower(me.email))) return TooMany(*wait);
  DOCKET_ASSIGN_OR_REPLY(Queries q, Reads());
  DOCKET_ASSIGN_OR_REPLY(std::optional<projections::UserView> u, OrProblem(q->User(me.user_id)));
  Result<bool> ok = hasher_->Verify(u ? u->password_hash : "", current);
  if (!ok.ok()) return ProblemFromStatus(ok.status());
  if (!u || !*ok) {
    login_throttle_->Failed(address, Lower(me.email));
    return Unprocessable("current_password", "is wrong", "the current password is wrong",
                         "password.current");
  }
  Result<std::string> hash = hasher_->Hash(normal);
  if (!hash.ok()) return ProblemFromStatus(hash.status());
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(me, me.user_id);
  fb::SetChallengeT set;
  set.question_id = question;
  set.answer_hash = *hash;
  cmd.command.Set(std::move(set));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  Reply r = JsonReply(200, {{"message", "Challenge question saved"},
                            {"challenge_question", QuestionJson(question)}});
  CommandClient::AddCommandHeaders(r, s);
  return NoStore(std::move(r));
}

}  // namespace docket::api
