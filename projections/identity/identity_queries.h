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
  std::string phone;
  std::string username;            // "" for none
  std::string challenge_question;  // a question id; "" for none
  std::string challenge_hash;      // Argon2id of the normalised answer
  // Invited and not yet activated: no password yet.
  bool pending_activation() const { return password_hash.empty(); }
};

// An access request (the public form, or "Can't access email").
struct AccessRequestView {
  std::string id;
  std::string kind;  // "access" or "recovery"
  std::string name, phone, email, account_name, account_number, service_address, description;
  std::string state = "pending";  // "approved", "rejected"
  std::string reason;             // the decision's
  std::string user_id;            // approved: the invited user
  std::string account_id;
  std::string decided_by;         // a user id
  int64_t created_at_us = 0;
  int64_t decided_at_us = 0;
  uint64_t version = 0;
};

// A page of a list: rows in key order, and the cursor after the last.
template <typename T>
struct Page {
  std::vector<T> rows;
  bool has_more = false;
  std::string after_cursor;
  // A search whose first word's prefix matched more than it may look at
  // (IdentityQueries::kMaxUserCandidates): some matches are left out.
  bool truncated = false;
};

// Staff's user list: every word of `q` (matched as a prefix of a word of
// the name, e-mail or username) and membership of `account_id`; both
// optional. In user id order from after `after`.
struct UserFilter {
  std::string q;
  std::string account_id;
  std::string after;
  size_t limit = 25;
};

// Staff's account list: every word of `q` (a prefix of a word of the
// name, the account number or the id); in account id order from after
// `after`.
struct AccountFilter {
  std::string q;
  std::string after;
  size_t limit = 25;
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
  // The username in any case.
  Result<std::optional<UserView>> UserByUsername(const std::string& username) const;
  // What a user types into "Username": an e-mail (has '@') or a username.
  Result<std::optional<UserView>> UserByLogin(const std::string& login) const;
  // At most kMaxUserCandidates users are looked at per page: a list goes
  // on with the cursor; a search of a very common word prefix is
  // `truncated`.
  static constexpr size_t kMaxUserCandidates = 5000;
  Result<Page<UserView>> Users(const UserFilter& filter) const;
  // At most kMaxUserCandidates accounts are looked at per page; a page that
  // stops there has more, with a cursor to go on from.
  Result<Page<AccountView>> Accounts(const AccountFilter& filter) const;

  Result<std::optional<AccessRequestView>> AccessRequest(const std::string& id) const;
  // Newest first; `state` "pending", "approved", "rejected" or "all".
  // kInvalidArgument: the state or the cursor.
  Result<Page<AccessRequestView>> AccessRequests(const std::string& state,
                                                 const std::string& after, size_t limit) const;
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
std::string EncodeAccessRequest(const AccessRequestView& r);
Result<AccessRequestView> DecodeAccessRequest(std::string_view row);
std::string EncodeSession(const SessionView& s);
// The words a user is found by (name, e-mail, username; folded) and the
// words of a search, split the same way.
std::vector<std::string> UserWords(const UserView& u);
std::vector<std::string> SearchWords(std::string_view q);
// Index keys (family user_index, access_request_index).
std::string UserWordKey(const std::string& word, const std::string& user_id);
std::string UserAccountKey(const std::string& account_id, const std::string& user_id);
std::string AccessRequestKey(const std::string& state, int64_t created_at_us,
                             const std::string& id);
Result<SessionView> DecodeSession(std::string_view row);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_IDENTITY_IDENTITY_QUERIES_H_
