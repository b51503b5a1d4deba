// Who the client is (its address, behind trusted proxies) and the rate
// limits every route shares: per client address and per signed-in user
// (token buckets, api/rate_limiter.h). A context module adds limits of its
// own (login attempts) keyed with ClientKey().
//
// Thread-safe.
#ifndef DOCKET_API_CLIENT_LIMITS_H_
#define DOCKET_API_CLIENT_LIMITS_H_

#include <optional>
#include <set>
#include <string>

#include "api/auth.h"
#include "api/http.h"
#include "common/clock.h"

namespace docket::api {

struct ClientLimitOptions {
  RateLimit per_address{200, 400};
  RateLimit per_user{100, 200};
  // Peers whose X-Forwarded-For names the client (a TLS proxy in front).
  std::set<std::string> trusted_proxies;
};

class ClientLimits {
 public:
  ClientLimits(ClientLimitOptions options, const Clock& clock);

  // The peer, or behind a trusted proxy the last address of X-Forwarded-For
  // that is not itself a trusted proxy; canonical (api/client_address.h),
  // so IPv4-mapped forms of a trusted proxy match it too.
  std::string ClientAddress(const Request& req) const;
  // What limits count the client by: ClientAddress, an IPv6 one by its /64.
  std::string ClientKey(const Request& req) const;
  // A 429 when the client's address, or the user, is over its limit.
  std::optional<Reply> TakeAddress(const Request& req);
  std::optional<Reply> TakeUser(const std::string& user_id);

 private:
  ClientLimitOptions options_;
  RateLimiter per_address_;
  RateLimiter per_user_;
};

}  // namespace docket::api

#endif  // DOCKET_API_CLIENT_LIMITS_H_
