// Two small aggregates of the identity context (schemas/identity.fbs):
//
// Access requests (id "req_" + 20 hex digits, NewAccessRequestId): the
// public "Request portal access" form and "Can't access email".
//   RequestAccess       -> AccessRequested       the gateway only (public form)
//   DecideAccessRequest -> AccessRequestDecided  staff, once, while pending;
//                          an approval names the invited user and account
//
// Username claims (id UsernameClaimId(username)): one holder per username,
// case-insensitively, decided by the claim's single writer.
//   ClaimUsername       -> UsernameClaimed       staff; "username.taken" when
//                          another user holds it, "username.yours" when this one
//   ReleaseUsername     -> UsernameReleased      staff; only by its holder
//
// Called by IdentityHandler; pure and thread-safe. Rule names are in
// aggregates/identity/README.md.
#ifndef DOCKET_AGGREGATES_IDENTITY_ACCESS_REQUEST_H_
#define DOCKET_AGGREGATES_IDENTITY_ACCESS_REQUEST_H_

#include "aggregates/decision.h"
#include "aggregates/identity/identity.h"
#include "schemas/portal_state_generated.h"

namespace docket::aggregates {

bool IsAccessCommand(fb::Command type);
Decision DecideAccess(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& command);

bool IsAccessEvent(fb::Event type);
// kDataLoss for an event out of order (a decision before the request).
Status FoldAccess(fb::PortalSnapshotT& s, const fb::EventUnion& e);

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_IDENTITY_ACCESS_REQUEST_H_
