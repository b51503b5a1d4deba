#include "common/exit_code.h"

#include <gtest/gtest.h>

namespace docket {
namespace {

// docketctl's documented codes (README: 0 done, 65 bad input, 69 broker
// unavailable) and docketd's (75 when fenced) hold.
TEST(ExitCodeTest, DocumentedCodes) {
  EXPECT_EQ(ExitCodeOf(Status::Ok()), 0);
  EXPECT_EQ(ExitCodeOf(InvalidArgumentError("x")), 65);
  EXPECT_EQ(ExitCodeOf(DataLossError("x")), 65);
  EXPECT_EQ(ExitCodeOf(NotFoundError("x")), 65);
  EXPECT_EQ(ExitCodeOf(AlreadyExistsError("x")), 65);
  EXPECT_EQ(ExitCodeOf(FailedPreconditionError("x")), 65);
  EXPECT_EQ(ExitCodeOf(UnavailableError("x")), 69);
  EXPECT_EQ(ExitCodeOf(DeadlineExceededError("x")), 69);
  EXPECT_EQ(ExitCodeOf(InternalError("x")), 70);
  EXPECT_EQ(ExitCodeOf(AbortedError("x")), 75);
  EXPECT_EQ(ExitCodeOf(PermissionDeniedError("x")), 77);
}

}  // namespace
}  // namespace docket
