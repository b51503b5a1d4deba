// Queries over the identity read models (identity_projection.h): what the
// gateway needs to sign users in and to show accounts. Read-only, on the
// store's implicit snapshot per call; thread-safe (the ReadStore is).
//
// Errors: kDataLoss when a stored row does not parse; kUnavailable when the
// store fails. A missing row is an empty optional, not an error.
#ifndef DOCKET_PROJECTIONS_IDENTITY_IDENTITY_QUERIES_H_
#define DOCKET_PROJECTIONS_IDENTITY_IDENTITY_QUERIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "projections/read_store.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

struct AccountView {
  std::string id;
  std::string account_number;
  std::string name;
  std::vector<std::string> service_addresses;
  int64_t created_at_us = 0;
  uint64_t version = 0;
};

// A single-use link of a user (only its SHA-256 is kept).
struct TokenView {
  std::string purpose;  // "reset"
  std::string token_hash;
  int64_t expires_at_us = 0;
};

struct UserView {
  std::string id;
  std::string email;
  std::string name;
  fb::Role role = fb::Role::Customer;
  std::vector<std::string> account_ids;
  std::string password_hash;
  int64_t created_at_us = 0;
  uint64_t version = 0;
  bool disabled = false;
  bool locked = false;
  int failed_logins = 0;       // since the last sign-in or unlock
  int64_t last_login_us = 0;   // 0: never
  // Sessions started in an earlier epoch have ended (SessionsEnded).
  uint64_t session_epoch = 0;
  std::vector<TokenView> tokens;  // the live one per purpose
};

// A session (key: the SHA-256 of its token). Live while its epoch is its
// user's, and neither its absolute nor its idle expiry has passed.
struct SessionView {
  std::string user_id;
  int64_t created_us = 0;
  int64_t last_seen_us = 0;   // the start, or the last SessionTouched
  int64_t expires_at_us = 0;  // absolute
  uint64_t epoch = 0;
};

class IdentityQueries {
 public:
  // `store` (opened with IdentityProjection's families) must outlive this.
  explicit IdentityQueries(const ReadStore* store) : store_(store) {}

  Result<std::optional<AccountView>> Account(const std::string& id) const;
  Result<std::optional<UserView>> User(const std::string& id) const;
  // The e-mail in any case (compared lower-cased).
  Result<std::optional<UserView>> UserByEmail(const std::string& email) const;
  // The session whose token hashes to `session_id`, ended or not: the
  // caller checks its expiry and epoch (SessionView).
  Result<std::optional<SessionView>> Session(const std::string& session_id) const;

 private:
  const ReadStore* store_;
};

// Row encodings (JSON), shared by the projection and the queries.
std::string EncodeAccount(const AccountView& a);
Result<AccountView> DecodeAccount(std::string_view row);
std::string EncodeUser(const UserView& u);
Result<UserView> DecodeUser(std::string_view row);
std::string EncodeSession(const SessionView& s);
Result<SessionView> DecodeSession(std::string_view row);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_IDENTITY_IDENTITY_QUERIES_H_
