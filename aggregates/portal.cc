#include "aggregates/portal.h"

#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "aggregates/rules.h"
#include "common/hash.h"
#include "common/text.h"

namespace docket::aggregates {
namespace {

using fb::ResultCode;
using fb::Role;

bool IsStaff(const fb::ActorT& a) {
  return a.role == Role::Staff || a.role == Role::Admin || a.role == Role::System;
}

Result<fb::PortalSnapshotT> Load(std::string_view state) {
  if (state.empty()) return fb::PortalSnapshotT{};
  return events::DecodePortalSnapshot(state);
}

Rejection Corrupt(const Status& s) {
  return Reject(ResultCode::Internal, "state.corrupt", s.ToString());
}

Rejection NotFound(std::string rule, std::string what) {
  return Reject(ResultCode::NotFound, std::move(rule), what + " not found");
}

std::optional<Rejection> CheckAddress(const std::string& a, const std::string& field) {
  return CheckText(a, field, 1, 500, "account.service_address");
}

Decision DecideCreateAccount(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                             const fb::CreateAccountT& c, const PortalLimits& lim) {
  if (!IsStaff(*cmd.actor)) {
    return Reject(ResultCode::PermissionDenied, "account.staff_only",
                  "only staff create accounts");
  }
  if (!IsAccountNumber(c.account_number)) {
    return Invalid("account.number", "account_number",
                   "must be 1..32 letters, digits or '-'");
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
                          const fb::AddServiceAddressT& c, const PortalLimits& lim) {
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
                          const fb::CreateUserT& c, const PortalLimits& lim) {
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
  if (c.password_hash.rfind("$argon2id$", 0) != 0) {
    return Invalid("user.password_hash", "password_hash", "must be an Argon2id hash");
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

template <typename Fn>
Decision WithState(std::string_view state, const fb::CommandEnvelopeT& cmd, Fn&& fn) {
  if (!cmd.actor) return Invalid("command.actor", "actor", "is required");
  Result<fb::PortalSnapshotT> s = Load(state);
  if (!s.ok()) return Corrupt(s.status());
  if (cmd.expected_version >= 0 &&
      static_cast<uint64_t>(cmd.expected_version) != s->version) {
    return Reject(ResultCode::VersionConflict, "aggregate.version",
                  cmd.aggregate_id + " is at version " + std::to_string(s->version) +
                      ", not " + std::to_string(cmd.expected_version));
  }
  return fn(*s);
}

}  // namespace

std::string_view ContextOf(fb::Command type) {
  switch (type) {
    case fb::Command::CreateAccount:
    case fb::Command::AddServiceAddress:
    case fb::Command::CreateUser:
    case fb::Command::ChangePasswordHash:
      return "identity";
    case fb::Command::SetServiceStatus:
    case fb::Command::SubmitFeedback:
      return "status";
    default:
      return "cases";
  }
}

std::string UserIdForEmail(std::string_view email) {
  const std::string lower = Lower(std::string(email));
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(lower.data()), lower.size());
  static const char* kHex = "0123456789abcdef";
  std::string out = "u";
  for (int i = 0; i < 12; ++i) {
    out += kHex[h[i] >> 4];
    out += kHex[h[i] & 15];
  }
  return out;
}

std::string ServiceAggregateId(std::string_view service) {
  return "svc-" + std::string(service);
}

bool IsAccountNumber(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-';
  });
}

bool IsServiceName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::optional<std::string> WeakPassword(const std::string& pw, const std::string& email,
                                        const std::string& name) {
  const int64_t n = Utf8Length(pw);
  if (n < 12) return "must be at least 12 characters";
  if (std::set<char>(pw.begin(), pw.end()).size() < 5) {
    return "must use at least 5 different characters";
  }
  const std::string lower = Lower(pw);
  const std::string local = Lower(email.substr(0, email.find('@')));
  if (local.size() >= 4 && lower.find(local) != std::string::npos) {
    return "must not contain the e-mail address";
  }
  const std::string lname = Lower(name);
  if (lname.size() >= 4 && lower.find(lname) != std::string::npos) {
    return "must not contain the user's name";
  }
  for (const char* common : {"password", "123456", "qwerty", "letmein", "welcome", "docket"}) {
    if (lower.find(common) != std::string::npos) {
      return std::string("must not contain a common word or sequence ('") + common + "')";
    }
  }
  return std::nullopt;
}

std::string_view ServiceStateName(fb::ServiceState s) {
  switch (s) {
    case fb::ServiceState::Operational: return "OPERATIONAL";
    case fb::ServiceState::Degraded: return "DEGRADED";
    case fb::ServiceState::Outage: return "OUTAGE";
    case fb::ServiceState::Maintenance: return "MAINTENANCE";
  }
  return "UNKNOWN";
}

std::optional<fb::ServiceState> ParseServiceState(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(fb::ServiceState::MAX); ++i) {
    auto s = static_cast<fb::ServiceState>(i);
    if (ServiceStateName(s) == name) return s;
  }
  return std::nullopt;
}

std::string_view RoleName(fb::Role r) {
  switch (r) {
    case Role::Customer: return "customer";
    case Role::Staff: return "staff";
    case Role::Admin: return "admin";
    case Role::System: return "system";
  }
  return "unknown";
}

Status PortalLimits::Validate() const {
  if (max_service_addresses == 0 || max_memberships == 0) {
    return InvalidArgumentError("portal limits: every maximum must be > 0");
  }
  return Status::Ok();
}

Result<int32_t> PortalHandler::PartitionOf(std::string_view id, int32_t partitions) const {
  if (id.empty() || id.size() > 256) {
    return InvalidArgumentError("'" + std::string(id.substr(0, 64)) + "' is not an id");
  }
  return static_cast<int32_t>(Fnv1a(id) % static_cast<uint64_t>(partitions));
}

uint64_t PortalHandler::Version(std::string_view state) const {
  Result<fb::PortalSnapshotT> s = Load(state);
  return s.ok() ? s->version : 0;
}

Result<std::string> PortalHandler::Apply(std::string_view state,
                                         const fb::EventEnvelopeT& env) const {
  DOCKET_ASSIGN_OR_RETURN(fb::PortalSnapshotT s, Load(state));
  const fb::EventUnion& e = env.event;
  switch (e.type) {
    case fb::Event::AccountCreated:
      s.kind = "account";
      s.account = std::make_unique<fb::AccountCreatedT>(*e.AsAccountCreated());
      break;
    case fb::Event::ServiceAddressAdded:
      if (!s.account) return DataLossError("ServiceAddressAdded before AccountCreated");
      s.account->service_addresses.push_back(e.AsServiceAddressAdded()->address);
      break;
    case fb::Event::UserCreated:
      s.kind = "user";
      s.user = std::make_unique<fb::UserCreatedT>(*e.AsUserCreated());
      break;
    case fb::Event::PasswordHashChanged:
      if (!s.user) return DataLossError("PasswordHashChanged before UserCreated");
      s.user->password_hash = e.AsPasswordHashChanged()->password_hash;
      break;
    case fb::Event::ServiceStatusChanged:
      s.kind = "service";
      s.service = std::make_unique<fb::ServiceStatusChangedT>(*e.AsServiceStatusChanged());
      break;
    case fb::Event::FeedbackSubmitted:
      s.kind = "feedback";
      break;
    default:
      return DataLossError(std::string("event ") + fb::EnumNameEvent(e.type) +
                           " does not belong to the identity or status context");
  }
  s.aggregate_id = env.aggregate_id;
  s.version = env.version;
  s.schema_version = events::kSnapshotSchemaVersion;
  return events::EncodePortalSnapshot(s);
}

Decision IdentityHandler::Decide(std::string_view state, const fb::CommandEnvelopeT& cmd,
                                 int64_t, const std::string&) const {
  return WithState(state, cmd, [&](const fb::PortalSnapshotT& s) -> Decision {
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
        return Reject(ResultCode::InvalidArgument, "command.context",
                      std::string(events::CommandTypeName(cmd.command.type)) +
                          " is not an identity command");
    }
  });
}

Decision StatusHandler::Decide(std::string_view state, const fb::CommandEnvelopeT& cmd,
                               int64_t, const std::string&) const {
  return WithState(state, cmd, [&](const fb::PortalSnapshotT& s) -> Decision {
    Events out;
    switch (cmd.command.type) {
      case fb::Command::SetServiceStatus: {
        const auto& c = *cmd.command.AsSetServiceStatus();
        if (!IsStaff(*cmd.actor)) {
          return Reject(ResultCode::PermissionDenied, "status.staff_only",
                        "only staff post system status");
        }
        if (!IsServiceName(c.service) || cmd.aggregate_id != ServiceAggregateId(c.service)) {
          return Invalid("status.service", "service", "must be 1..64 of a-z, 0-9 and '-'");
        }
        if (auto r = CheckText(c.message, "message", 0, 1000, "status.message")) return *r;
        fb::ServiceStatusChangedT e;
        e.service = c.service;
        e.status = c.status;
        e.message = c.message;
        out.emplace_back().Set(std::move(e));
        return out;
      }
      case fb::Command::SubmitFeedback: {
        const auto& c = *cmd.command.AsSubmitFeedback();
        if (!s.aggregate_id.empty()) {
          return Reject(ResultCode::AlreadyExists, "feedback.exists",
                        "feedback " + cmd.aggregate_id + " already exists");
        }
        if (cmd.aggregate_id.rfind("fb-", 0) != 0) {
          return Invalid("feedback.id", "id", "must start with fb-");
        }
        if (auto r = CheckText(c.message, "message", 1, 5000, "feedback.message")) return *r;
        if (auto r = CheckText(c.page, "page", 0, 500, "feedback.page")) return *r;
        if (c.rating > 5) return Invalid("feedback.rating", "rating", "must be 1..5");
        fb::FeedbackSubmittedT e;
        e.feedback_id = cmd.aggregate_id;
        e.message = c.message;
        e.rating = c.rating;
        e.page = c.page;
        out.emplace_back().Set(std::move(e));
        return out;
      }
      default:
        return Reject(ResultCode::InvalidArgument, "command.context",
                      std::string(events::CommandTypeName(cmd.command.type)) +
                          " is not a status command");
    }
  });
}

}  // namespace docket::aggregates
