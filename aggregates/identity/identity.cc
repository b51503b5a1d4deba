#include "aggregates/identity/identity.h"

#include <algorithm>
#include <cctype>

#include "common/hash.h"
#include "common/text.h"

namespace docket::aggregates {

std::string UserIdForEmail(std::string_view email) {
  return "u" + Sha256Hex(Lower(std::string(email))).substr(0, 24);
}

namespace {

bool IsHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::optional<std::string> UserOfToken(std::string_view token) {
  // "u" + 24 hex, ".", 64 hex.
  if (token.size() != 25 + 1 + 64 || token[0] != 'u' || token[25] != '.' ||
      !IsHex(token.substr(1, 24)) || !IsHex(token.substr(26))) {
    return std::nullopt;
  }
  return std::string(token.substr(0, 25));
}

std::string LinkKey(std::string_view secret) {
  return HmacSha256Hex(secret, "docket identity link tokens");
}

std::string LinkToken(std::string_view link_key, const std::string& user_id,
                      std::string_view command_id) {
  return user_id + "." + HmacSha256Hex(link_key, command_id);
}

bool IsAccountNumber(std::string_view s) {
  const bool user_id_form = s.size() == 25 && s[0] == 'u' &&
                            s.find_first_not_of("0123456789abcdef", 1) == std::string_view::npos;
  return !s.empty() && s.size() <= 32 && !user_id_form &&
         std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

Status IdentityLimits::Validate() const {
  if (max_service_addresses == 0 || max_memberships == 0 || max_failed_logins <= 0 ||
      max_sessions == 0) {
    return InvalidArgumentError("identity limits: every maximum must be > 0");
  }
  if (failed_login_window.count() <= 0 || login_attempt_timeout.count() <= 0) {
    return InvalidArgumentError("identity limits: every duration must be > 0");
  }
  return Status::Ok();
}

}  // namespace docket::aggregates
