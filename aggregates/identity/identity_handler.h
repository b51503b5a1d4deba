// The identity context's AggregateHandler (schemas/identity.fbs): accounts
// (id = account number) and users (id = UserIdForEmail). Ids are given by
// the command (GivenIdHandler), so "already exists" is the single writer's
// uniqueness check of an account number or an e-mail. Pure, thread-safe.
#ifndef DOCKET_AGGREGATES_IDENTITY_IDENTITY_HANDLER_H_
#define DOCKET_AGGREGATES_IDENTITY_IDENTITY_HANDLER_H_

#include "aggregates/given_id_handler.h"
#include "aggregates/identity/identity.h"

namespace docket::aggregates {

class IdentityHandler final : public GivenIdHandler {
 public:
  explicit IdentityHandler(IdentityLimits limits = {}) : limits_(limits) {}
  std::string_view context() const override { return "identity"; }
  // CreateAccount, AddServiceAddress, CreateUser, ChangePasswordHash.
  bool Handles(fb::Command type) const override;
  Decision Decide(std::string_view state, const fb::CommandEnvelopeT& command,
                  int64_t now_us, const std::string& new_id) const override;

 protected:
  Status Fold(fb::PortalSnapshotT& snapshot, const fb::EventEnvelopeT& event) const override;

 private:
  IdentityLimits limits_;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_IDENTITY_IDENTITY_HANDLER_H_
