// LoginThrottle: how fast passwords may be guessed, without letting a
// guesser lock the real user out (docs/security.md, "Login").
//
//   - Per client address, every attempt (`per_minute`, burst `per_minute`).
//   - Per e-mail, failed attempts only: once `per_minute` failures have
//     emptied an e-mail's bucket, a client that has itself failed for that
//     e-mail in the last 15 minutes is refused (429) until it refills; a
//     client that has not may still try, so the right password from the
//     real user's own address still gets in while someone else is guessing.
//
// Thread-safe.
#ifndef DOCKET_API_ROUTES_LOGIN_THROTTLE_H_
#define DOCKET_API_ROUTES_LOGIN_THROTTLE_H_

#include <optional>
#include <string>

#include "api/rate_limiter.h"
#include "common/clock.h"

namespace docket::api {

class LoginThrottle {
 public:
  // `per_minute` 0: unlimited.
  LoginThrottle(double per_minute, const Clock& clock);

  // Before the body is read: nullopt to go on, else seconds to wait.
  std::optional<int> AdmitAddress(const std::string& address);
  // Before the password is checked (`email` as given; case does not matter).
  std::optional<int> AdmitEmail(const std::string& address, const std::string& email);
  // After a wrong password or an unknown e-mail.
  void Failed(const std::string& address, const std::string& email);

 private:
  static std::string PairKey(const std::string& address, const std::string& email);

  RateLimiter per_address_;
  RateLimiter failures_per_email_;
  RateLimiter failures_per_pair_;  // (address, e-mail): one failure, 15 minutes
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_LOGIN_THROTTLE_H_
