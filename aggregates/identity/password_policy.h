// The password rules, the same everywhere a password is set (sign-up by
// staff, a change, a reset, docketctl admin create): 12..128 characters, at
// least 5 different ones, not one of the common passwords (the list shipped
// in config/common-passwords.txt, 10,000 entries, whatever the case), not
// containing the e-mail's local part or the user's name (when 4 or more
// characters), no common word or sequence in it.
//
// The caller reads the list (common/word_list.h); the policy does no I/O.
// Immutable after construction; thread-safe.
#ifndef DOCKET_AGGREGATES_IDENTITY_PASSWORD_POLICY_H_
#define DOCKET_AGGREGATES_IDENTITY_PASSWORD_POLICY_H_

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace docket::aggregates {

class PasswordPolicy {
 public:
  static constexpr size_t kMinLength = 12;
  static constexpr size_t kMaxLength = 128;

  // `common`: lower-cased passwords to refuse.
  explicit PasswordPolicy(std::vector<std::string> common = {});

  // Why `password` is too weak for the user with this e-mail and name, as
  // the end of a sentence ("must be at least 12 characters"); nullopt when
  // it is acceptable.
  std::optional<std::string> Weak(const std::string& password, const std::string& email,
                                  const std::string& name) const;
  size_t common_count() const { return common_.size(); }

 private:
  std::unordered_set<std::string> common_;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_IDENTITY_PASSWORD_POLICY_H_
