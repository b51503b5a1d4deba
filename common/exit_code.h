// The one mapping from a Status to a process exit code, shared by docketd
// and docketctl (sysexits.h style):
//
//   code                                           exit  sysexits name
//   ok                                                0  EX_OK
//   invalid_argument, failed_precondition,
//   not_found, already_exists, data_loss             65  EX_DATAERR   bad input
//   unavailable, deadline_exceeded                   69  EX_UNAVAILABLE (broker)
//   internal                                         70  EX_SOFTWARE
//   aborted (fenced / version conflict)              75  EX_TEMPFAIL  try again
//   permission_denied                                77  EX_NOPERM
//
// Command-line usage errors found before any Status exists are 64
// (EX_USAGE; CLI11 itself exits 2 for a malformed command line), a
// configuration file that cannot be read is 66 (EX_NOINPUT).
#ifndef DOCKET_COMMON_EXIT_CODE_H_
#define DOCKET_COMMON_EXIT_CODE_H_

#include "common/status.h"

namespace docket {

inline constexpr int kExitOk = 0;
inline constexpr int kExitUsage = 64;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitNoInput = 66;
inline constexpr int kExitUnavailable = 69;
inline constexpr int kExitSoftware = 70;
inline constexpr int kExitTempFail = 75;
inline constexpr int kExitNoPerm = 77;

// The exit code of a process that stops because of `code` (table above).
int ExitCodeOf(StatusCode code);
inline int ExitCodeOf(const Status& status) { return ExitCodeOf(status.code()); }

}  // namespace docket

#endif  // DOCKET_COMMON_EXIT_CODE_H_
