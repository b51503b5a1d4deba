#include "aggregates/rules.h"

#include <utf8proc.h>

#include <algorithm>
#include <cctype>

namespace docket::aggregates {

Rejection Reject(fb::ResultCode code, std::string rule, std::string message,
                 std::vector<FieldError> fields) {
  return Rejection{code, std::move(rule), std::move(message), std::move(fields)};
}

Rejection Invalid(std::string rule, std::string field, std::string message) {
  std::string m = field + ": " + message;
  return Reject(fb::ResultCode::InvalidArgument, std::move(rule), m,
                {{std::move(field), std::move(message)}});
}

int64_t Utf8Length(std::string_view s) {
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(s.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(s.size());
  int64_t n = 0;
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p, left, &cp);
    if (len <= 0 || cp == 0) return -1;
    p += len;
    left -= len;
    ++n;
  }
  return n;
}

std::optional<Rejection> CheckText(const std::string& value, const std::string& field,
                                   size_t min, size_t max, const std::string& rule) {
  int64_t n = Utf8Length(value);
  if (n < 0) return Invalid("text.utf8", field, "is not valid UTF-8");
  if (static_cast<size_t>(n) < min || static_cast<size_t>(n) > max) {
    return Invalid(rule, field,
                   "must be " + std::to_string(min) + ".." + std::to_string(max) +
                       " characters, got " + std::to_string(n));
  }
  return std::nullopt;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A pragmatic address check: local@domain.tld, no spaces or controls,
// at most 254 bytes (RFC 5321 path limit).
bool ValidEmail(std::string_view e) {
  if (e.empty() || e.size() > 254) return false;
  auto at = e.find('@');
  if (at == std::string_view::npos || at == 0 || e.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view domain = e.substr(at + 1);
  auto dot = domain.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  for (unsigned char c : e) {
    if (c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';') {
      return false;
    }
  }
  return domain.find("..") == std::string_view::npos && domain[0] != '.' && domain[0] != '-';
}

uint64_t Fnv1a(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace docket::aggregates
