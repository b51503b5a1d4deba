#include "projections/identity/identity_projection.h"

#include <algorithm>
#include <functional>
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

Result<std::optional<SessionView>> LoadSession(Txn& txn, const std::string& id) {
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(IdentityCf::kSessions, id));
  if (!row) return std::optional<SessionView>();
  DOCKET_ASSIGN_OR_RETURN(SessionView s, DecodeSession(*row));
  return std::optional<SessionView>(std::move(s));
}

// A sign-in event of user e.aggregate_id: `change` edits the user row (and
// may write sessions); the row keeps the event's version.
Result<ApplyOutcome> OnUser(const fb::EventEnvelopeT& e, Txn& txn,
                            const std::function<Status(UserView&)>& change) {
  DOCKET_ASSIGN_OR_RETURN(auto user, LoadUser(txn, e.aggregate_id));
  if (!user) return Unknown("user", e);
  if (user->version >= e.version) return ApplyOutcome::kAlreadyApplied;
  DOCKET_RETURN_IF_ERROR(change(*user));
  user->version = e.version;
  txn.Put(IdentityCf::kUsers, user->id, EncodeUser(*user));
  return ApplyOutcome::kApplied;
}

Status SessionStarted(const fb::EventEnvelopeT& e, UserView& u, Txn& txn) {
  const auto* ok = e.event.AsLoginSucceeded();
  u.failed_logins = 0;
  u.last_login_us = e.occurred_at_us;
  SessionView s{u.id, e.occurred_at_us, e.occurred_at_us, ok->expires_at_us, u.session_epoch};
  txn.Put(IdentityCf::kSessions, ok->session_id, EncodeSession(s));
  return Status::Ok();
}

// Every session of the user but the kept one ends: a new epoch.
Status SessionsEnded(const fb::EventEnvelopeT& e, UserView& u, Txn& txn) {
  ++u.session_epoch;
  const std::string& kept = e.event.AsSessionsEnded()->kept_session_id;
  if (kept.empty()) return Status::Ok();
  DOCKET_ASSIGN_OR_RETURN(auto s, LoadSession(txn, kept));
  if (s && s->user_id == u.id) {
    s->epoch = u.session_epoch;
    txn.Put(IdentityCf::kSessions, kept, EncodeSession(*s));
  }
  return Status::Ok();
}

Status SessionTouched(const fb::EventEnvelopeT& e, const UserView& u, Txn& txn) {
  const std::string& id = e.event.AsSessionTouched()->session_id;
  DOCKET_ASSIGN_OR_RETURN(auto s, LoadSession(txn, id));
  if (s && s->user_id == u.id) {
    s->last_seen_us = std::max(s->last_seen_us, e.occurred_at_us);
    txn.Put(IdentityCf::kSessions, id, EncodeSession(*s));
  }
  return Status::Ok();
}

Result<ApplyOutcome> SignInEvent(const fb::EventEnvelopeT& e, Txn& txn) {
  return OnUser(e, txn, [&](UserView& u) -> Status {
    switch (e.event.type) {
      case fb::Event::LoginSucceeded:
        return SessionStarted(e, u, txn);
      case fb::Event::LoginFailed:
        ++u.failed_logins;
        return Status::Ok();
      case fb::Event::UserLocked:
        u.locked = true;
        return Status::Ok();
      case fb::Event::UserUnlocked:
        u.locked = false;
        u.failed_logins = 0;
        return Status::Ok();
      case fb::Event::SessionEnded:
        txn.Delete(IdentityCf::kSessions, e.event.AsSessionEnded()->session_id);
        return Status::Ok();
      case fb::Event::SessionsEnded:
        return SessionsEnded(e, u, txn);
      case fb::Event::SessionTouched:
        return SessionTouched(e, u, txn);
      case fb::Event::UserDisabled:
        u.disabled = true;
        return Status::Ok();
      case fb::Event::UserEnabled:
        u.disabled = false;
        return Status::Ok();
      case fb::Event::TokenIssued: {
        const auto* t = e.event.AsTokenIssued();
        std::erase_if(u.tokens, [&](const TokenView& x) { return x.purpose == t->purpose; });
        u.tokens.push_back({t->purpose, t->token_hash, t->expires_at_us});
        return Status::Ok();
      }
      case fb::Event::PasswordSet:
        u.password_hash = e.event.AsPasswordSet()->password_hash;
        std::erase_if(u.tokens, [](const TokenView& x) { return x.purpose == "reset"; });
        return Status::Ok();
      default:  // LoginStarted: nothing to show
        return Status::Ok();
    }
  });
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
    case fb::Event::LoginStarted:
    case fb::Event::LoginSucceeded:
    case fb::Event::LoginFailed:
    case fb::Event::UserLocked:
    case fb::Event::UserUnlocked:
    case fb::Event::SessionEnded:
    case fb::Event::SessionsEnded:
    case fb::Event::SessionTouched:
    case fb::Event::UserDisabled:
    case fb::Event::UserEnabled:
    case fb::Event::TokenIssued:
    case fb::Event::PasswordSet:
      return SignInEvent(e, txn);
    default:
      return FailedPreconditionError(std::string(fb::EnumNameEvent(e.event.type)) +
                                     " does not belong to the identity context");
  }
}

std::vector<FamilySpec> IdentityProjection::Families() const {
  return {{"accounts", false}, {"users", false}, {"user_by_email", false}, {"sessions", false}};
}

std::unique_ptr<EventApplier> IdentityProjection::NewApplier() const {
  return std::make_unique<IdentityApplier>();
}

}  // namespace docket::projections
