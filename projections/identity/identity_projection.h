// The identity projection: accounts, users and the user-by-e-mail index on
// RocksDB, folded from docket.identity.events exactly as the in-memory
// PortalView did before it:
//
//   AccountCreated       the account row (id, number, name, addresses)
//   ServiceAddressAdded  appends the address to its account
//   UserCreated          the user row, and lower-cased e-mail -> user id
//   PasswordHashChanged  replaces the user's password hash
//   profile events       name, phone, username, memberships, challenge
//                        question and answer hash (UsernameClaimed and
//                        UsernameReleased change nothing here)
//   AccessRequested, AccessRequestDecided  the request row and its index
//   sign-in events       the user's lock, disabled flag, failed sign-ins,
//                        live link digests and session epoch; a session
//                        row per LoginSucceeded (SessionEnded deletes it,
//                        SessionTouched moves its idle clock,
//                        SessionsEnded starts a new epoch of the user,
//                        carrying the kept session into it)
//
// Pure: no Kafka, no clock, no logging; all it reads is the Txn.
//
// Idempotent by version: each row stores the version of the last event
// folded into it; an event at or below it is kAlreadyApplied.
// Errors (Apply):
//   kFailedPrecondition  an address for an unknown account, a password for
//                        an unknown user, or an event of another context:
//                        the runner parks the aggregate (PortalView skipped
//                        these; now they are visible as dead letters).
//   kDataLoss            a stored row does not parse.
//   other                the store failed.
//
// Key layouts (families IdentityCf):
//   accounts       <account id>         account JSON
//   users          <user id>            user JSON (incl. the Argon2id hash)
//   user_by_email  <lower-cased e-mail> user id
//   sessions       <SHA-256 hex of the token>  session JSON (SessionView)
//   user_by_username  <lower-cased username>   user id
//   user_index     "w" 0 <word> 0 <user id>, "a" 0 <account id> 0 <user id>:
//                  staff's user search (UserWords) and account members
//   access_requests       <request id>          AccessRequestView JSON
//   access_request_index  <state> 0 <INT64_MAX - created, 20 digits> 0 <id>,
//                  and the same under "all": newest first per state
//
// A store built before the last four families existed has them empty:
// rebuild it (docs/operations.md) to index the users it already has.
#ifndef DOCKET_PROJECTIONS_IDENTITY_IDENTITY_PROJECTION_H_
#define DOCKET_PROJECTIONS_IDENTITY_IDENTITY_PROJECTION_H_

#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "projections/projection.h"
#include "projections/read_store.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

enum class IdentityCf : int {
  kAccounts = kFirstContextFamily,
  kUsers,
  kUserByEmail,
  kSessions,
  kUserByUsername,
  kUserIndex,
  kAccessRequests,
  kAccessRequestIndex,
};

Result<ApplyOutcome> ApplyIdentityEvent(const fb::EventEnvelopeT& event, Txn& txn);

// Thread-safe; its appliers hold no state.
class IdentityProjection final : public Projection {
 public:
  std::string_view context() const override { return "identity"; }
  std::vector<FamilySpec> Families() const override;
  std::unique_ptr<EventApplier> NewApplier() const override;
};

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_IDENTITY_IDENTITY_PROJECTION_H_
