#include "aggregates/rules.h"

#include "common/text.h"

namespace docket::aggregates {

Rejection Reject(fb::ResultCode code, std::string rule, std::string message,
                 std::vector<FieldError> fields) {
  return Rejection{code, std::move(rule), std::move(message), std::move(fields)};
}

fb::CommandResultT ResultOf(const Rejection& rejection) {
  fb::CommandResultT r;
  r.code = rejection.code;
  r.rule = rejection.rule;
  r.message = rejection.message;
  for (const auto& fe : rejection.field_errors) {
    auto f = std::make_unique<fb::FieldErrorT>();
    f->field = fe.field;
    f->message = fe.message;
    r.field_errors.push_back(std::move(f));
  }
  return r;
}

Rejection Invalid(std::string rule, std::string field, std::string message) {
  std::string m = field + ": " + message;
  return Reject(fb::ResultCode::InvalidArgument, std::move(rule), m,
                {{std::move(field), std::move(message)}});
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

}  // namespace docket::aggregates
