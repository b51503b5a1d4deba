// The identity context's rules that callers outside the aggregate need too
// (the gateway, docketctl admin create): user ids, account numbers and the
// password policy. Pure, thread-safe.
#ifndef DOCKET_AGGREGATES_IDENTITY_IDENTITY_H_
#define DOCKET_AGGREGATES_IDENTITY_IDENTITY_H_

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace docket::aggregates {

// The user aggregate id of an e-mail: "u" + the first 24 hex digits of
// SHA-256(lower-cased e-mail), so one e-mail is one aggregate.
std::string UserIdForEmail(std::string_view email);
// Account numbers (the account aggregate's id): 1..32 of [A-Za-z0-9-], and
// never of the form of a user id ("u" + 24 lower-case hex digits): both
// are aggregate ids of the identity context, and their spaces must not
// meet.
bool IsAccountNumber(std::string_view s);

// Tokens of a user: "<user id>.<64 hex digits>", so a gateway knows the
// aggregate (and its partition) of a token without a lookup; only
// Sha256Hex(token) is ever stored. Sessions use 256 random bits; links
// (reset) use LinkToken, an HMAC under the deployment's link key, so the
// notifier can put the link in the mail without the token on the log.
std::optional<std::string> UserOfToken(std::string_view token);
// The link key from the deployment's secret (common/key_file.h).
std::string LinkKey(std::string_view secret);
// The link of the command `command_id` that issued it for `user_id`.
std::string LinkToken(std::string_view link_key, const std::string& user_id,
                      std::string_view command_id);

struct IdentityLimits {
  size_t max_service_addresses = 50;  // per account
  size_t max_memberships = 100;       // accounts per customer
  // Lock-out: this many failed sign-ins within the window lock the user.
  int max_failed_logins = 5;
  std::chrono::seconds failed_login_window{15 * 60};
  // A started sign-in that never finished (a gateway died) stops counting.
  std::chrono::seconds login_attempt_timeout{30};
  // Live sessions per user; a new one ends the oldest beyond it.
  size_t max_sessions = 20;
  // kInvalidArgument when a maximum or a duration is 0.
  Status Validate() const;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_IDENTITY_IDENTITY_H_
