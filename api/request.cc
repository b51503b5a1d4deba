#include "api/request.h"

#include <algorithm>
#include <set>

#include "api/problem.h"
#include "common/text.h"

namespace docket::api {

using nlohmann::json;

std::string HeaderValue(const Request& req, std::string_view name) {
  auto it = req.headers.find(boost::beast::string_view(name.data(), name.size()));
  return it == req.headers.end() ? "" : std::string(it->value());
}

bool MediaTypeIs(const std::string& content_type, std::string_view type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return Lower(t) == type;
}

std::optional<std::string> QueryParam(const Request& req, std::string_view name) {
  for (const auto& [k, v] : req.query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

OrReply<size_t> PageSize(const Request& req, size_t max_size) {
  const std::string range = "must be an integer in 1.." + std::to_string(max_size);
  auto v = QueryParam(req, "page[size]");
  if (!v) return size_t{25};
  if (v->empty() || v->size() > 3 ||
      !std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Invalid("page[size]", range);
  }
  const int n = std::stoi(*v);
  if (n < 1 || static_cast<size_t>(n) > max_size) return Invalid("page[size]", range);
  return static_cast<size_t>(n);
}

std::optional<std::string> RepeatedQueryParam(const Request& req) {
  std::set<std::string> seen;
  for (const auto& [k, v] : req.query) {
    if (!seen.insert(k).second) return k;
  }
  return std::nullopt;
}

std::string Body::Str(const char* name, bool required, size_t min_chars, size_t max_chars) {
  if (!Has(name)) {
    if (required) Fail(name, "is required");
    return "";
  }
  const json& v = doc[name];
  if (!v.is_string()) {
    Fail(name, "must be a string");
    return "";
  }
  const std::string s = v.get<std::string>();
  const int64_t n = Utf8Length(s);
  if (n < 0) {
    Fail(name, "must not contain NUL");
  } else if (static_cast<size_t>(n) < min_chars || static_cast<size_t>(n) > max_chars) {
    Fail(name, "must be " + std::to_string(min_chars) + ".." + std::to_string(max_chars) +
                   " characters");
  }
  return s;
}

std::vector<std::string> Body::StrList(const char* name, size_t max_items, size_t max_chars) {
  std::vector<std::string> out;
  if (!Has(name)) return out;
  const json& v = doc[name];
  if (!v.is_array() || v.size() > max_items) {
    Fail(name, "must be an array of at most " + std::to_string(max_items) + " strings");
    return out;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t n = v[i].is_string() ? Utf8Length(v[i].get<std::string>()) : -1;
    if (n < 1 || static_cast<size_t>(n) > max_chars) {
      Fail(std::string(name) + "[" + std::to_string(i) + "]",
           "must be a string of 1.." + std::to_string(max_chars) + " characters");
      continue;
    }
    out.push_back(v[i].get<std::string>());
  }
  return out;
}

std::optional<int64_t> Body::Int(const char* name, int64_t min, int64_t max) {
  if (!Has(name)) return std::nullopt;
  const json& v = doc[name];
  if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max ||
      (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max))) {
    Fail(name, "must be an integer in " + std::to_string(min) + ".." + std::to_string(max));
    return std::nullopt;
  }
  return v.get<int64_t>();
}

std::optional<bool> Body::Bool(const char* name, bool required) {
  if (!Has(name)) {
    if (required) Fail(name, "is required");
    return std::nullopt;
  }
  if (!doc[name].is_boolean()) {
    Fail(name, "must be true or false");
    return std::nullopt;
  }
  return doc[name].get<bool>();
}

OrReply<Body> ReadBody(const Request& req, std::initializer_list<const char*> allowed,
                       bool optional) {
  Body b;
  if (req.body.empty()) {
    if (optional) return b;
    return BadRequest("a JSON object body is required");
  }
  const std::string ct = HeaderValue(req, "Content-Type");
  if (!MediaTypeIs(ct, "application/json")) {
    return Problem(415, "unsupported-media-type",
                   "the body must be application/json, not '" + ct.substr(0, 100) + "'");
  }
  b.doc = json::parse(req.body, nullptr, false);
  if (b.doc.is_discarded()) return BadRequest("the body is not valid JSON (or not UTF-8)");
  if (!b.doc.is_object()) return BadRequest("the body must be a JSON object");
  for (const auto& [k, v] : b.doc.items()) {
    if (std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return k == a; }) ==
        allowed.end()) {
      b.Fail(k, "is not a member of this request");
    }
  }
  return b;
}

std::optional<Reply> BodyErrors(const Body& body) {
  if (body.errors.empty()) return std::nullopt;
  return ValidationProblem(body.errors);
}

}  // namespace docket::api
