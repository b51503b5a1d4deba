// A server secret kept in a file: created on first use (32 random bytes as
// 64 hex digits, mode 0600, O_EXCL so two processes starting at once agree
// on one key), read back on every later start. Every process that must
// derive the same values (e.g. the gateways' command ids) reads the same
// file. Thread-compatible; the file is the only shared state.
#ifndef DOCKET_COMMON_KEY_FILE_H_
#define DOCKET_COMMON_KEY_FILE_H_

#include <string>

#include "common/status.h"

namespace docket {

// The key in `path` (its directory must exist), creating it if absent.
// Errors: kUnavailable when the file cannot be created or read;
// kDataLoss when it holds fewer than 32 hex digits (a truncated or foreign
// file: refusing it beats deriving ids from a weak key).
Result<std::string> LoadOrCreateKey(const std::string& path);

}  // namespace docket

#endif  // DOCKET_COMMON_KEY_FILE_H_
