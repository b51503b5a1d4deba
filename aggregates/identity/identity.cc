#include "aggregates/identity/identity.h"

#include <algorithm>
#include <cctype>

#include "common/hash.h"
#include "common/text.h"

namespace docket::aggregates {

std::string UserIdForEmail(std::string_view email) {
  return "u" + Sha256Hex(Lower(std::string(email))).substr(0, 24);
}

namespace {

bool IsHex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::optional<std::string> UserOfToken(std::string_view token) {
  // "u" + 24 hex, ".", 64 hex.
  if (token.size() != 25 + 1 + 64 || token[0] != 'u' || token[25] != '.' ||
      !IsHex(token.substr(1, 24)) || !IsHex(token.substr(26))) {
    return std::nullopt;
  }
  return std::string(token.substr(0, 25));
}

std::string LinkKey(std::string_view secret) {
  return HmacSha256Hex(secret, "docket identity link tokens");
}

std::string LinkToken(std::string_view link_key, const std::string& user_id,
                      std::string_view command_id) {
  return user_id + "." + HmacSha256Hex(link_key, command_id);
}

bool ValidUsername(std::string_view u) {
  return u.size() >= 3 && u.size() <= 32 && std::isalpha(static_cast<unsigned char>(u[0])) &&
         std::all_of(u.begin(), u.end(), [](unsigned char c) {
           return std::isalnum(c) || c == '.' || c == '_' || c == '-';
         });
}

std::string UsernameClaimId(std::string_view username) {
  return "n_" + Lower(std::string(username));
}

bool IsAccessRequestId(std::string_view id) {
  return id.size() == 24 && id.substr(0, 4) == "req_" && IsHex(id.substr(4));
}

std::string NewAccessRequestId() { return "req_" + RandomHex(10); }

bool ValidPhone(std::string_view p) {
  return p.size() <= 40 && std::count(p.begin(), p.end(), '+') <= 1 &&
         std::all_of(p.begin(), p.end(), [](unsigned char c) {
           return std::isdigit(c) || c == ' ' || c == '+' || c == '-' || c == '(' || c == ')' ||
                  c == '.' || c == 'x';
         });
}

bool IsAccountNumber(std::string_view s) {
  const bool user_id_form = s.size() == 25 && s[0] == 'u' &&
                            s.find_first_not_of("0123456789abcdef", 1) == std::string_view::npos;
  return !s.empty() && s.size() <= 32 && !user_id_form &&
         std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

Result<std::vector<ChallengeQuestion>> ParseChallengeQuestions(std::string_view text) {
  std::vector<ChallengeQuestion> out;
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string line(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] == '#') continue;
    const size_t colon = line.find(':');
    auto bad = [&](const std::string& why) {
      return InvalidArgumentError("challenge questions, line " + std::to_string(line_no) + ": " +
                                  why);
    };
    if (colon == std::string::npos) return bad("expected \"<id>: <question>\"");
    ChallengeQuestion q;
    q.id = line.substr(first, colon - first);
    while (!q.id.empty() && (q.id.back() == ' ' || q.id.back() == '\t')) q.id.pop_back();
    q.text = line.substr(colon + 1);
    q.text.erase(0, q.text.find_first_not_of(" \t"));
    while (!q.text.empty() && (q.text.back() == ' ' || q.text.back() == '\r')) q.text.pop_back();
    if (q.id.empty() || q.id.size() > 64 ||
        q.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos) {
      return bad("the id must be 1..64 of a-z, 0-9, '_' and '-'");
    }
    if (q.text.empty()) return bad("the question is empty");
    for (const auto& other : out) {
      if (other.id == q.id) return bad("the id " + q.id + " is given twice");
    }
    out.push_back(std::move(q));
  }
  if (out.empty()) return InvalidArgumentError("challenge questions: the list is empty");
  return out;
}

std::string NormalizeChallengeAnswer(std::string_view answer) { return NormalizeForMatch(answer); }

Status IdentityLimits::Validate() const {
  if (max_service_addresses == 0 || max_memberships == 0 || max_failed_logins <= 0 ||
      max_sessions == 0) {
    return InvalidArgumentError("identity limits: every maximum must be > 0");
  }
  if (failed_login_window.count() <= 0 || login_attempt_timeout.count() <= 0) {
    return InvalidArgumentError("identity limits: every duration must be > 0");
  }
  return Status::Ok();
}

}  // namespace docket::aggregates
