#include "aggregates/identity/identity_handler.h"

#include <algorithm>

#include "aggregates/identity/access_request.h"
#include "aggregates/identity/profile.h"
#include "aggregates/identity/sign_in.h"
#include "aggregates/identity/identity_rules.h"
#include "aggregates/rules.h"
#include "common/text.h"

namespace docket::aggregates {
namespace {

using identity_rules::IsStaff;
using identity_rules::One;

using fb::ResultCode;
using fb::Role;

Rejection NotFound(std::string rule, std::string what) {
  return Reject(ResultCode::NotFound, std::move(rule), what + " not found");
}

std::optional<Rejection> CheckAddress(const std::string& a, const std::string& field) {
  return CheckText(a, field, 1, 500, "account.service_address");
}

Decision DecideCreateAccount(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                             const fb::CreateAccountT& c, const IdentityLimits& lim) {
  if (!IsStaff(*cmd.actor)) {
    return Reject(ResultCode::PermissionDenied, "account.staff_only",
                  "only staff create accounts");
  }
  if (!IsAccountNumber(c.account_number)) {
    return Invalid("account.number", "account_number",
                   "must be 1..32 letters, digits or '-', and not of the form of a user id");
  }
  if (cmd.aggregate_id != c.account_number) {
    return Invalid("account.id", "account_number", "must be the command's aggregate id");
  }
  if (!s.aggregate_id.empty()) {
    return Reject(ResultCode::AlreadyExists, "account.exists",
                  "account " + c.account_number + " already exists");
  }
  if (auto r = CheckText(c.name, "name", 1, 200, "account.name")) return *r;
  if (c.service_addresses.size() > lim.max_service_addresses) {
    return Invalid("account.service_addresses", "service_addresses",
                   "at most " + std::to_string(lim.max_service_addresses));
  }
  std::vector<std::string> seen;
  for (size_t i = 0; i < c.service_addresses.size(); ++i) {
    const std::string field = "service_addresses[" + std::to_string(i) + "]";
    if (auto r = CheckAddress(c.service_addresses[i], field)) return *r;
    if (std::find(seen.begin(), seen.end(), Lower(c.service_addresses[i])) != seen.end()) {
      return Invalid("account.address_exists", field, "is given twice");
    }
    seen.push_back(Lower(c.service_addresses[i]));
  }
  fb::AccountCreatedT e;
  e.account_id = c.account_number;
  e.account_number = c.account_number;
  e.name = c.name;
  e.service_addresses = c.service_addresses;
  Events out;
  out.emplace_back().Set(std::move(e));
  return out;
}

Decision DecideAddAddress(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                          const fb::AddServiceAddressT& c, const IdentityLimits& lim) {
  if (!IsStaff(*cmd.actor)) {
    return Reject(ResultCode::PermissionDenied, "account.staff_only",
                  "only staff change accounts");
  }
  if (!s.account) return NotFound("account.not_found", "account " + cmd.aggregate_id);
  if (auto r = CheckAddress(c.address, "address")) return *r;
  for (const auto& a : s.account->service_addresses) {
    if (Lower(a) == Lower(c.address)) {
      return Reject(ResultCode::AlreadyExists, "account.address_exists",
                    "account " + cmd.aggregate_id + " already has this service address");
    }
  }
  if (s.account->service_addresses.size() >= lim.max_service_addresses) {
    return Reject(ResultCode::FailedPrecondition, "account.too_many_addresses",
                  "an account has at most " + std::to_string(lim.max_service_addresses) +
                      " service addresses");
  }
  fb::ServiceAddressAddedT e;
  e.address = c.address;
  Events out;
  out.emplace_back().Set(std::move(e));
  return out;
}

Decision DecideCreateUser(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                          const fb::CreateUserT& c, const IdentityLimits& lim) {
  const fb::ActorT& actor = *cmd.actor;
  if (!IsStaff(actor)) {
    return Reject(ResultCode::PermissionDenied, "user.staff_only", "only staff create users");
  }
  if (c.role == Role::System) {
    return Invalid("user.role", "role", "must be customer, staff or admin");
  }
  if (c.role != Role::Customer && actor.role == Role::Staff) {
    return Reject(ResultCode::PermissionDenied, "user.admin_only",
                  "only admins create staff and admin users");
  }
  if (!ValidEmail(c.email)) {
    return Invalid("user.email", "email", "is not an e-mail address");
  }
  if (cmd.aggregate_id != UserIdForEmail(c.email)) {
    return Invalid("user.id", "email", "does not match the command's aggregate id");
  }
  if (!s.aggregate_id.empty()) {
    return Reject(ResultCode::AlreadyExists, "user.email_taken",
                  "a user with this e-mail already exists");
  }
  if (auto r = CheckText(c.name, "name", 1, 200, "user.name")) return *r;
  if (c.role == Role::Customer && c.account_ids.empty()) {
    return Invalid("user.accounts", "account_ids", "a customer needs at least one account");
  }
  if (c.role != Role::Customer && !c.account_ids.empty()) {
    return Invalid("user.accounts", "account_ids", "staff see every account; give none");
  }
  if (c.account_ids.size() > lim.max_memberships) {
    return Invalid("user.accounts", "account_ids",
                   "at most " + std::to_string(lim.max_memberships));
  }
  for (size_t i = 0; i < c.account_ids.size(); ++i) {
    if (!IsAccountNumber(c.account_ids[i])) {
      return Invalid("user.accounts", "account_ids[" + std::to_string(i) + "]",
                     "is not an account id");
    }
  }
  // An empty hash invites the user: the activation link sets the password.
  if (!c.password_hash.empty() && c.password_hash.rfind("$argon2id$", 0) != 0) {
    return Invalid("user.password_hash", "password_hash", "must be an Argon2id hash or empty");
  }
  if (!ValidPhone(c.phone)) {
    return Invalid("user.phone", "phone", "must be at most 40 digits, spaces or +-().x");
  }
  fb::UserCreatedT e;
  e.user_id = cmd.aggregate_id;
  e.email = c.email;
  e.name = c.name;
  e.role = c.role;
  e.account_ids = c.account_ids;
  std::sort(e.account_ids.begin(), e.account_ids.end());
  e.account_ids.erase(std::unique(e.account_ids.begin(), e.account_ids.end()),
                      e.account_ids.end());
  e.password_hash = c.password_hash;
  e.phone = c.phone;
  Events out;
  out.emplace_back().Set(std::move(e));
  return out;
}

Decision DecideChangeHash(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                          const fb::ChangePasswordHashT& c) {
  if (!s.user) return NotFound("user.not_found", "user " + cmd.aggregate_id);
  if (cmd.actor->role != Role::System && cmd.actor->user_id != s.user->user_id) {
    return Reject(ResultCode::PermissionDenied, "user.own_password",
                  "only the user changes their password");
  }
  if (c.password_hash.rfind("$argon2id$", 0) != 0) {
    return Invalid("user.password_hash", "password_hash", "must be an Argon2id hash");
  }
  fb::PasswordHashChangedT e;
  e.password_hash = c.password_hash;
  Events out;
  out.emplace_back().Set(std::move(e));
  return out;
}

}  // namespace

bool IdentityHandler::Handles(fb::Command type) const {
  switch (type) {
    case fb::Command::CreateAccount:
    case fb::Command::AddServiceAddress:
    case fb::Command::CreateUser:
    case fb::Command::ChangePasswordHash:
      return true;
    default:
      return IsSignInCommand(type) || IsProfileCommand(type) || IsAccessCommand(type);
  }
}

Decision IdentityHandler::Decide(std::string_view state, const fb::CommandEnvelopeT& cmd,
                                 int64_t now_us, const std::string&) const {
  return DecideOn(state, cmd, [&](const fb::PortalSnapshotT& s) -> Decision {
    if (IsSignInCommand(cmd.command.type)) return DecideSignIn(s, cmd, now_us, limits_);
    if (IsProfileCommand(cmd.command.type)) return DecideProfile(s, cmd, limits_);
    if (IsAccessCommand(cmd.command.type)) return DecideAccess(s, cmd);
    switch (cmd.command.type) {
      case fb::Command::CreateAccount:
        return DecideCreateAccount(s, cmd, *cmd.command.AsCreateAccount(), limits_);
      case fb::Command::AddServiceAddress:
        return DecideAddAddress(s, cmd, *cmd.command.AsAddServiceAddress(), limits_);
      case fb::Command::CreateUser:
        return DecideCreateUser(s, cmd, *cmd.command.AsCreateUser(), limits_);
      case fb::Command::ChangePasswordHash:
        return DecideChangeHash(s, cmd, *cmd.command.AsChangePasswordHash());
      default:
        return NotThisContext(cmd, "an identity command");
    }
  });
}

Status IdentityHandler::Fold(fb::PortalSnapshotT& s, const fb::EventEnvelopeT& env) const {
  const fb::EventUnion& e = env.event;
  if (IsSignInEvent(e.type)) return FoldSignIn(s, e, env.occurred_at_us);
  if (IsProfileEvent(e.type)) return FoldProfile(s, e);
  if (IsAccessEvent(e.type)) return FoldAccess(s, e);
  switch (e.type) {
    case fb::Event::AccountCreated:
      s.kind = "account";
      s.account = std::make_unique<fb::AccountCreatedT>(*e.AsAccountCreated());
      return Status::Ok();
    case fb::Event::ServiceAddressAdded:
      if (!s.account) return DataLossError("ServiceAddressAdded before AccountCreated");
      s.account->service_addresses.push_back(e.AsServiceAddressAdded()->address);
      return Status::Ok();
    case fb::Event::UserCreated:
      s.kind = "user";
      s.user = std::make_unique<fb::UserCreatedT>(*e.AsUserCreated());
      return Status::Ok();
    case fb::Event::PasswordHashChanged:
      if (!s.user) return DataLossError("PasswordHashChanged before UserCreated");
      s.user->password_hash = e.AsPasswordHashChanged()->password_hash;
      return Status::Ok();
    default:
      return DataLossError(std::string("event ") + fb::EnumNameEvent(e.type) +
                           " does not belong to the identity context");
  }
}

}  // namespace docket::aggregates
