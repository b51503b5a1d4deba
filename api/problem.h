// application/problem+json answers (RFC 9457) and the one mapping from
// Docket's error codes to HTTP statuses (house style 2).
#ifndef DOCKET_API_PROBLEM_H_
#define DOCKET_API_PROBLEM_H_

#include <nlohmann/json.hpp>

#include <string>
#include <variant>
#include <vector>

#include "aggregates/decision.h"
#include "api/http.h"
#include "common/status.h"

namespace docket::api {

inline constexpr const char* kProblemBase = "https://docket.dev/problems/";

// A problem reply: `slug` names the type (docs/api.md lists them); `extra`
// members (rule, errors) are merged in.
Reply Problem(int status, std::string_view slug, std::string detail,
              nlohmann::json extra = nlohmann::json::object());
// 400 validation with one entry per field.
Reply ValidationProblem(const std::vector<aggregates::FieldError>& errors);
// The transport's own problems (431, 413, 400, 500, 503), by status.
Reply TransportProblem(int status, const std::string& detail);
// A Status from the gateway's own work (not from a command).
Reply ProblemFromStatus(const Status& s);
// A rejected command's result.
Reply ProblemFromResult(const fb::CommandResultT& result);
// The slug of a status code (e.g. 404 -> "not-found").
std::string_view SlugFor(int status);

// JSON replies.
Reply JsonReply(int status, const nlohmann::json& body);

// The answers every route gives the same way.
Reply NotFound(const std::string& what);  // 404 "<what> not found"
Reply BadRequest(std::string detail);     // 400
// 400 validation naming one field.
Reply Invalid(std::string field, std::string message);
// 401 with WWW-Authenticate.
Reply Unauthenticated(const std::string& detail);
// 429 with Retry-After.
Reply TooMany(int wait_s, std::string detail = "");
// 503 with Retry-After: 1; `rule`, when given, is added as a member.
Reply RetryLater(std::string detail, std::string rule = "");
// A reply without a body.
Reply EmptyReply(int status);
// The value of `r`, or the problem of its error.
template <typename T>
std::variant<T, Reply> OrProblem(Result<T> r) {
  if (!r.ok()) return ProblemFromStatus(r.status());
  return std::move(r).value();
}

// A strong ETag of an aggregate version: "\"3\"".
std::string ETagOf(uint64_t version);

}  // namespace docket::api

#endif  // DOCKET_API_PROBLEM_H_
