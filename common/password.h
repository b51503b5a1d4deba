// Password hashing: Argon2id through libsodium's crypto_pwhash_str with the
// INTERACTIVE limits; passwords never reach the log, only these hashes.
// Each call takes about 64 MiB and tens of milliseconds; callers that serve many users bound how many
// run at once (api::PasswordHasher). Thread-safe.
#ifndef DOCKET_COMMON_PASSWORD_H_
#define DOCKET_COMMON_PASSWORD_H_

#include <string>

#include "common/status.h"

namespace docket {

// An encoded Argon2id hash ("$argon2id$v=19$m=...") of `password` with a
// fresh random salt. kInternal when libsodium cannot be initialised or runs
// out of memory.
Result<std::string> HashPassword(const std::string& password);
// True when `password` matches the encoded `hash`; false for a mismatch or
// a malformed hash.
bool VerifyPassword(const std::string& hash, const std::string& password);
// True when `hash` was made with other parameters than HashPassword uses
// today (it should be replaced after the next successful login).
bool PasswordNeedsRehash(const std::string& hash);

}  // namespace docket

#endif  // DOCKET_COMMON_PASSWORD_H_
