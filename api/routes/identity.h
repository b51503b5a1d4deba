// The identity context's routes (docs/api.md): sign-in, sessions, password
// links and changes, invitations, unlock, access requests, accounts and
// users. It is also the gateway's session directory (api/authn.h).
//
// Sign-in goes through the user aggregate (aggregates/identity/sign_in.h):
// BeginLogin reserves an attempt the lock-out counts; while it is decided,
// the password is checked here against the read model's hash (or a dummy
// hash for a user not there); the check counts only when the attempt was
// granted (a granted check waits for the hasher even when its queue is
// full); FinishLogin records the outcome and starts the session, and the
// aggregate refuses a success checked against a hash that is no longer the
// user's. A failure is answered once its FinishLogin is on the log. So
// every failed sign-in -- wrong password, unknown, locked, disabled or not
// yet activated user -- answers the same 401 after the same work, and the
// decider's part is hidden behind the Argon2id check. Sign-in is also
// rate-limited per client address and per e-mail (LoginThrottle).
//
// Sessions are identity events, so every gateway knows them: a session
// token is "<user id>.<random>", and a request is checked against this
// gateway's identity read model after a read barrier on the user's
// partition (Positions::AwaitCommitted), so a sign-out or a disabled user
// on any gateway is refused here at once. Without the broker, the check
// uses what this gateway has applied.
//
// Links (forgotten password, invitation, unlock): the token is an HMAC of
// the issuing command under the deployment's link key
// (aggregates::LinkToken); the event holds only its SHA-256; the notifier
// mails it. The public routes that send one answer once the command is on
// the log, before it is decided, so they take as long whoever they name.
#ifndef DOCKET_API_ROUTES_IDENTITY_H_
#define DOCKET_API_ROUTES_IDENTITY_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aggregates/identity/identity.h"
#include "aggregates/identity/password_policy.h"
#include "api/gateway.h"
#include "api/projector_model.h"
#include "api/request.h"
#include "api/routes/login_throttle.h"
#include "consumers/projection_runner.h"
#include "projections/identity/identity_queries.h"

namespace docket::api {

class IdentityRoutes final : public RouteModule {
 public:
  // `identity` keeps the identity read models; it must outlive the routes.
  // `common_passwords`: the list file of aggregates::PasswordPolicy, read by
  // Register.
  // `questions`: the challenge questions users choose from.
  IdentityRoutes(consumers::ProjectionRunner* identity, std::string common_passwords,
                 std::vector<aggregates::ChallengeQuestion> questions)
      : identity_(identity),
        common_passwords_(std::move(common_passwords)),
        questions_(std::move(questions)) {}
  ~IdentityRoutes() override;

  Status Register(Router& router, Services& services) override;

 private:
  using Queries = StoreQueries<projections::IdentityQueries>;
  OrReply<Queries> Reads() const;
  int32_t PartitionOf(const std::string& user_id) const;
  // The read barrier: every identity event of the aggregate's partition
  // committed before now is applied here when it returns (at most 1 s;
  // without the broker, what is applied answers).
  void Barrier(const std::string& aggregate_id) const;
  fb::CommandEnvelopeT SystemCommand(const std::string& user_id, const char* what) const;
  // One step of a route that sends several commands (so no Idempotency-Key
  // applies to it): its result, accepted or not; the problem when it could
  // not be sent or was not decided in time.
  OrReply<Sent> Step(fb::CommandEnvelopeT command);

  // identity.cc: the directory, accounts and users.
  Result<std::optional<Principal>> SessionPrincipal(const std::string& token, bool fresh);
  void Touch(const std::string& user_id, const std::string& session_id, int64_t now);
  Reply Me(Call& call);
  Reply CreateAccount(Call& call);
  Reply AddAddress(Call& call);
  Reply AccountCommand(Call& call, fb::CommandEnvelopeT cmd);
  Reply GetAccount(Call& call);
  Reply ListAccounts(Call& call);
  Reply GetUser(Call& call);
  Reply UserCommand(Call& call, fb::CommandEnvelopeT cmd);
  Reply Disable(Call& call);
  Reply Enable(Call& call);
  Reply SetEnabled(Call& call, bool enabled);
  Reply Unlock(Call& call);

  // identity_users.cc: staff's user management, invitations, own profile.
  Reply ListUsers(Call& call);
  Reply CreateUser(Call& call);
  Reply UpdateUser(Call& call);
  Reply UpdateMe(Call& call);
  // Name and phone (and, for staff, the username) of user `id` from `b`.
  Reply ChangeProfile(Call& call, const std::string& id, bool with_username);
  Reply ChangeUsername(Call& call, const projections::UserView& u, const std::string& username);
  Reply AddMembership(Call& call);
  Reply RemoveMembership(Call& call);
  Reply ResendInvitation(Call& call);
  Reply SendResetLink(Call& call);
  // Issues a `purpose` link to user {id} for staff; 202 `message` + e-mail.
  Reply StaffLink(Call& call, const char* purpose, std::chrono::seconds ttl,
                  const std::string& message);
  // The gateway's link command (aggregates::LinkToken names the link by
  // the command id): `purpose` for user `id`, working for `ttl`.
  Result<std::optional<Sent>> IssueLink(const std::string& id, const char* purpose,
                                        std::chrono::seconds ttl);
  // The same without waiting for the decision (public routes: the answer
  // must not tell whether the user exists, by what it says or how long).
  Status SendLink(const std::string& id, const char* purpose, std::chrono::seconds ttl);
  fb::CommandEnvelopeT LinkCommand(const std::string& id, const char* purpose,
                                   std::chrono::seconds ttl) const;

  // identity_access.cc: access requests ("Request portal access", "Can't
  // access email") and staff's decisions.
  Reply RequestAccess(Call& call);
  Reply RequestHelp(Call& call);
  Reply SubmitRequest(Call& call, fb::RequestAccessT request, Body& body);
  Reply ListRequests(Call& call);
  Reply GetRequest(Call& call);
  Reply ApproveRequest(Call& call);
  Reply RejectRequest(Call& call);
  Reply DecideRequest(Call& call, const std::string& id, fb::DecideAccessRequestT decision);

  // identity_sign_in.cc: sign-in, sign-out, passwords and links.
  Reply Login(Call& call);
  // The user id a "Username" field names: an e-mail's, or a username's
  // (an unknown username: the id of it as an e-mail, which is no user, so
  // it takes the same steps).
  OrReply<std::string> UserIdOfLogin(const std::string& login);
  void Rehash(const projections::UserView& u, const std::string& password);
  Reply Logout(Call& call);
  Reply ChangePassword(Call& call);
  Reply ForgotPassword(Call& call);
  Reply CheckResetLink(Call& call);
  Reply ResetPassword(Call& call);
  Reply SetPasswordWithLink(const projections::UserView& u, const std::string& token,
                            const std::string& password, const char* purpose);
  Reply Activate(Call& call);
  Reply CheckActivationLink(Call& call);
  Reply RequestUnlock(Call& call);
  Reply CheckUnlockLink(Call& call);
  Reply UnlockWithLink(Call& call);
  Reply ChallengeQuestions(Call& call);
  Reply SetChallenge(Call& call);
  // The user of a `purpose` link that is live now; nullopt otherwise.
  OrReply<std::optional<projections::UserView>> LinkUser(const std::string& token,
                                                        const char* purpose);
  // The answer to the user's challenge question is right (a user without
  // one: true). Throttled like sign-ins.
  OrReply<bool> AnswerIsRight(Call& call, const projections::UserView& u,
                              const std::string& answer);
  // nullopt when right; else the 422 (or the throttle's, the hasher's) reply.
  std::optional<Reply> RightAnswer(Call& call, const projections::UserView& u,
                                   const std::string& answer);
  nlohmann::json QuestionJson(const std::string& id) const;

  consumers::ProjectionRunner* identity_;
  std::string common_passwords_;
  std::vector<aggregates::ChallengeQuestion> questions_;
  aggregates::PasswordPolicy policy_;
  Services* s_ = nullptr;
  std::string link_key_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<LoginThrottle> login_throttle_;
  std::unique_ptr<RateLimiter> links_per_email_;
  // Access requests and "Can't access email": per e-mail and per address.
  std::unique_ptr<RateLimiter> requests_per_email_;
  std::unique_ptr<RateLimiter> requests_per_address_;
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_IDENTITY_H_
