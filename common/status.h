// Status and Result<T>: errors as values (house style 2).
//
// A Status is OK or carries a Code and a human-readable message that names
// what went wrong (which field, which broker, which partition@offset). The
// codes have fixed meanings across Docket; they are mapped to HTTP statuses
// and exit codes in exactly one place each:
//
//   kInvalidArgument     the input is malformed or fails validation
//   kFailedPrecondition  a business rule forbids the action in this state
//   kAborted             optimistic-concurrency conflict (expected version)
//   kNotFound            the thing does not exist (or is not the caller's)
//   kAlreadyExists       a unique thing exists already
//   kPermissionDenied    the actor's role may not do this
//   kUnavailable         transient: a broker or store could not be reached
//   kDeadlineExceeded    a bounded wait ran out; the outcome is unknown
//   kDataLoss            bytes from outside the process are corrupt
//   kInternal            a bug or an invariant broken inside Docket
//
// Status and Result are cheap to move, thread-compatible (not thread-safe).
#ifndef DOCKET_COMMON_STATUS_H_
#define DOCKET_COMMON_STATUS_H_

#include <cassert>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace docket {

enum class StatusCode : int {
  kOk = 0,
  kInvalidArgument,
  kFailedPrecondition,
  kAborted,
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,
  kUnavailable,
  kDeadlineExceeded,
  kDataLoss,
  kInternal,
};

// Returns the stable lower-case name of `code`, e.g. "data_loss".
std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "unavailable: broker 127.0.0.1:9092: ..." or "ok".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>".
  Status Annotate(std::string_view prefix) const;

  // Explicitly ignores a status (for best-effort cleanup paths).
  void IgnoreError() const {}

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

inline Status InvalidArgumentError(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status FailedPreconditionError(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status AbortedError(std::string m) {
  return {StatusCode::kAborted, std::move(m)};
}
inline Status NotFoundError(std::string m) {
  return {StatusCode::kNotFound, std::move(m)};
}
inline Status AlreadyExistsError(std::string m) {
  return {StatusCode::kAlreadyExists, std::move(m)};
}
inline Status PermissionDeniedError(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}
inline Status UnavailableError(std::string m) {
  return {StatusCode::kUnavailable, std::move(m)};
}
inline Status DeadlineExceededError(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status DataLossError(std::string m) {
  return {StatusCode::kDataLoss, std::move(m)};
}
inline Status InternalError(std::string m) {
  return {StatusCode::kInternal, std::move(m)};
}

// Result<T> holds either a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result needs a value or an error");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace docket

// Evaluates `expr` (a Status) and returns it from the enclosing function when
// it is not OK.
#define DOCKET_RETURN_IF_ERROR(expr)              \
  do {                                            \
    ::docket::Status docket_status_ = (expr);     \
    if (!docket_status_.ok()) return docket_status_; \
  } while (0)

#define DOCKET_CONCAT_INNER_(a, b) a##b
#define DOCKET_CONCAT_(a, b) DOCKET_CONCAT_INNER_(a, b)
// DOCKET_ASSIGN_OR_RETURN(auto x, MakeX()): assigns the value or returns the
// error from the enclosing function.
#define DOCKET_ASSIGN_OR_RETURN(lhs, expr) \
  DOCKET_ASSIGN_OR_RETURN_IMPL_(DOCKET_CONCAT_(docket_result_, __LINE__), lhs, expr)
#define DOCKET_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#endif  // DOCKET_COMMON_STATUS_H_
