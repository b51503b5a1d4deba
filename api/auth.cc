#include "api/auth.h"

#include <algorithm>

#include "common/hash.h"
#include "common/password.h"

namespace docket::api {

Result<std::unique_ptr<PasswordHasher>> PasswordHasher::Create(
    int max_concurrent, std::chrono::milliseconds queue_wait) {
  DOCKET_ASSIGN_OR_RETURN(std::string dummy, HashPassword(RandomHex(16)));
  return std::unique_ptr<PasswordHasher>(
      new PasswordHasher(max_concurrent, queue_wait, std::move(dummy)));
}

PasswordHasher::PasswordHasher(int max_concurrent, std::chrono::milliseconds queue_wait,
                               std::string dummy_hash)
    : max_concurrent_(std::max(1, max_concurrent)),
      max_dummy_(std::max(1, max_concurrent_ - 1)),
      queue_wait_(queue_wait),
      dummy_hash_(std::move(dummy_hash)) {}

bool PasswordHasher::CanRun(bool dummy, bool must) const {
  const int running = real_.running + dummy_.running;
  if (running >= max_concurrent_) return false;
  // A check that must run goes before every other caller, a real caller
  // before a dummy one.
  if (must) return true;
  if (must_waiting_ > 0) return false;
  return !dummy || (dummy_.running < max_dummy_ && real_.waiting == 0);
}

bool PasswordHasher::Acquire(bool dummy, bool even_if_full) {
  Queue& q = dummy ? dummy_ : real_;
  std::unique_lock<std::mutex> lock(mu_);
  // A short queue: callers beyond it are told to come back, instead of
  // holding a request thread for the whole wait.
  const bool must = even_if_full && !dummy;
  if (!CanRun(dummy, must) && q.waiting >= 2 * max_concurrent_ && !must) return false;
  ++q.waiting;
  if (must) ++must_waiting_;
  const bool got = cv_.wait_for(lock, queue_wait_, [&] { return CanRun(dummy, must); });
  --q.waiting;
  if (must && --must_waiting_ == 0) cv_.notify_all();  // the others may take a free slot
  if (!got) {
    if (!dummy) cv_.notify_all();  // the callers behind this one may go now
    return false;
  }
  ++q.running;
  return true;
}

void PasswordHasher::Release(bool dummy) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --(dummy ? dummy_ : real_).running;
  }
  cv_.notify_all();  // a real caller, else a dummy, takes the slot
}

Result<std::string> PasswordHasher::Hash(const std::string& password) {
  if (!Acquire(false, false)) {
    return UnavailableError("too many password hashes in flight; try again");
  }
  Result<std::string> hash = HashPassword(password);
  Release(false);
  return hash;
}

Result<bool> PasswordHasher::Verify(const std::string& hash, const std::string& password,
                                    bool even_if_full) {
  const bool dummy = hash.empty();
  if (!Acquire(dummy, even_if_full)) {
    return UnavailableError("too many password hashes in flight; try again");
  }
  const bool match = VerifyPassword(dummy ? dummy_hash_ : hash, password);
  Release(dummy);
  return match && !dummy;
}

bool PasswordHasher::NeedsRehash(const std::string& hash) { return PasswordNeedsRehash(hash); }

Status SessionOptions::Validate() const {
  if (idle.count() <= 0 || absolute.count() <= 0) {
    return InvalidArgumentError("sessions: idle and absolute expiry must be > 0");
  }
  return Status::Ok();
}

}  // namespace docket::api
