// Authentication of requests: the session token (Authorization: Bearer, or
// the session cookie), the session store, and the directory that turns a
// session's user id into a Principal.
//
// The directory belongs to a context (identity): it is plugged in with
// SetDirectory() before the gateway starts, so this file knows no context.
// Until the directory says it is ready (its read model caught up), signed-in
// routes answer 503: an unknown user would otherwise look signed out.
//
// Thread-safe after SetDirectory().
#ifndef DOCKET_API_AUTHN_H_
#define DOCKET_API_AUTHN_H_

#include <functional>
#include <optional>
#include <string>

#include "api/auth.h"
#include "api/or_reply.h"
#include "api/principal.h"

namespace docket::api {

inline constexpr const char* kSessionCookie = "docket_session";

// The request's session token: the Bearer token, else the session cookie,
// else "". A malformed Authorization header yields a token that never
// authenticates.
std::string TokenOf(const Request& req);
// The Set-Cookie value carrying `token` (HttpOnly, SameSite=Strict, Path=/).
std::string SessionCookie(const std::string& token, int64_t max_age_s, bool secure);

class Authenticator {
 public:
  // The Principal of a user id: nullopt for a user that does not exist (any
  // more); kUnavailable when the directory cannot answer now.
  using Directory = std::function<Result<std::optional<Principal>>(const std::string& user_id)>;

  explicit Authenticator(SessionStore* sessions) : sessions_(sessions) {}

  void SetDirectory(Directory directory, std::function<bool()> ready) {
    directory_ = std::move(directory);
    ready_ = std::move(ready);
  }
  // True once the directory can answer (false when none is set).
  bool Ready() const { return ready_ && ready_(); }
  // The caller, or 401 (no, unknown, expired or revoked session) / 503.
  OrReply<Principal> Authenticate(const Request& req) const;
  // The user of the request's live session, if it has one (uploads are
  // refused before their body is read otherwise, and counted per user).
  std::optional<std::string> SessionUser(const Request& req) const;
  SessionStore& sessions() const { return *sessions_; }

 private:
  SessionStore* sessions_;
  Directory directory_;
  std::function<bool()> ready_;
};

}  // namespace docket::api

#endif  // DOCKET_API_AUTHN_H_
