// Building blocks of every aggregate's rules: rejections and text checks.
#ifndef DOCKET_AGGREGATES_RULES_H_
#define DOCKET_AGGREGATES_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aggregates/decision.h"

namespace docket::aggregates {

Rejection Reject(fb::ResultCode code, std::string rule, std::string message,
                 std::vector<FieldError> fields = {});
// kInvalidArgument naming one field.
Rejection Invalid(std::string rule, std::string field, std::string message);

// Number of code points, or -1 when `s` is not valid UTF-8 or holds NUL.
int64_t Utf8Length(std::string_view s);

// Checks min..max code points of valid UTF-8; the rejection names `field`.
std::optional<Rejection> CheckText(const std::string& value, const std::string& field,
                                   size_t min, size_t max, const std::string& rule);

// ASCII lower case.
std::string Lower(std::string s);
// A pragmatic address check: local@domain.tld, no spaces or controls,
// at most 254 bytes (RFC 5321 path limit).
bool ValidEmail(std::string_view e);

// FNV-1a (64 bit): specified, so every build routes an id to the same
// partition (std::hash is not).
uint64_t Fnv1a(std::string_view s);

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_RULES_H_
