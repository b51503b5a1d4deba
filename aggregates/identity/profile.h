// The profile rules of the user aggregate (schemas/identity.fbs, "profiles,
// usernames, memberships, challenge questions"): name and phone, the
// username (after its claim, username_claim.h), account memberships and
// the challenge question. Called by IdentityHandler; pure and thread-safe.
//
//   UpdateProfile    -> UserProfileChanged   the user, or staff
//   SetUsername      -> UsernameChanged      staff (the gateway claims the
//                                            username first)
//   ChangeMembership -> MembershipChanged    staff; a customer keeps >= 1
//   SetChallenge     -> ChallengeSet         the user; a question of the
//                                            configured list, an Argon2id hash
//
// The rule names are in aggregates/identity/README.md.
#ifndef DOCKET_AGGREGATES_IDENTITY_PROFILE_H_
#define DOCKET_AGGREGATES_IDENTITY_PROFILE_H_

#include <cstdint>

#include "aggregates/decision.h"
#include "aggregates/identity/identity.h"
#include "schemas/portal_state_generated.h"

namespace docket::aggregates {

bool IsProfileCommand(fb::Command type);
Decision DecideProfile(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& command,
                       const IdentityLimits& limits);

// Folds a profile event (and UnlockAdvised, which changes nothing); false
// from IsProfileEvent when `type` is not one. kDataLoss before UserCreated.
bool IsProfileEvent(fb::Event type);
Status FoldProfile(fb::PortalSnapshotT& s, const fb::EventUnion& e);

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_IDENTITY_PROFILE_H_
