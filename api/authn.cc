#include "api/authn.h"

#include <cstring>

#include "api/problem.h"
#include "api/request.h"
#include "common/text.h"

namespace docket::api {

std::string TokenOf(const Request& req) {
  const std::string auth = HeaderValue(req, "Authorization");
  if (!auth.empty()) {
    if (auth.size() > 7 && Lower(auth.substr(0, 7)) == "bearer ") {
      return auth.substr(7);
    }
    return std::string(1, '\0');  // a malformed Authorization never authenticates
  }
  const std::string cookies = HeaderValue(req, "Cookie");
  const std::string name = std::string(kSessionCookie) + "=";
  std::string_view c = cookies;
  while (!c.empty()) {
    const size_t semi = c.find(';');
    std::string_view kv = c.substr(0, semi);
    c = semi == std::string_view::npos ? std::string_view() : c.substr(semi + 1);
    while (!kv.empty() && kv.front() == ' ') kv.remove_prefix(1);
    if (kv.substr(0, name.size()) == name) return std::string(kv.substr(name.size()));
  }
  return "";
}

std::string SessionCookie(const std::string& token, int64_t max_age_s, bool secure) {
  std::string c = std::string(kSessionCookie) + "=" + token +
                  "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
  if (secure) c += "; Secure";
  return c;
}

OrReply<Principal> Authenticator::Authenticate(const Request& req) const {
  const std::string token = TokenOf(req);
  if (token.empty()) return Unauthenticated("sign in first (POST /api/v1/auth/login)");
  if (!directory_) return RetryLater("the gateway is starting; retry");
  Result<std::optional<Principal>> p = directory_(token, /*fresh=*/true);
  if (!p.ok()) return ProblemFromStatus(p.status());
  if (!*p) return Unauthenticated("the session is unknown, expired or revoked");
  Principal who = std::move(**p);
  who.token = token;
  return who;
}

std::optional<std::string> Authenticator::SessionUser(const Request& req) const {
  const std::string token = TokenOf(req);
  if (token.empty() || !directory_) return std::nullopt;
  Result<std::optional<Principal>> p = directory_(token, /*fresh=*/false);
  if (!p.ok() || !*p) return std::nullopt;
  return (*p)->user_id;
}

}  // namespace docket::api
