// The password rules, one test per rule, and the shipped list of common
// passwords (config/common-passwords.txt).
#include "aggregates/identity/password_policy.h"

#include <gtest/gtest.h>

#include "common/word_list.h"

namespace docket::aggregates {
namespace {

const std::string kEmail = "ann.smith@example.com";
const std::string kName = "Annabel";

TEST(PasswordPolicyTest, LengthIs12To128Characters) {
  PasswordPolicy p;
  EXPECT_FALSE(p.Weak("tiger-lily-9", kEmail, kName).has_value());  // 12
  EXPECT_EQ(p.Weak("tiger-lily9", kEmail, kName), "must be at least 12 characters");
  EXPECT_FALSE(p.Weak("ñandú-río-éxito", kEmail, kName).has_value());  // 15 code points
  const std::string longest = std::string(102, 'a') + "bcdefghijklmnopqrstuvwxyz-";
  ASSERT_EQ(longest.size(), 128u);
  EXPECT_FALSE(p.Weak(longest, kEmail, kName).has_value());
  EXPECT_EQ(p.Weak(longest + "z", kEmail, kName), "must be at most 128 characters");
}

TEST(PasswordPolicyTest, AtLeastFiveDifferentCharacters) {
  EXPECT_EQ(PasswordPolicy().Weak("abababababcdcd", kEmail, kName),
            "must use at least 5 different characters");
}

TEST(PasswordPolicyTest, NotTheEmailOrTheName) {
  PasswordPolicy p;
  EXPECT_EQ(p.Weak("my-ANN.SMITH-pass", kEmail, kName), "must not contain the e-mail address");
  EXPECT_EQ(p.Weak("hello-annabel-77", kEmail, kName), "must not contain the user's name");
}

TEST(PasswordPolicyTest, NoCommonWordOrSequence) {
  EXPECT_EQ(PasswordPolicy().Weak("my-qwerty-garden", kEmail, kName),
            "must not contain a common word or sequence ('qwerty')");
}

TEST(PasswordPolicyTest, ACommonPasswordIsRefusedWhateverItsCase) {
  PasswordPolicy p({"correcthorsebatterystaple"});
  EXPECT_EQ(p.Weak("CorrectHorseBatteryStaple", kEmail, kName),
            "is one of the most common passwords");
  EXPECT_FALSE(p.Weak("CorrectHorseBatteryStaple!", kEmail, kName).has_value());
}

TEST(PasswordPolicyTest, TheShippedListHasTenThousandAndRefusesTheLongOnes) {
  Result<std::vector<std::string>> list = ReadWordList(DOCKET_COMMON_PASSWORDS);
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_GE(list->size(), 10'000u);
  const PasswordPolicy without;
  const PasswordPolicy with(*list);
  EXPECT_EQ(with.common_count(), list->size());
  // Every entry the other rules let through is refused by the list.
  int long_enough = 0;
  for (const std::string& pw : *list) {
    if (without.Weak(pw, kEmail, kName)) continue;
    ++long_enough;
    EXPECT_EQ(with.Weak(pw, kEmail, kName), "is one of the most common passwords") << pw;
  }
  EXPECT_GT(long_enough, 10);
}

}  // namespace
}  // namespace docket::aggregates
