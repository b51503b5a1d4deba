// The sign-in rules of the user aggregate: lock-out, sessions, single-use
// links and passwords (schemas/identity.fbs, "sign-in, sessions, lock-out,
// tokens"). Called by IdentityHandler; pure and thread-safe.
//
// The protocol, as the gateway drives it (api/routes/identity.h):
//
//   BeginLogin   -> LoginStarted, or a rejection when the user is unknown,
//                   disabled or locked, or when the failures in the window
//                   plus the attempts still open reach max_failed_logins
//                   (so 50 parallel guesses check at most that many
//                   passwords before the lock);
//   FinishLogin  -> LoginSucceeded (a session; the failures are forgotten)
//                   or LoginFailed, plus UserLocked at the limit; a success
//                   checked against a hash that is no longer the user's is
//                   refused ("login.stale_password").
//   EndSession, TouchSession: sign-out, and the idle clock of a session.
//   IssueToken   -> TokenIssued: the one live link of its purpose ("reset",
//                   "activation" while the user has no password, "unlock"
//                   for a locked user with a challenge question; without
//                   one, UnlockAdvised instead).
//   SetPassword  -> PasswordSet + SessionsEnded (every session but the
//                   kept one; none for "activation"); "reset" and
//                   "activation" also use up their link and unlock.
//   SetUserEnabled: staff. UnlockUser: staff, or the gateway with a live
//                   "unlock" link (it checked the challenge answer).
//
// The rule names (e.g. "user.locked") are in aggregates/identity/README.md.
#ifndef DOCKET_AGGREGATES_IDENTITY_SIGN_IN_H_
#define DOCKET_AGGREGATES_IDENTITY_SIGN_IN_H_

#include <cstdint>

#include "aggregates/decision.h"
#include "aggregates/identity/identity.h"
#include "schemas/portal_state_generated.h"

namespace docket::aggregates {

// Decides a sign-in command (Handles: SignInCommand) for the user state `s`
// (kind "user", or empty when the user does not exist) at `now_us`.
bool IsSignInCommand(fb::Command type);
Decision DecideSignIn(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& command,
                      int64_t now_us, const IdentityLimits& limits);

// Folds a sign-in event into the user's state; false when `e` is not one.
// kDataLoss when it comes before UserCreated.
bool IsSignInEvent(fb::Event type);
Status FoldSignIn(fb::PortalSnapshotT& s, const fb::EventUnion& e, int64_t occurred_at_us);

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_IDENTITY_SIGN_IN_H_
