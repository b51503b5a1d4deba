#include "projections/identity/identity_queries.h"

#include <nlohmann/json.hpp>
#include <rocksdb/db.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>

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
              {"tokens", tokens},
              {"phone", u.phone},
              {"username", u.username},
              {"challenge_question", u.challenge_question},
              {"challenge_hash", u.challenge_hash}}
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
    u.phone = j.value("phone", "");
    u.username = j.value("username", "");
    u.challenge_question = j.value("challenge_question", "");
    u.challenge_hash = j.value("challenge_hash", "");
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

namespace docket::projections {
namespace {

using nlohmann::json;

constexpr char kSep = '\0';

// Words: runs of ASCII letters and digits and of bytes >= 0x80 (folded
// UTF-8), so "ann.lee@example.com" is ann, lee, example, com.
std::vector<std::string> SplitWords(const std::string& folded) {
  std::vector<std::string> out;
  std::string w;
  for (unsigned char c : folded) {
    if (std::isalnum(c) || c >= 0x80) {
      w += static_cast<char>(c);
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Calls fn(key tail after `prefix`) from the first key after prefix+after,
// until fn returns false.
Status SeekScan(const ReadStore* store, IdentityCf cf, const std::string& prefix,
                const std::string& after,
                const std::function<bool(std::string_view tail, std::string_view value)>& fn) {
  auto it = store->NewIterator(cf);
  const std::string start = prefix + after;
  it->Seek(rocksdb::Slice(start));
  if (!after.empty() && it->Valid() && it->key().ToStringView() == start) it->Next();
  for (; it->Valid() && it->key().starts_with(rocksdb::Slice(prefix)); it->Next()) {
    if (!fn(it->key().ToStringView().substr(prefix.size()), it->value().ToStringView())) break;
  }
  return it->status().ok() ? Status::Ok()
                           : UnavailableError("identity: scan: " + it->status().ToString());
}

bool MatchesEvery(const std::vector<std::string>& user_words,
                  const std::vector<std::string>& q_words) {
  return std::all_of(q_words.begin(), q_words.end(), [&](const std::string& q) {
    return std::any_of(user_words.begin(), user_words.end(),
                       [&](const std::string& w) { return w.rfind(q, 0) == 0; });
  });
}

}  // namespace

std::vector<std::string> UserWords(const UserView& u) {
  return SplitWords(NormalizeForMatch(u.name + " " + u.email + " " + u.username));
}

std::vector<std::string> SearchWords(std::string_view q) {
  return SplitWords(NormalizeForMatch(q));
}

std::string UserWordKey(const std::string& word, const std::string& user_id) {
  return "w" + std::string(1, kSep) + word + kSep + user_id;
}

std::string UserAccountKey(const std::string& account_id, const std::string& user_id) {
  return "a" + std::string(1, kSep) + account_id + kSep + user_id;
}

std::string AccessRequestKey(const std::string& state, int64_t created_at_us,
                             const std::string& id) {
  char newest_first[24];
  std::snprintf(newest_first, sizeof newest_first, "%020lld",
                static_cast<long long>(INT64_MAX - created_at_us));
  return state + kSep + newest_first + kSep + id;
}

std::string EncodeAccessRequest(const AccessRequestView& r) {
  return json{{"id", r.id},
              {"kind", r.kind},
              {"name", r.name},
              {"phone", r.phone},
              {"email", r.email},
              {"account_name", r.account_name},
              {"account_number", r.account_number},
              {"service_address", r.service_address},
              {"description", r.description},
              {"state", r.state},
              {"reason", r.reason},
              {"user_id", r.user_id},
              {"account_id", r.account_id},
              {"decided_by", r.decided_by},
              {"created_at_us", r.created_at_us},
              {"decided_at_us", r.decided_at_us},
              {"version", r.version}}
      .dump();
}

Result<AccessRequestView> DecodeAccessRequest(std::string_view row) {
  json j = json::parse(row, nullptr, false);
  if (!j.is_object()) return DataLossError("identity: stored access request is not JSON");
  try {
    AccessRequestView r;
    for (auto [field, name] : std::initializer_list<std::pair<std::string*, const char*>>{
             {&r.id, "id"},
             {&r.kind, "kind"},
             {&r.name, "name"},
             {&r.phone, "phone"},
             {&r.email, "email"},
             {&r.account_name, "account_name"},
             {&r.account_number, "account_number"},
             {&r.service_address, "service_address"},
             {&r.description, "description"},
             {&r.state, "state"},
             {&r.reason, "reason"},
             {&r.user_id, "user_id"},
             {&r.account_id, "account_id"},
             {&r.decided_by, "decided_by"}}) {
      *field = j.at(name).get<std::string>();
    }
    r.created_at_us = j.at("created_at_us").get<int64_t>();
    r.decided_at_us = j.at("decided_at_us").get<int64_t>();
    r.version = j.at("version").get<uint64_t>();
    return r;
  } catch (const json::exception& e) {
    return DataLossError(std::string("identity: stored access request: ") + e.what());
  }
}

Result<std::optional<UserView>> IdentityQueries::UserByUsername(const std::string& name) const {
  DOCKET_ASSIGN_OR_RETURN(auto id, store_->Get(IdentityCf::kUserByUsername, Lower(name)));
  if (!id) return std::optional<UserView>();
  return User(*id);
}

Result<std::optional<UserView>> IdentityQueries::UserByLogin(const std::string& login) const {
  if (login.find('@') != std::string::npos) return UserByEmail(login);
  return UserByUsername(login);
}

Result<Page<AccountView>> IdentityQueries::Accounts(const AccountFilter& f) const {
  Page<AccountView> page;
  const std::vector<std::string> words = SearchWords(f.q);
  size_t looked = 0;
  std::string last;
  Status bad = Status::Ok();
  DOCKET_RETURN_IF_ERROR(SeekScan(store_, IdentityCf::kAccounts, "", f.after,
                                  [&](std::string_view id, std::string_view row) {
    if (++looked > kMaxUserCandidates) {
      page.has_more = true;
      page.after_cursor = last;  // the next page goes on after the last looked at
      return false;
    }
    Result<AccountView> a = DecodeAccount(row);
    if (!a.ok()) {
      bad = a.status();
      return false;
    }
    const auto account_words =
        SplitWords(NormalizeForMatch(a->name + " " + a->account_number + " " + a->id));
    if (MatchesEvery(account_words, words)) {
      if (page.rows.size() == f.limit) {
        page.has_more = true;
        page.after_cursor = last;
        return false;
      }
      page.rows.push_back(std::move(*a));
    }
    last = std::string(id);
    return true;
  }));
  DOCKET_RETURN_IF_ERROR(bad);
  return page;
}

Result<Page<UserView>> IdentityQueries::Users(const UserFilter& f) const {
  Page<UserView> page;
  const std::vector<std::string> words = SearchWords(f.q);
  // The candidates, in user id order: a word's postings (the first word's,
  // as a prefix: several words may share it), an account's members, or all.
  std::vector<std::string> ids;
  bool truncated = false;
  auto collect = [&](std::string_view id) {
    if (ids.size() >= kMaxUserCandidates) {
      truncated = true;
      return false;
    }
    ids.emplace_back(id);
    return true;
  };
  if (!words.empty()) {
    const std::string prefix = std::string("w") + kSep + words.front();
    DOCKET_RETURN_IF_ERROR(store_->Scan(IdentityCf::kUserIndex, prefix,
                                        [&](std::string_view key, std::string_view) {
      const std::string_view id = key.substr(key.rfind(kSep) + 1);
      return id > f.after ? collect(id) : true;
    }));
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  } else if (!f.account_id.empty()) {
    DOCKET_RETURN_IF_ERROR(SeekScan(store_, IdentityCf::kUserIndex,
                                    std::string("a") + kSep + f.account_id + kSep, f.after,
                                    [&](std::string_view id, std::string_view) {
                                      return collect(id);
                                    }));
  } else {
    DOCKET_RETURN_IF_ERROR(SeekScan(store_, IdentityCf::kUsers, "", f.after,
                                    [&](std::string_view id, std::string_view) {
                                      return collect(id);
                                    }));
  }
  for (const std::string& id : ids) {
    DOCKET_ASSIGN_OR_RETURN(std::optional<UserView> u, User(id));
    if (!u) continue;
    if (!f.account_id.empty() &&
        std::find(u->account_ids.begin(), u->account_ids.end(), f.account_id) ==
            u->account_ids.end()) {
      continue;
    }
    if (!MatchesEvery(UserWords(*u), words)) continue;
    if (page.rows.size() == f.limit) {
      page.has_more = true;
      break;
    }
    page.rows.push_back(std::move(*u));
  }
  if (truncated && !page.has_more) {
    if (words.empty()) {
      // Looked at the most it may, in id order: the next page goes on
      // after the last one looked at.
      page.has_more = true;
      page.after_cursor = ids.back();
      return page;
    }
    page.truncated = true;  // a word prefix too common: narrow the search
  }
  if (page.has_more) page.after_cursor = page.rows.back().id;
  return page;
}

Result<std::optional<AccessRequestView>> IdentityQueries::AccessRequest(
    const std::string& id) const {
  DOCKET_ASSIGN_OR_RETURN(auto row, store_->Get(IdentityCf::kAccessRequests, id));
  if (!row) return std::optional<AccessRequestView>();
  DOCKET_ASSIGN_OR_RETURN(AccessRequestView r, DecodeAccessRequest(*row));
  return std::optional<AccessRequestView>(std::move(r));
}

Result<Page<AccessRequestView>> IdentityQueries::AccessRequests(const std::string& state,
                                                                const std::string& after,
                                                                size_t limit) const {
  if (state != "pending" && state != "approved" && state != "rejected" && state != "all") {
    return InvalidArgumentError("state must be pending, approved, rejected or all");
  }
  std::string from;
  if (!after.empty()) {
    // A cursor is "<20 digits>.<request id>".
    if (after.size() != 45 || after[20] != '.' ||
        after.find_first_not_of("0123456789") != 20) {
      return InvalidArgumentError("page[after] is not a cursor of this list");
    }
    from = after.substr(0, 20) + kSep + after.substr(21);
  }
  Page<AccessRequestView> page;
  std::vector<std::string> ids;
  std::string last;
  DOCKET_RETURN_IF_ERROR(SeekScan(store_, IdentityCf::kAccessRequestIndex, state + kSep, from,
                                  [&](std::string_view tail, std::string_view) {
                                    if (ids.size() == limit) {
                                      page.has_more = true;
                                      return false;
                                    }
                                    last = std::string(tail);
                                    ids.emplace_back(tail.substr(21));
                                    return true;
                                  }));
  for (const std::string& id : ids) {
    DOCKET_ASSIGN_OR_RETURN(std::optional<AccessRequestView> r, AccessRequest(id));
    if (r) page.rows.push_back(std::move(*r));
  }
  if (page.has_more) page.after_cursor = last.substr(0, 20) + "." + last.substr(21);
  return page;
}

}  // namespace docket::projections
