// Building blocks of every aggregate's rules: rejections and text checks.
// Text utilities themselves (Lower, Utf8Length, ValidEmail) are in
// common/text.h, Fnv1a in common/hash.h.
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

// A rejection as a command's result (code, rule, message, field errors);
// the caller adds ids, version and time. The decider answers with it, and
// the gateway when it applies a rule before sending the command.
fb::CommandResultT ResultOf(const Rejection& rejection);

// Checks min..max code points of valid UTF-8; the rejection names `field`.
std::optional<Rejection> CheckText(const std::string& value, const std::string& field,
                                   size_t min, size_t max, const std::string& rule);

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_RULES_H_
