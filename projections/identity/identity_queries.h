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

struct UserView {
  std::string id;
  std::string email;
  std::string name;
  fb::Role role = fb::Role::Customer;
  std::vector<std::string> account_ids;
  std::string password_hash;
  int64_t created_at_us = 0;
  uint64_t version = 0;
};

class IdentityQueries {
 public:
  // `store` (opened with IdentityProjection's families) must outlive this.
  explicit IdentityQueries(const ReadStore* store) : store_(store) {}

  Result<std::optional<AccountView>> Account(const std::string& id) const;
  Result<std::optional<UserView>> User(const std::string& id) const;
  // The e-mail in any case (compared lower-cased).
  Result<std::optional<UserView>> UserByEmail(const std::string& email) const;

 private:
  const ReadStore* store_;
};

// Row encodings (JSON), shared by the projection and the queries.
std::string EncodeAccount(const AccountView& a);
Result<AccountView> DecodeAccount(std::string_view row);
std::string EncodeUser(const UserView& u);
Result<UserView> DecodeUser(std::string_view row);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_IDENTITY_IDENTITY_QUERIES_H_
