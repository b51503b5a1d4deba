// Authentication pieces of the gateway: password hashing (Argon2id through
// libsodium, with a bound on concurrent hashes) and the session options.
// Sessions themselves are identity events (api/routes/identity.h); rate
// limits are api/rate_limiter.h. All thread-safe.
#ifndef DOCKET_API_AUTH_H_
#define DOCKET_API_AUTH_H_

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api/rate_limiter.h"
#include "common/status.h"

namespace docket::api {

// Password hashing with bounded concurrency: the hash itself is
// common/password.h (HashPassword / VerifyPassword), shared with docketctl.
//
// Work for a real user (a hash, or a verify against a stored hash) comes
// first: a dummy verify (an unknown e-mail, checked so that it takes as
// long as a known one) may use at most max_concurrent - 1 of the slots
// (when there are two or more) and runs only when no real caller waits, so
// a flood of logins with unknown e-mails from many addresses cannot keep a
// real user from signing in (docs/security.md, "Login").
class PasswordHasher {
 public:
  // At most `max_concurrent` (at least 1) hashes run at once; at most
  // 2 x max_concurrent real callers, and as many dummy ones, wait, each at
  // most `queue_wait`, for a slot; the rest are refused at once. kInternal
  // when libsodium cannot hash (the dummy hash for unknown users is made
  // here).
  static Result<std::unique_ptr<PasswordHasher>> Create(int max_concurrent,
                                                        std::chrono::milliseconds queue_wait);

  // Argon2id with libsodium's INTERACTIVE limits. kUnavailable when no slot
  // freed up in time, kInternal when libsodium fails (out of memory).
  Result<std::string> Hash(const std::string& password);
  // True when `password` matches `hash`. An unknown user is verified against
  // a dummy hash of the same cost (`hash` empty), so both take as long.
  // kUnavailable when no slot freed up in time. `even_if_full`: wait for a
  // slot (still at most queue_wait) even when the queue is full, ahead of
  // every caller without it, for a check the caller must make (a sign-in
  // attempt the lock-out granted: at most lockout-failures of them per user
  // are open at once).
  Result<bool> Verify(const std::string& hash, const std::string& password,
                      bool even_if_full = false);
  // True when `hash` was made with other limits than today's.
  static bool NeedsRehash(const std::string& hash);

 private:
  struct Queue {
    int running = 0;
    int waiting = 0;
  };
  PasswordHasher(int max_concurrent, std::chrono::milliseconds queue_wait,
                 std::string dummy_hash);
  bool Acquire(bool dummy, bool even_if_full);
  void Release(bool dummy);
  bool CanRun(bool dummy, bool must) const;

  int max_concurrent_;
  int max_dummy_;
  std::chrono::milliseconds queue_wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  Queue real_, dummy_;
  int must_waiting_ = 0;  // even_if_full real callers waiting
  std::string dummy_hash_;
};

struct SessionOptions {
  std::chrono::seconds idle{30 * 60};
  std::chrono::seconds absolute{12 * 3600};
  // A used session's idle clock is moved (a SessionTouched event) at most
  // this often.
  std::chrono::seconds touch_interval{60};
  Status Validate() const;
};

}  // namespace docket::api

#endif  // DOCKET_API_AUTH_H_
