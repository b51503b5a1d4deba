#include "common/password.h"

#include <gtest/gtest.h>

namespace docket {
namespace {

TEST(PasswordTest, HashVerifiesOnlyItsPassword) {
  Result<std::string> h = HashPassword("correct horse battery");
  ASSERT_TRUE(h.ok()) << h.status();
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(VerifyPassword(*h, "correct horse battery"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horse battery!"));
  EXPECT_FALSE(VerifyPassword("not a hash", "x"));
  EXPECT_FALSE(PasswordNeedsRehash(*h));
  EXPECT_NE(*h, *HashPassword("correct horse battery"));  // salted
}

}  // namespace
}  // namespace docket
