#include "projections/identity/identity_projection.h"

#include <string>

#include "common/text.h"
#include "projections/identity/identity_queries.h"

namespace docket::projections {
namespace {

Result<std::optional<AccountView>> LoadAccount(Txn& txn, const std::string& id) {
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(IdentityCf::kAccounts, id));
  if (!row) return std::optional<AccountView>();
  DOCKET_ASSIGN_OR_RETURN(AccountView a, DecodeAccount(*row));
  return std::optional<AccountView>(std::move(a));
}

Result<std::optional<UserView>> LoadUser(Txn& txn, const std::string& id) {
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(IdentityCf::kUsers, id));
  if (!row) return std::optional<UserView>();
  DOCKET_ASSIGN_OR_RETURN(UserView u, DecodeUser(*row));
  return std::optional<UserView>(std::move(u));
}

Status Unknown(const char* what, const fb::EventEnvelopeT& e) {
  return FailedPreconditionError(std::string(fb::EnumNameEvent(e.event.type)) + " for " + what +
                                 " " + e.aggregate_id + " never created");
}

Result<ApplyOutcome> AccountCreated(const fb::EventEnvelopeT& e, Txn& txn) {
  const auto* a = e.event.AsAccountCreated();
  DOCKET_ASSIGN_OR_RETURN(auto existing, LoadAccount(txn, a->account_id));
  if (existing && existing->version >= e.version) return ApplyOutcome::kAlreadyApplied;
  AccountView v;
  v.id = a->account_id;
  v.account_number = a->account_number;
  v.name = a->name;
  v.service_addresses = a->service_addresses;
  v.created_at_us = e.occurred_at_us;
  v.version = e.version;
  txn.Put(IdentityCf::kAccounts, v.id, EncodeAccount(v));
  return ApplyOutcome::kApplied;
}

Result<ApplyOutcome> AddressAdded(const fb::EventEnvelopeT& e, Txn& txn) {
  DOCKET_ASSIGN_OR_RETURN(auto account, LoadAccount(txn, e.aggregate_id));
  if (!account) return Unknown("account", e);
  if (account->version >= e.version) return ApplyOutcome::kAlreadyApplied;
  account->service_addresses.push_back(e.event.AsServiceAddressAdded()->address);
  account->version = e.version;
  txn.Put(IdentityCf::kAccounts, account->id, EncodeAccount(*account));
  return ApplyOutcome::kApplied;
}

Result<ApplyOutcome> UserCreated(const fb::EventEnvelopeT& e, Txn& txn) {
  const auto* u = e.event.AsUserCreated();
  DOCKET_ASSIGN_OR_RETURN(auto existing, LoadUser(txn, u->user_id));
  if (existing && existing->version >= e.version) return ApplyOutcome::kAlreadyApplied;
  UserView v;
  v.id = u->user_id;
  v.email = u->email;
  v.name = u->name;
  v.role = u->role;
  v.account_ids = u->account_ids;
  v.password_hash = u->password_hash;
  v.created_at_us = e.occurred_at_us;
  v.version = e.version;
  txn.Put(IdentityCf::kUserByEmail, Lower(v.email), v.id);
  txn.Put(IdentityCf::kUsers, v.id, EncodeUser(v));
  return ApplyOutcome::kApplied;
}

Result<ApplyOutcome> PasswordChanged(const fb::EventEnvelopeT& e, Txn& txn) {
  DOCKET_ASSIGN_OR_RETURN(auto user, LoadUser(txn, e.aggregate_id));
  if (!user) return Unknown("user", e);
  if (user->version >= e.version) return ApplyOutcome::kAlreadyApplied;
  user->password_hash = e.event.AsPasswordHashChanged()->password_hash;
  user->version = e.version;
  txn.Put(IdentityCf::kUsers, user->id, EncodeUser(*user));
  return ApplyOutcome::kApplied;
}

class IdentityApplier final : public EventApplier {
 public:
  Result<ApplyOutcome> Apply(const fb::EventEnvelopeT& event, Txn& txn) override {
    return ApplyIdentityEvent(event, txn);
  }
};

}  // namespace

Result<ApplyOutcome> ApplyIdentityEvent(const fb::EventEnvelopeT& e, Txn& txn) {
  switch (e.event.type) {
    case fb::Event::AccountCreated:
      return AccountCreated(e, txn);
    case fb::Event::ServiceAddressAdded:
      return AddressAdded(e, txn);
    case fb::Event::UserCreated:
      return UserCreated(e, txn);
    case fb::Event::PasswordHashChanged:
      return PasswordChanged(e, txn);
    default:
      return FailedPreconditionError(std::string(fb::EnumNameEvent(e.event.type)) +
                                     " does not belong to the identity context");
  }
}

std::vector<FamilySpec> IdentityProjection::Families() const {
  return {{"accounts", false}, {"users", false}, {"user_by_email", false}};
}

std::unique_ptr<EventApplier> IdentityProjection::NewApplier() const {
  return std::make_unique<IdentityApplier>();
}

}  // namespace docket::projections
