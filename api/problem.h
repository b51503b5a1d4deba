// application/problem+json answers (RFC 9457) and the one mapping from
// Docket's error codes to HTTP statuses (design §6.2).
#ifndef DOCKET_API_PROBLEM_H_
#define DOCKET_API_PROBLEM_H_

#include <nlohmann/json.hpp>

#include <string>
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

}  // namespace docket::api

#endif  // DOCKET_API_PROBLEM_H_
