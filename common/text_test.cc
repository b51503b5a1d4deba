#include "common/text.h"

#include <gtest/gtest.h>

namespace docket {
namespace {

TEST(TextTest, LowerFoldsAsciiOnly) {
  EXPECT_EQ(Lower("Ann@Example.COM"), "ann@example.com");
  EXPECT_EQ(Lower("\xc3\x84pfel"), "\xc3\x84pfel");  // Ä stays
  EXPECT_EQ(Lower(""), "");
}

TEST(TextTest, Utf8LengthCountsCodePoints) {
  EXPECT_EQ(Utf8Length(""), 0);
  EXPECT_EQ(Utf8Length("abc"), 3);
  EXPECT_EQ(Utf8Length("\xc3\xa4\xe2\x82\xac"), 2);  // ä€
  EXPECT_EQ(Utf8Length("\xff"), -1);
  EXPECT_EQ(Utf8Length(std::string("a\0b", 3)), -1);
  EXPECT_EQ(Utf8Length("\xc3"), -1);  // truncated
}

TEST(TextTest, ValidEmail) {
  EXPECT_TRUE(ValidEmail("ann@example.com"));
  EXPECT_TRUE(ValidEmail("a.b+c@sub.example.co"));
  EXPECT_FALSE(ValidEmail(""));
  EXPECT_FALSE(ValidEmail("nope"));
  EXPECT_FALSE(ValidEmail("@example.com"));
  EXPECT_FALSE(ValidEmail("a@b@c.com"));
  EXPECT_FALSE(ValidEmail("a@example"));
  EXPECT_FALSE(ValidEmail("a@example."));
  EXPECT_FALSE(ValidEmail("a b@example.com"));
  EXPECT_FALSE(ValidEmail("a@ex..com"));
  EXPECT_FALSE(ValidEmail("a@-ex.com"));
  EXPECT_FALSE(ValidEmail(std::string(250, 'a') + "@b.co"));
}

}  // namespace
}  // namespace docket
