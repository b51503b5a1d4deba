// The identity context's routes: sign in and out, the caller, accounts and
// users (docs/api.md). It is also the gateway's directory: it turns a
// session's user id into a Principal (api/authn.h).
//
// Login is rate-limited per client address and per e-mail, and an unknown
// e-mail is verified against a dummy hash, so it answers like a wrong
// password, in the same time.
#ifndef DOCKET_API_ROUTES_IDENTITY_H_
#define DOCKET_API_ROUTES_IDENTITY_H_

#include <memory>
#include <optional>

#include "api/gateway.h"
#include "api/projector_model.h"
#include "api/routes/login_throttle.h"
#include "consumers/projection_runner.h"
#include "projections/identity/identity_queries.h"

namespace docket::api {

class IdentityRoutes final : public RouteModule {
 public:
  // `identity` keeps the identity read models; it must outlive the routes.
  explicit IdentityRoutes(consumers::ProjectionRunner* identity) : identity_(identity) {}
  ~IdentityRoutes() override;

  Status Register(Router& router, Services& services) override;

 private:
  using Queries = StoreQueries<projections::IdentityQueries>;
  OrReply<Queries> Reads() const;
  Result<std::optional<Principal>> FindPrincipal(const std::string& user_id) const;
  Reply Login(Call& call);
  void Rehash(const projections::UserView& u, const std::string& password);
  Reply Logout(Call& call);
  Reply Me(Call& call);
  Reply CreateAccount(Call& call);
  Reply AddAddress(Call& call);
  Reply AccountCommand(Call& call, fb::CommandEnvelopeT cmd);
  Reply GetAccount(Call& call);
  Reply CreateUser(Call& call);
  Reply GetUser(Call& call);

  consumers::ProjectionRunner* identity_;
  Services* s_ = nullptr;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<LoginThrottle> login_throttle_;
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_IDENTITY_H_
