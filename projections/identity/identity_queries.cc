#include "projections/identity/identity_queries.h"

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "projections/identity/identity_projection.h"

namespace docket::projections {
namespace {

using nlohmann::json;

// Parses a stored JSON object; kDataLoss for anything else.
Result<json> ParseRow(std::string_view row, const char* what) {
  json j = json::parse(row, nullptr, false);
  if (!j.is_object()) return DataLossError(std::string("identity: stored ") + what + " is not JSON");
  return j;
}

}  // namespace

std::string EncodeAccount(const AccountView& a) {
  return json{{"id", a.id},
              {"account_number", a.account_number},
              {"name", a.name},
              {"service_addresses", a.service_addresses},
              {"created_at_us", a.created_at_us},
              {"version", a.version}}
      .dump();
}

Result<AccountView> DecodeAccount(std::string_view row) {
  DOCKET_ASSIGN_OR_RETURN(json j, ParseRow(row, "account"));
  try {
    AccountView a;
    a.id = j.at("id").get<std::string>();
    a.account_number = j.at("account_number").get<std::string>();
    a.name = j.at("name").get<std::string>();
    a.service_addresses = j.at("service_addresses").get<std::vector<std::string>>();
    a.created_at_us = j.at("created_at_us").get<int64_t>();
    a.version = j.at("version").get<uint64_t>();
    return a;
  } catch (const json::exception& e) {
    return DataLossError(std::string("identity: stored account: ") + e.what());
  }
}

std::string EncodeUser(const UserView& u) {
  json tokens = json::array();
  for (const TokenView& t : u.tokens) {
    tokens.push_back(
        {{"purpose", t.purpose}, {"token_hash", t.token_hash}, {"expires_at_us", t.expires_at_us}});
  }
  return json{{"id", u.id},
              {"email", u.email},
              {"name", u.name},
              {"role", static_cast<int>(u.role)},
              {"account_ids", u.account_ids},
              {"password_hash", u.password_hash},
              {"created_at_us", u.created_at_us},
              {"version", u.version},
              {"disabled", u.disabled},
              {"locked", u.locked},
              {"failed_logins", u.failed_logins},
              {"last_login_us", u.last_login_us},
              {"session_epoch", u.session_epoch},
              {"tokens", tokens}}
      .dump();
}

Result<UserView> DecodeUser(std::string_view row) {
  DOCKET_ASSIGN_OR_RETURN(json j, ParseRow(row, "user"));
  try {
    UserView u;
    u.id = j.at("id").get<std::string>();
    u.email = j.at("email").get<std::string>();
    u.name = j.at("name").get<std::string>();
    const int role = j.at("role").get<int>();
    if (role < static_cast<int>(fb::Role::MIN) || role > static_cast<int>(fb::Role::MAX)) {
      return DataLossError("identity: stored user has role " + std::to_string(role));
    }
    u.role = static_cast<fb::Role>(role);
    u.account_ids = j.at("account_ids").get<std::vector<std::string>>();
    u.password_hash = j.at("password_hash").get<std::string>();
    u.created_at_us = j.at("created_at_us").get<int64_t>();
    u.version = j.at("version").get<uint64_t>();
    // Rows written before sign-in events existed lack these.
    u.disabled = j.value("disabled", false);
    u.locked = j.value("locked", false);
    u.failed_logins = j.value("failed_logins", 0);
    u.last_login_us = j.value("last_login_us", int64_t{0});
    u.session_epoch = j.value("session_epoch", uint64_t{0});
    for (const json& t : j.value("tokens", json::array())) {
      u.tokens.push_back({t.at("purpose").get<std::string>(), t.at("token_hash").get<std::string>(),
                          t.at("expires_at_us").get<int64_t>()});
    }
    return u;
  } catch (const json::exception& e) {
    return DataLossError(std::string("identity: stored user: ") + e.what());
  }
}

std::string EncodeSession(const SessionView& s) {
  return json{{"user_id", s.user_id},
              {"created_us", s.created_us},
              {"last_seen_us", s.last_seen_us},
              {"expires_at_us", s.expires_at_us},
              {"epoch", s.epoch}}
      .dump();
}

Result<SessionView> DecodeSession(std::string_view row) {
  DOCKET_ASSIGN_OR_RETURN(json j, ParseRow(row, "session"));
  try {
    SessionView s;
    s.user_id = j.at("user_id").get<std::string>();
    s.created_us = j.at("created_us").get<int64_t>();
    s.last_seen_us = j.at("last_seen_us").get<int64_t>();
    s.expires_at_us = j.at("expires_at_us").get<int64_t>();
    s.epoch = j.at("epoch").get<uint64_t>();
    return s;
  } catch (const json::exception& e) {
    return DataLossError(std::string("identity: stored session: ") + e.what());
  }
}

Result<std::optional<SessionView>> IdentityQueries::Session(const std::string& id) const {
  DOCKET_ASSIGN_OR_RETURN(auto row, store_->Get(IdentityCf::kSessions, id));
  if (!row) return std::optional<SessionView>();
  DOCKET_ASSIGN_OR_RETURN(SessionView s, DecodeSession(*row));
  return std::optional<SessionView>(std::move(s));
}

Result<std::optional<AccountView>> IdentityQueries::Account(const std::string& id) const {
  DOCKET_ASSIGN_OR_RETURN(auto row, store_->Get(IdentityCf::kAccounts, id));
  if (!row) return std::optional<AccountView>();
  DOCKET_ASSIGN_OR_RETURN(AccountView a, DecodeAccount(*row));
  return std::optional<AccountView>(std::move(a));
}

Result<std::optional<UserView>> IdentityQueries::User(const std::string& id) const {
  DOCKET_ASSIGN_OR_RETURN(auto row, store_->Get(IdentityCf::kUsers, id));
  if (!row) return std::optional<UserView>();
  DOCKET_ASSIGN_OR_RETURN(UserView u, DecodeUser(*row));
  return std::optional<UserView>(std::move(u));
}

Result<std::optional<UserView>> IdentityQueries::UserByEmail(const std::string& email) const {
  DOCKET_ASSIGN_OR_RETURN(auto id, store_->Get(IdentityCf::kUserByEmail, Lower(email)));
  if (!id) return std::optional<UserView>();
  return User(*id);
}

}  // namespace docket::projections
