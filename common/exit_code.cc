#include "common/exit_code.h"

namespace docket {

int ExitCodeOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kDataLoss:
      return kExitDataErr;
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded:
      return kExitUnavailable;
    case StatusCode::kAborted:
      return kExitTempFail;
    case StatusCode::kPermissionDenied:
      return kExitNoPerm;
    case StatusCode::kInternal:
      return kExitSoftware;
  }
  return kExitSoftware;
}

}  // namespace docket
