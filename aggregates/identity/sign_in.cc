#include "aggregates/identity/sign_in.h"

#include <algorithm>

#include "aggregates/identity/identity_rules.h"
#include "aggregates/rules.h"
#include "common/clock.h"
#include "common/hash.h"

namespace docket::aggregates {
namespace {

using fb::ResultCode;
using fb::Role;

constexpr const char* kReset = "reset";
constexpr const char* kChange = "change";
constexpr const char* kActivation = "activation";
constexpr const char* kUnlock = "unlock";

bool IsHex64(const std::string& s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

Events One(fb::EventUnion e) {
  Events out;
  out.push_back(std::move(e));
  return out;
}

template <typename T>
fb::EventUnion Event(T payload) {
  fb::EventUnion e;
  e.Set(std::move(payload));
  return e;
}

// The user's security state (an empty one before the first sign-in).
const fb::UserSecurityT& Security(const fb::PortalSnapshotT& s) {
  static const fb::UserSecurityT kNone;
  return s.security ? *s.security : kNone;
}

// Failed sign-ins still inside the window, and attempts not yet void.
int Counted(const fb::UserSecurityT& sec, int64_t now, const IdentityLimits& lim) {
  const int64_t since = now - ToMicros(lim.failed_login_window);
  int n = static_cast<int>(
      std::count_if(sec.failures_us.begin(), sec.failures_us.end(),
                    [&](int64_t t) { return t > since; }));
  for (const auto& a : sec.attempts) n += a->expires_at_us > now ? 1 : 0;
  return n;
}

const fb::LoginAttemptT* Attempt(const fb::UserSecurityT& sec, const std::string& id) {
  for (const auto& a : sec.attempts) {
    if (a->attempt_id == id) return a.get();
  }
  return nullptr;
}

const fb::SessionRefT* FindSession(const fb::UserSecurityT& sec, const std::string& id) {
  for (const auto& x : sec.sessions) {
    if (x->session_id == id) return x.get();
  }
  return nullptr;
}

const fb::TokenRefT* Token(const fb::UserSecurityT& sec, const std::string& purpose) {
  for (const auto& t : sec.tokens) {
    if (t->purpose == purpose) return t.get();
  }
  return nullptr;
}

std::optional<Rejection> OnlyTheGateway(const fb::CommandEnvelopeT& cmd) {
  if (cmd.actor->role != Role::System) {
    return Reject(ResultCode::PermissionDenied, "login.system_only",
                  "only the gateway signs users in");
  }
  return std::nullopt;
}

Rejection UnknownUser(const fb::CommandEnvelopeT& cmd) {
  return Reject(ResultCode::NotFound, "user.not_found", "user " + cmd.aggregate_id + " not found");
}

Decision DecideBegin(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd, int64_t now,
                     const IdentityLimits& lim) {
  const fb::UserSecurityT& sec = Security(s);
  if (sec.disabled) return Reject(ResultCode::FailedPrecondition, "user.disabled", "disabled");
  if (sec.locked) return Reject(ResultCode::FailedPrecondition, "user.locked", "locked");
  if (Counted(sec, now, lim) >= lim.max_failed_logins) {
    return Reject(ResultCode::FailedPrecondition, "user.login_busy",
                  "as many sign-ins are open or failed as the lock-out allows");
  }
  fb::LoginStartedT e;
  e.attempt_id = cmd.command_id;
  e.expires_at_us = now + ToMicros(lim.login_attempt_timeout);
  return One(Event(std::move(e)));
}

Decision DecideFinish(const fb::PortalSnapshotT& s, const fb::FinishLoginT& c, int64_t now,
                      const IdentityLimits& lim) {
  const fb::UserSecurityT& sec = Security(s);
  const fb::LoginAttemptT* a = Attempt(sec, c.attempt_id);
  if (!a || a->expires_at_us <= now) {
    return Reject(ResultCode::FailedPrecondition, "login.attempt_unknown",
                  "no open sign-in attempt " + c.attempt_id);
  }
  Events out;
  const bool stale = !c.checked_hash_sha256.empty() &&
                     c.checked_hash_sha256 != Sha256Hex(s.user->password_hash);
  if (!c.succeeded && stale) {
    // Checked against a hash that is no longer the user's (the gateway's
    // read model was behind a new password): not the user's failure.
    return Reject(ResultCode::FailedPrecondition, "login.stale_password",
                  "the password was checked against a hash that is no longer the user's");
  }
  if (!c.succeeded) {
    fb::LoginFailedT f;
    f.attempt_id = c.attempt_id;
    out.push_back(Event(std::move(f)));
    // This failure, and those before it in the window, count.
    const int64_t since = now - ToMicros(lim.failed_login_window);
    const int failures = 1 + static_cast<int>(std::count_if(
                                 sec.failures_us.begin(), sec.failures_us.end(),
                                 [&](int64_t t) { return t > since; }));
    if (failures >= lim.max_failed_logins && !sec.locked) {
      fb::UserLockedT l;
      l.reason = "failed_logins";
      out.push_back(Event(std::move(l)));
    }
    return out;
  }
  if (sec.disabled || sec.locked) {
    return Reject(ResultCode::FailedPrecondition, sec.disabled ? "user.disabled" : "user.locked",
                  "the user cannot sign in now");
  }
  if (stale) {
    return Reject(ResultCode::FailedPrecondition, "login.stale_password",
                  "the password was checked against a hash that is no longer the user's");
  }
  if (!IsHex64(c.session_id) || c.expires_at_us <= now) {
    return Invalid("login.session", "session_id", "must be 64 hex digits, expiring later");
  }
  // Sessions past their expiry, and the oldest beyond the limit, end.
  std::vector<const fb::SessionRefT*> live;
  for (const auto& x : sec.sessions) {
    if (x->expires_at_us <= now) {
      fb::SessionEndedT ended;
      ended.session_id = x->session_id;
      ended.reason = "expired";
      out.push_back(Event(std::move(ended)));
    } else {
      live.push_back(x.get());
    }
  }
  for (size_t i = 0; i + lim.max_sessions <= live.size(); ++i) {
    fb::SessionEndedT ended;
    ended.session_id = live[i]->session_id;
    ended.reason = "limit";
    out.push_back(Event(std::move(ended)));
  }
  fb::LoginSucceededT ok;
  ok.attempt_id = c.attempt_id;
  ok.session_id = c.session_id;
  ok.expires_at_us = c.expires_at_us;
  out.push_back(Event(std::move(ok)));
  return out;
}

Decision DecideSession(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                       const std::string& session_id, bool end, int64_t now) {
  const fb::UserSecurityT& sec = Security(s);
  if (cmd.actor->role != Role::System && cmd.actor->user_id != cmd.aggregate_id) {
    return Reject(ResultCode::PermissionDenied, "session.own_only",
                  "only the user ends their sessions");
  }
  const fb::SessionRefT* x = FindSession(sec, session_id);
  if (!x || (!end && x->expires_at_us <= now)) {
    return Reject(ResultCode::NotFound, "session.not_found", "no such live session");
  }
  if (end) {
    fb::SessionEndedT e;
    e.session_id = session_id;
    e.reason = "logout";
    return One(Event(std::move(e)));
  }
  fb::SessionTouchedT t;
  t.session_id = session_id;
  return One(Event(std::move(t)));
}

Decision DecideIssueToken(const fb::PortalSnapshotT& s, const fb::IssueTokenT& c, int64_t now) {
  const fb::UserSecurityT& sec = Security(s);
  if (c.purpose != kReset && c.purpose != kActivation && c.purpose != kUnlock) {
    return Invalid("token.purpose", "purpose", "must be \"reset\", \"activation\" or \"unlock\"");
  }
  if (!IsHex64(c.token_hash)) return Invalid("token.hash", "token_hash", "must be 64 hex digits");
  if (c.expires_at_us <= now) return Invalid("token.expiry", "expires_at_us", "must be later");
  if (sec.disabled) return Reject(ResultCode::FailedPrecondition, "user.disabled", "disabled");
  if (c.purpose == kActivation && !s.user->password_hash.empty()) {
    return Reject(ResultCode::FailedPrecondition, "user.active",
                  "the user has activated their account already");
  }
  if (c.purpose == kUnlock) {
    if (!sec.locked) {
      return Reject(ResultCode::FailedPrecondition, "user.not_locked", "the user is not locked");
    }
    // Without a challenge question a link alone would be enough: the user
    // is told to reset the password instead.
    if (sec.challenge_question.empty()) return One(Event(fb::UnlockAdvisedT{}));
  }
  fb::TokenIssuedT e;
  e.purpose = c.purpose;
  e.token_hash = c.token_hash;
  e.expires_at_us = c.expires_at_us;
  return One(Event(std::move(e)));
}

// One answer for a link that is wrong, used, replaced or expired.
std::optional<Rejection> CheckLink(const fb::UserSecurityT& sec, const fb::CommandEnvelopeT& cmd,
                                   const char* purpose, const std::string& token_hash,
                                   int64_t now) {
  const fb::TokenRefT* t = Token(sec, purpose);
  if (cmd.actor->role != Role::System || !t || t->token_hash != token_hash ||
      t->expires_at_us <= now) {
    return Reject(ResultCode::FailedPrecondition, "token.invalid",
                  "the link is invalid or has expired");
  }
  return std::nullopt;
}

Decision DecideSetPassword(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                           const fb::SetPasswordT& c, int64_t now) {
  const fb::UserSecurityT& sec = Security(s);
  if (c.password_hash.rfind("$argon2id$", 0) != 0) {
    return Invalid("user.password_hash", "password_hash", "must be an Argon2id hash");
  }
  if (sec.disabled) return Reject(ResultCode::FailedPrecondition, "user.disabled", "disabled");
  Events out;
  fb::PasswordSetT set;
  set.password_hash = c.password_hash;
  set.purpose = c.purpose;
  fb::SessionsEndedT ended;
  ended.reason = "password_" + c.purpose;
  if (c.purpose == kActivation) {
    if (auto r = CheckLink(sec, cmd, kActivation, c.token_hash, now)) return *r;
    out.push_back(Event(std::move(set)));
    if (sec.locked) {  // strangers' guesses before the first password
      fb::UserUnlockedT u;
      u.reason = "activation";
      out.push_back(Event(std::move(u)));
    }
    return out;
  }
  if (c.purpose == kReset) {
    if (auto r = CheckLink(sec, cmd, kReset, c.token_hash, now)) return *r;
    out.push_back(Event(std::move(set)));
    if (sec.locked) {
      fb::UserUnlockedT u;
      u.reason = "password_reset";
      out.push_back(Event(std::move(u)));
    }
  } else if (c.purpose == kChange) {
    if (cmd.actor->role != Role::System && cmd.actor->user_id != cmd.aggregate_id) {
      return Reject(ResultCode::PermissionDenied, "user.own_password",
                    "only the user changes their password");
    }
    out.push_back(Event(std::move(set)));
    ended.kept_session_id = c.kept_session_id;
  } else {
    return Invalid("password.purpose", "purpose",
                   "must be \"change\", \"reset\" or \"activation\"");
  }
  out.push_back(Event(std::move(ended)));
  return out;
}

Decision DecideEnabled(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd, bool enable) {
  if (!identity_rules::IsStaff(*cmd.actor)) {
    return Reject(ResultCode::PermissionDenied, "user.staff_only", "only staff disable users");
  }
  if (cmd.actor->user_id == cmd.aggregate_id) {
    return Reject(ResultCode::FailedPrecondition, "user.self", "staff cannot disable themselves");
  }
  if (Security(s).disabled != enable) {
    return Reject(ResultCode::FailedPrecondition, enable ? "user.enabled" : "user.disabled",
                  enable ? "the user is not disabled" : "the user is disabled already");
  }
  if (enable) return One(Event(fb::UserEnabledT{}));
  Events out;
  fb::UserDisabledT d;
  d.reason = "staff";
  out.push_back(Event(std::move(d)));
  fb::SessionsEndedT ended;
  ended.reason = "disabled";
  out.push_back(Event(std::move(ended)));
  return out;
}

Decision DecideUnlock(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                      const fb::UnlockUserT& c, int64_t now) {
  const fb::UserSecurityT& sec = Security(s);
  if (!c.token_hash.empty()) {
    // The unlock link (the gateway checked the challenge answer).
    if (auto r = CheckLink(sec, cmd, kUnlock, c.token_hash, now)) return *r;
    if (!sec.locked || sec.disabled) {
      return Reject(ResultCode::FailedPrecondition, "token.invalid",
                    "the link is invalid or has expired");
    }
    fb::UserUnlockedT u;
    u.reason = "unlock_link";
    return One(Event(std::move(u)));
  }
  if (!identity_rules::IsStaff(*cmd.actor)) {
    return Reject(ResultCode::PermissionDenied, "user.staff_only", "only staff unlock users");
  }
  if (!sec.locked) {
    return Reject(ResultCode::FailedPrecondition, "user.not_locked", "the user is not locked");
  }
  fb::UserUnlockedT u;
  u.reason = cmd.actor->role == Role::System ? "system" : "staff";
  return One(Event(std::move(u)));
}

}  // namespace

bool IsSignInCommand(fb::Command type) {
  switch (type) {
    case fb::Command::BeginLogin:
    case fb::Command::FinishLogin:
    case fb::Command::EndSession:
    case fb::Command::TouchSession:
    case fb::Command::IssueToken:
    case fb::Command::SetPassword:
    case fb::Command::SetUserEnabled:
    case fb::Command::UnlockUser:
      return true;
    default:
      return false;
  }
}

Decision DecideSignIn(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                      int64_t now, const IdentityLimits& lim) {
  if (!s.user) return UnknownUser(cmd);
  const fb::CommandUnion& c = cmd.command;
  switch (c.type) {
    case fb::Command::BeginLogin:
      if (auto r = OnlyTheGateway(cmd)) return *r;
      return DecideBegin(s, cmd, now, lim);
    case fb::Command::FinishLogin:
      if (auto r = OnlyTheGateway(cmd)) return *r;
      return DecideFinish(s, *c.AsFinishLogin(), now, lim);
    case fb::Command::EndSession:
      return DecideSession(s, cmd, c.AsEndSession()->session_id, true, now);
    case fb::Command::TouchSession:
      return DecideSession(s, cmd, c.AsTouchSession()->session_id, false, now);
    case fb::Command::IssueToken:
      if (auto r = OnlyTheGateway(cmd)) return *r;
      return DecideIssueToken(s, *c.AsIssueToken(), now);
    case fb::Command::SetPassword:
      return DecideSetPassword(s, cmd, *c.AsSetPassword(), now);
    case fb::Command::SetUserEnabled:
      return DecideEnabled(s, cmd, c.AsSetUserEnabled()->enabled);
    case fb::Command::UnlockUser:
      return DecideUnlock(s, cmd, *c.AsUnlockUser(), now);
    default:
      return Invalid("command.context", "command", "is not a sign-in command");
  }
}

bool IsSignInEvent(fb::Event type) {
  return type >= fb::Event::LoginStarted && type <= fb::Event::PasswordSet;
}

Status FoldSignIn(fb::PortalSnapshotT& s, const fb::EventUnion& e, int64_t at) {
  if (!s.user) {
    return DataLossError(std::string(fb::EnumNameEvent(e.type)) + " before UserCreated");
  }
  if (!s.security) s.security = std::make_unique<fb::UserSecurityT>();
  fb::UserSecurityT& sec = *s.security;
  auto drop_attempt = [&](const std::string& id) {
    std::erase_if(sec.attempts, [&](const auto& a) { return a->attempt_id == id; });
  };
  switch (e.type) {
    case fb::Event::LoginStarted: {
      // Attempts that ran out are forgotten as new ones start.
      std::erase_if(sec.attempts, [&](const auto& a) { return a->expires_at_us <= at; });
      auto a = std::make_unique<fb::LoginAttemptT>();
      a->attempt_id = e.AsLoginStarted()->attempt_id;
      a->expires_at_us = e.AsLoginStarted()->expires_at_us;
      sec.attempts.push_back(std::move(a));
      break;
    }
    case fb::Event::LoginSucceeded: {
      drop_attempt(e.AsLoginSucceeded()->attempt_id);
      sec.failures_us.clear();
      auto x = std::make_unique<fb::SessionRefT>();
      x->session_id = e.AsLoginSucceeded()->session_id;
      x->expires_at_us = e.AsLoginSucceeded()->expires_at_us;
      sec.sessions.push_back(std::move(x));
      break;
    }
    case fb::Event::LoginFailed:
      drop_attempt(e.AsLoginFailed()->attempt_id);
      sec.failures_us.push_back(at);
      // Only the last few matter to the lock-out.
      if (sec.failures_us.size() > 64) sec.failures_us.erase(sec.failures_us.begin());
      break;
    case fb::Event::UserLocked:
      sec.locked = true;
      break;
    case fb::Event::UserUnlocked:
      sec.locked = false;
      sec.failures_us.clear();
      std::erase_if(sec.tokens, [](const auto& x) { return x->purpose == kUnlock; });
      break;
    case fb::Event::SessionEnded:
      std::erase_if(sec.sessions, [&](const auto& x) {
        return x->session_id == e.AsSessionEnded()->session_id;
      });
      break;
    case fb::Event::SessionsEnded:
      std::erase_if(sec.sessions, [&](const auto& x) {
        return x->session_id != e.AsSessionsEnded()->kept_session_id;
      });
      break;
    case fb::Event::SessionTouched:
      break;
    case fb::Event::UserDisabled:
      sec.disabled = true;
      sec.attempts.clear();
      break;
    case fb::Event::UserEnabled:
      sec.disabled = false;
      break;
    case fb::Event::TokenIssued: {
      const auto* t = e.AsTokenIssued();
      std::erase_if(sec.tokens, [&](const auto& x) { return x->purpose == t->purpose; });
      auto x = std::make_unique<fb::TokenRefT>();
      x->purpose = t->purpose;
      x->token_hash = t->token_hash;
      x->expires_at_us = t->expires_at_us;
      sec.tokens.push_back(std::move(x));
      break;
    }
    case fb::Event::PasswordSet: {
      const auto* p = e.AsPasswordSet();
      s.user->password_hash = p->password_hash;
      // A reset or an activation uses its link up; any new password voids
      // a pending reset or activation link.
      std::erase_if(sec.tokens, [](const auto& x) {
        return x->purpose == kReset || x->purpose == kActivation;
      });
      break;
    }
    default:
      return DataLossError(std::string(fb::EnumNameEvent(e.type)) + " is not a sign-in event");
  }
  return Status::Ok();
}

}  // namespace docket::aggregates
