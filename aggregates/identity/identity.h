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
#include <vector>

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

// Usernames: 3..32 of [A-Za-z0-9._-], starting with a letter (so never an
// e-mail, which needs '@'); compared lower-cased. A username's claim
// aggregate id is "n_" + the lower-cased username ('_' is in no account
// number, and user ids start with "u"), so the claim's single writer keeps
// one holder per username.
bool ValidUsername(std::string_view username);
std::string UsernameClaimId(std::string_view username);
// Access requests: "req_" + 20 lower-case hex digits (NewAccessRequestId).
bool IsAccessRequestId(std::string_view id);
std::string NewAccessRequestId();
// Phone numbers: 0..40 of digits, spaces and "+-().x", at most one '+'.
bool ValidPhone(std::string_view phone);

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

// A challenge question of the deployment's list (config).
struct ChallengeQuestion {
  std::string id;    // stored with the answer; 1..64 of [a-z0-9_-]
  std::string text;  // shown to the user
};
// Parses the list's text: "<id>: <question>" per line, '#' comments and
// blank lines ignored. kInvalidArgument naming the line for a malformed
// line, an id given twice, or no question at all.
Result<std::vector<ChallengeQuestion>> ParseChallengeQuestions(std::string_view text);
// A challenge answer as it is compared and hashed: NormalizeForMatch
// (case, accents, spacing); answers of under 2 characters after it are
// refused by the gateway.
std::string NormalizeChallengeAnswer(std::string_view answer);

struct IdentityLimits {
  size_t max_service_addresses = 50;  // per account
  size_t max_memberships = 100;       // accounts per customer
  // Lock-out: this many failed sign-ins within the window lock the user.
  int max_failed_logins = 5;
  std::chrono::seconds failed_login_window{15 * 60};
  // A started sign-in that never finished (a gateway died) stops counting.
  std::chrono::seconds login_attempt_timeout{30};
  // Challenge questions a user may choose from (ids; config). Empty: any id
  // of 1..64 of [a-z0-9_-] (tests).
  std::vector<std::string> challenge_questions;
  // Live sessions per user; a new one ends the oldest beyond it.
  size_t max_sessions = 20;
  // kInvalidArgument when a maximum or a duration is 0.
  Status Validate() const;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_IDENTITY_IDENTITY_H_
