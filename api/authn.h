// Authentication of requests: the session token (Authorization: Bearer, or
// the session cookie) and the directory that turns a live session's token
// into a Principal.
//
// Sessions are events of the identity context (on every gateway, across
// restarts), so the directory belongs to that context: it is plugged in
// with SetDirectory() before the gateway starts, and this file knows no
// context. Until the directory says it is ready (its read model caught up),
// signed-in routes answer 503: an unknown user would otherwise look signed
// out.
//
// Thread-safe after SetDirectory().
#ifndef DOCKET_API_AUTHN_H_
#define DOCKET_API_AUTHN_H_

#include <functional>
#include <optional>
#include <string>

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
  // The Principal of a session token: nullopt for no live session (unknown,
  // expired, ended, its user disabled or gone); kUnavailable when the
  // directory cannot answer now. `fresh`: the answer reflects every session
  // event committed before the call (a sign-out on another gateway), at
  // the cost of asking the broker; without it, what this gateway has
  // applied (for checks on the I/O thread that must not wait).
  using Directory =
      std::function<Result<std::optional<Principal>>(const std::string& token, bool fresh)>;

  Authenticator() = default;

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
  // Not fresh (see Directory).
  std::optional<std::string> SessionUser(const Request& req) const;

 private:
  Directory directory_;
  std::function<bool()> ready_;
};

}  // namespace docket::api

#endif  // DOCKET_API_AUTHN_H_
