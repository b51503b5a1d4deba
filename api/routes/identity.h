// The identity context's routes (docs/api.md): sign-in, sessions, password
// links and changes, accounts and users. It is also the gateway's session
// directory (api/authn.h).
//
// Sign-in goes through the user aggregate (aggregates/identity/sign_in.h):
// BeginLogin reserves an attempt the lock-out counts, the password is
// checked here, FinishLogin records the outcome and starts the session. An
// unknown e-mail takes the same steps (both commands are refused, and the
// password is checked against a dummy hash), so every failed sign-in --
// wrong password, unknown, locked or disabled user -- answers the same 401
// after the same work. Sign-in is also rate-limited per client address and
// per e-mail (LoginThrottle).
//
// Sessions are identity events, so every gateway knows them: a session
// token is "<user id>.<random>", and a request is checked against this
// gateway's identity read model after a read barrier on the user's
// partition (Positions::AwaitCommitted), so a sign-out or a disabled user
// on any gateway is refused here at once. Without the broker, the check
// uses what this gateway has applied.
//
// Links (forgotten password): the token is an HMAC of the issuing command
// under the deployment's link key (aggregates::LinkToken); the event holds
// only its SHA-256; the notifier mails it.
#ifndef DOCKET_API_ROUTES_IDENTITY_H_
#define DOCKET_API_ROUTES_IDENTITY_H_

#include <memory>
#include <optional>

#include "aggregates/identity/password_policy.h"
#include "api/gateway.h"
#include "api/projector_model.h"
#include "api/routes/login_throttle.h"
#include "consumers/projection_runner.h"
#include "projections/identity/identity_queries.h"

namespace docket::api {

class IdentityRoutes final : public RouteModule {
 public:
  // `identity` keeps the identity read models; it must outlive the routes.
  // `common_passwords`: the list file of aggregates::PasswordPolicy, read by
  // Register.
  IdentityRoutes(consumers::ProjectionRunner* identity, std::string common_passwords)
      : identity_(identity), common_passwords_(std::move(common_passwords)) {}
  ~IdentityRoutes() override;

  Status Register(Router& router, Services& services) override;

 private:
  using Queries = StoreQueries<projections::IdentityQueries>;
  OrReply<Queries> Reads() const;
  int32_t PartitionOf(const std::string& user_id) const;
  fb::CommandEnvelopeT SystemCommand(const std::string& user_id, const char* what) const;

  // identity.cc: the directory, accounts and users.
  Result<std::optional<Principal>> SessionPrincipal(const std::string& token, bool fresh);
  void Touch(const std::string& user_id, const std::string& session_id, int64_t now);
  Reply Me(Call& call);
  Reply CreateAccount(Call& call);
  Reply AddAddress(Call& call);
  Reply AccountCommand(Call& call, fb::CommandEnvelopeT cmd);
  Reply GetAccount(Call& call);
  Reply CreateUser(Call& call);
  Reply GetUser(Call& call);
  Reply UserCommand(Call& call, fb::CommandEnvelopeT cmd);
  Reply Disable(Call& call);
  Reply Enable(Call& call);
  Reply SetEnabled(Call& call, bool enabled);
  Reply Unlock(Call& call);

  // identity_sign_in.cc: sign-in, sign-out, passwords and links.
  Reply Login(Call& call);
  void Rehash(const projections::UserView& u, const std::string& password);
  Reply Logout(Call& call);
  Reply ChangePassword(Call& call);
  Reply ForgotPassword(Call& call);
  Reply CheckResetLink(Call& call);
  Reply ResetPassword(Call& call);
  // The user of a reset link that is live now; nullopt otherwise.
  OrReply<std::optional<projections::UserView>> LinkUser(const std::string& token);

  consumers::ProjectionRunner* identity_;
  std::string common_passwords_;
  aggregates::PasswordPolicy policy_;
  Services* s_ = nullptr;
  std::string link_key_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<LoginThrottle> login_throttle_;
  std::unique_ptr<RateLimiter> links_per_email_;
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_IDENTITY_H_
