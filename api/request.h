// Reading a request: headers, query parameters, page sizes and JSON bodies.
// Each reader answers a malformed input with the problem to send
// (OrReply), so a route reads its input in a few lines and every route
// words the same mistake the same way (docs/api.md, "Conventions").
//
// Thread-compatible: a Body belongs to one request.
#ifndef DOCKET_API_REQUEST_H_
#define DOCKET_API_REQUEST_H_

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregates/decision.h"
#include "api/http.h"
#include "api/or_reply.h"

namespace docket::api {

// The value of header `name`, "" when absent.
std::string HeaderValue(const Request& req, std::string_view name);
// True when `content_type`'s media type (parameters ignored) is `type`
// (case-insensitive).
bool MediaTypeIs(const std::string& content_type, std::string_view type);
// The query parameter `name` (decoded), nullopt when absent.
std::optional<std::string> QueryParam(const Request& req, std::string_view name);
// page[size]: 1..max_size, 25 when absent; a validation problem otherwise.
OrReply<size_t> PageSize(const Request& req, size_t max_size);
// The first query parameter given twice, if any.
std::optional<std::string> RepeatedQueryParam(const Request& req);

// A JSON object body read member by member: every mistake is collected in
// `errors` (one entry per field) so the client hears of all at once.
class Body {
 public:
  nlohmann::json doc = nlohmann::json::object();
  std::vector<aggregates::FieldError> errors;

  bool Has(const char* name) const { return doc.contains(name); }
  // A string of min..max code points (valid UTF-8, no NUL); "" when absent
  // or wrong (an error is recorded when `required` or wrong).
  std::string Str(const char* name, bool required, size_t min_chars, size_t max_chars);
  // An array of at most `max_items` strings of 1..max_chars code points.
  std::vector<std::string> StrList(const char* name, size_t max_items, size_t max_chars);
  // An integer in min..max; nullopt when absent or wrong.
  std::optional<int64_t> Int(const char* name, int64_t min, int64_t max);
  // true or false; nullopt when absent or wrong (an error is recorded when
  // `required` or wrong).
  std::optional<bool> Bool(const char* name, bool required);
  // Adds a field error.
  void Fail(std::string field, std::string message) {
    errors.push_back({std::move(field), std::move(message)});
  }
};

// Parses the body as an application/json object whose members are all in
// `allowed` (others are field errors). An empty body is a 400, or {} when
// `optional`; another media type is a 415; broken JSON or a non-object a 400.
OrReply<Body> ReadBody(const Request& req, std::initializer_list<const char*> allowed,
                       bool optional = false);

// The validation problem of `body.errors`, nullopt when there are none.
std::optional<Reply> BodyErrors(const Body& body);

}  // namespace docket::api

#endif  // DOCKET_API_REQUEST_H_
