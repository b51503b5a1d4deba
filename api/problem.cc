#include "api/problem.h"

namespace docket::api {
namespace {

const char* TitleFor(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthenticated";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 412: return "Version Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
  }
  return "Error";
}

}  // namespace

std::string_view SlugFor(int status) {
  switch (status) {
    case 400: return "bad-request";
    case 401: return "unauthenticated";
    case 403: return "forbidden";
    case 404: return "not-found";
    case 405: return "method-not-allowed";
    case 409: return "conflict";
    case 412: return "version-conflict";
    case 413: return "payload-too-large";
    case 415: return "unsupported-media-type";
    case 422: return "unprocessable";
    case 429: return "too-many-requests";
    case 431: return "request-header-fields-too-large";
    case 503: return "unavailable";
  }
  return "internal";
}

Reply JsonReply(int status, const nlohmann::json& body) {
  Reply r;
  r.status = static_cast<http::status>(status);
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.Header("Content-Type", "application/json");
  return r;
}

Reply Problem(int status, std::string_view slug, std::string detail, nlohmann::json extra) {
  nlohmann::json body = {{"type", std::string(kProblemBase) + std::string(slug)},
                         {"title", TitleFor(status)},
                         {"status", status},
                         {"detail", std::move(detail)}};
  if (extra.is_object()) body.update(extra);
  Reply r = JsonReply(status, body);
  r.headers.back().second = "application/problem+json";
  return r;
}

Reply ValidationProblem(const std::vector<aggregates::FieldError>& errors) {
  nlohmann::json list = nlohmann::json::array();
  std::string detail;
  for (const auto& e : errors) {
    list.push_back({{"field", e.field}, {"message", e.message}});
    if (!detail.empty()) detail += "; ";
    detail += e.field + ": " + e.message;
  }
  return Problem(400, "validation", detail.empty() ? "the request is invalid" : detail,
                 {{"errors", list}});
}

Reply TransportProblem(int status, const std::string& detail) {
  Reply r = Problem(status, SlugFor(status), detail);
  if (status == 401) r.Header("WWW-Authenticate", "Bearer realm=\"docket\"");
  return r;
}

Reply ProblemFromStatus(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument: return Problem(400, "bad-request", s.message());
    case StatusCode::kNotFound: return Problem(404, "not-found", s.message());
    case StatusCode::kPermissionDenied: return Problem(403, "forbidden", s.message());
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition: return Problem(409, "conflict", s.message());
    case StatusCode::kAborted: return Problem(412, "version-conflict", s.message());
    case StatusCode::kUnavailable:
    case StatusCode::kDeadlineExceeded: {
      Reply r = Problem(503, "unavailable", s.message());
      r.Header("Retry-After", "1");
      return r;
    }
    default: return Problem(500, "internal", "an internal error occurred");
  }
}

Reply ProblemFromResult(const fb::CommandResultT& r) {
  nlohmann::json extra = nlohmann::json::object();
  if (!r.rule.empty()) extra["rule"] = r.rule;
  if (!r.field_errors.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& f : r.field_errors) {
      if (f) list.push_back({{"field", f->field}, {"message", f->message}});
    }
    extra["errors"] = list;
  }
  switch (r.code) {
    case fb::ResultCode::InvalidArgument: return Problem(422, "unprocessable", r.message, extra);
    case fb::ResultCode::FailedPrecondition:
    case fb::ResultCode::AlreadyExists: return Problem(409, "conflict", r.message, extra);
    case fb::ResultCode::VersionConflict:
      return Problem(412, "version-conflict", r.message, extra);
    case fb::ResultCode::NotFound: return Problem(404, "not-found", r.message);
    case fb::ResultCode::PermissionDenied: return Problem(403, "forbidden", r.message, extra);
    default: return Problem(500, "internal", "the command failed inside Docket", extra);
  }
}

Reply NotFound(const std::string& what) { return Problem(404, "not-found", what + " not found"); }

Reply BadRequest(std::string detail) { return Problem(400, "bad-request", std::move(detail)); }

Reply Invalid(std::string field, std::string message) {
  return ValidationProblem({{std::move(field), std::move(message)}});
}

Reply Unauthenticated(const std::string& detail) {
  Reply r = Problem(401, "unauthenticated", detail);
  r.Header("WWW-Authenticate", "Bearer realm=\"docket\"");
  return r;
}

Reply TooMany(int wait_s, std::string detail) {
  if (detail.empty()) detail = "too many requests; retry in " + std::to_string(wait_s) + " s";
  Reply r = Problem(429, "too-many-requests", std::move(detail));
  r.Header("Retry-After", std::to_string(wait_s));
  return r;
}

Reply RetryLater(std::string detail, std::string rule) {
  nlohmann::json extra = nlohmann::json::object();
  if (!rule.empty()) extra["rule"] = std::move(rule);
  Reply r = Problem(503, "unavailable", std::move(detail), extra);
  r.Header("Retry-After", "1");
  return r;
}

Reply EmptyReply(int status) {
  Reply r;
  r.status = static_cast<http::status>(status);
  return r;
}

std::string ETagOf(uint64_t version) { return "\"" + std::to_string(version) + "\""; }

}  // namespace docket::api
