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

std::vector<std::string> IndexKeys(const UserView& u) {
  std::vector<std::string> keys;
  for (const std::string& w : UserWords(u)) keys.push_back(UserWordKey(w, u.id));
  for (const std::string& a : u.account_ids) keys.push_back(UserAccountKey(a, u.id));
  return keys;
}

// Writes the user row and keeps its indexes (words, memberships, username)
// in step with what changed since `before` (nullptr: a new user).
Status PutUser(Txn& txn, const UserView* before, const UserView& u) {
  txn.Put(IdentityCf::kUsers, u.id, EncodeUser(u));
  // Most events (sign-ins, sessions, links) change nothing indexed.
  if (before && before->name == u.name && before->email == u.email &&
      before->username == u.username && before->account_ids == u.account_ids) {
    return Status::Ok();
  }
  std::vector<std::string> old_keys = before ? IndexKeys(*before) : std::vector<std::string>{};
  const std::vector<std::string> new_keys = IndexKeys(u);
  for (const std::string& k : old_keys) {
    if (std::find(new_keys.begin(), new_keys.end(), k) == new_keys.end()) {
      txn.Delete(IdentityCf::kUserIndex, k);
    }
  }
  for (const std::string& k : new_keys) {
    if (std::find(old_keys.begin(), old_keys.end(), k) == old_keys.end()) {
      txn.Put(IdentityCf::kUserIndex, k, "");
    }
  }
  const std::string old_name = before ? Lower(before->username) : "";
  if (old_name != Lower(u.username)) {
    // Another user may hold the old name by now (its claim was released
    // and taken, and that user's partition applied first): theirs stays.
    if (!old_name.empty()) {
      Result<std::optional<std::string>> holder = txn.Get(IdentityCf::kUserByUsername, old_name);
      if (!holder.ok()) return holder.status();
      if (*holder == u.id) txn.Delete(IdentityCf::kUserByUsername, old_name);
    }
    if (!u.username.empty()) txn.Put(IdentityCf::kUserByUsername, Lower(u.username), u.id);
  }
  return Status::Ok();
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
  v.phone = u->phone;
  v.username = u->username;
  v.created_at_us = e.occurred_at_us;
  v.version = e.version;
  txn.Put(IdentityCf::kUserByEmail, Lower(v.email), v.id);
  DOCKET_RETURN_IF_ERROR(PutUser(txn, existing ? &*existing : nullptr, v));
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
  const UserView before = *user;
  DOCKET_RETURN_IF_ERROR(change(*user));
  user->version = e.version;
  DOCKET_RETURN_IF_ERROR(PutUser(txn, &before, *user));
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
        std::erase_if(u.tokens, [](const TokenView& x) { return x.purpose == "unlock"; });
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
        std::erase_if(u.tokens, [](const TokenView& x) {
          return x.purpose == "reset" || x.purpose == "activation";
        });
        return Status::Ok();
      default:  // LoginStarted: nothing to show
        return Status::Ok();
    }
  });
}

Result<ApplyOutcome> ProfileEvent(const fb::EventEnvelopeT& e, Txn& txn) {
  return OnUser(e, txn, [&](UserView& u) -> Status {
    switch (e.event.type) {
      case fb::Event::UserProfileChanged:
        u.name = e.event.AsUserProfileChanged()->name;
        u.phone = e.event.AsUserProfileChanged()->phone;
        break;
      case fb::Event::UsernameChanged:
        u.username = e.event.AsUsernameChanged()->username;
        break;
      case fb::Event::MembershipChanged: {
        const auto* m = e.event.AsMembershipChanged();
        std::erase(u.account_ids, m->account_id);
        if (m->added) {
          u.account_ids.push_back(m->account_id);
          std::sort(u.account_ids.begin(), u.account_ids.end());
        }
        break;
      }
      case fb::Event::ChallengeSet:
        u.challenge_question = e.event.AsChallengeSet()->question_id;
        u.challenge_hash = e.event.AsChallengeSet()->answer_hash;
        break;
      default:  // UnlockAdvised: nothing to show
        break;
    }
    return Status::Ok();
  });
}

Result<std::optional<AccessRequestView>> LoadRequest(Txn& txn, const std::string& id) {
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(IdentityCf::kAccessRequests, id));
  if (!row) return std::optional<AccessRequestView>();
  DOCKET_ASSIGN_OR_RETURN(AccessRequestView r, DecodeAccessRequest(*row));
  return std::optional<AccessRequestView>(std::move(r));
}

void PutRequest(Txn& txn, const AccessRequestView& r) {
  txn.Put(IdentityCf::kAccessRequests, r.id, EncodeAccessRequest(r));
  txn.Put(IdentityCf::kAccessRequestIndex, AccessRequestKey(r.state, r.created_at_us, r.id), "");
  txn.Put(IdentityCf::kAccessRequestIndex, AccessRequestKey("all", r.created_at_us, r.id), "");
}

Result<ApplyOutcome> AccessEvent(const fb::EventEnvelopeT& e, Txn& txn) {
  DOCKET_ASSIGN_OR_RETURN(auto existing, LoadRequest(txn, e.aggregate_id));
  if (existing && existing->version >= e.version) return ApplyOutcome::kAlreadyApplied;
  if (e.event.type == fb::Event::AccessRequested) {
    const auto* a = e.event.AsAccessRequested();
    AccessRequestView r;
    r.id = a->request_id;
    r.kind = a->kind;
    r.name = a->name;
    r.phone = a->phone;
    r.email = a->email;
    r.account_name = a->account_name;
    r.account_number = a->account_number;
    r.service_address = a->service_address;
    r.description = a->description;
    r.created_at_us = e.occurred_at_us;
    r.version = e.version;
    PutRequest(txn, r);
    return ApplyOutcome::kApplied;
  }
  if (!existing) return Unknown("access request", e);
  const auto* d = e.event.AsAccessRequestDecided();
  txn.Delete(IdentityCf::kAccessRequestIndex,
             AccessRequestKey(existing->state, existing->created_at_us, existing->id));
  existing->state = d->approved ? "approved" : "rejected";
  existing->reason = d->reason;
  existing->user_id = d->user_id;
  existing->account_id = d->account_id;
  existing->decided_by = e.actor ? e.actor->user_id : "";
  existing->decided_at_us = e.occurred_at_us;
  existing->version = e.version;
  PutRequest(txn, *existing);
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
    case fb::Event::UserProfileChanged:
    case fb::Event::UsernameChanged:
    case fb::Event::MembershipChanged:
    case fb::Event::ChallengeSet:
    case fb::Event::UnlockAdvised:
      return ProfileEvent(e, txn);
    case fb::Event::AccessRequested:
    case fb::Event::AccessRequestDecided:
      return AccessEvent(e, txn);
    case fb::Event::UsernameClaimed:
    case fb::Event::UsernameReleased:
      // The claims are the decider's; the read model keeps the username
      // on the user (UsernameChanged).
      return ApplyOutcome::kApplied;
    default:
      return FailedPreconditionError(std::string(fb::EnumNameEvent(e.event.type)) +
                                     " does not belong to the identity context");
  }
}

std::vector<FamilySpec> IdentityProjection::Families() const {
  return {{"accounts"},         {"users"},      {"user_by_email"},   {"sessions"},
          {"user_by_username"}, {"user_index"}, {"access_requests"}, {"access_request_index"}};
}

std::unique_ptr<EventApplier> IdentityProjection::NewApplier() const {
  return std::make_unique<IdentityApplier>();
}

}  // namespace docket::projections
