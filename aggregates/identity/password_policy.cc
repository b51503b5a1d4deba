#include "aggregates/identity/password_policy.h"

#include <set>

#include "common/text.h"

namespace docket::aggregates {

PasswordPolicy::PasswordPolicy(std::vector<std::string> common)
    : common_(std::make_move_iterator(common.begin()), std::make_move_iterator(common.end())) {}

std::optional<std::string> PasswordPolicy::Weak(const std::string& pw, const std::string& email,
                                                const std::string& name) const {
  const int64_t n = Utf8Length(pw);
  if (n < static_cast<int64_t>(kMinLength)) return "must be at least 12 characters";
  if (n > static_cast<int64_t>(kMaxLength)) return "must be at most 128 characters";
  if (std::set<char>(pw.begin(), pw.end()).size() < 5) {
    return "must use at least 5 different characters";
  }
  const std::string lower = Lower(pw);
  if (common_.count(lower)) return "is one of the most common passwords";
  const std::string local = Lower(email.substr(0, email.find('@')));
  if (local.size() >= 4 && lower.find(local) != std::string::npos) {
    return "must not contain the e-mail address";
  }
  const std::string lname = Lower(name);
  if (lname.size() >= 4 && lower.find(lname) != std::string::npos) {
    return "must not contain the user's name";
  }
  for (const char* word : {"password", "123456", "qwerty", "letmein", "welcome", "docket"}) {
    if (lower.find(word) != std::string::npos) {
      return std::string("must not contain a common word or sequence ('") + word + "')";
    }
  }
  return std::nullopt;
}

}  // namespace docket::aggregates
