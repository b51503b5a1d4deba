// OrReply<T>: a value, or the Reply that ends the request (a problem, a 202,
// a 404...). Every step of a route that can end the request returns one;
// the route unwraps it with DOCKET_ASSIGN_OR_REPLY, the way
// DOCKET_ASSIGN_OR_RETURN unwraps a Result (common/status.h).
//
//   DOCKET_ASSIGN_OR_REPLY(Body body, ReadBody(call.req, {"body"}));
//   DOCKET_RETURN_IF_REPLY(positions.AwaitMinPosition(call.req, call.caller().user_id));
#ifndef DOCKET_API_OR_REPLY_H_
#define DOCKET_API_OR_REPLY_H_

#include <optional>
#include <utility>
#include <variant>

#include "api/http.h"
#include "common/status.h"

namespace docket::api {

template <typename T>
using OrReply = std::variant<T, Reply>;

}  // namespace docket::api

// Assigns the value of an OrReply<T> expression to `lhs`, or returns its
// Reply from the enclosing route.
#define DOCKET_ASSIGN_OR_REPLY(lhs, expr) \
  DOCKET_ASSIGN_OR_REPLY_IMPL_(DOCKET_CONCAT_(docket_or_reply_, __LINE__), lhs, expr)
#define DOCKET_ASSIGN_OR_REPLY_IMPL_(tmp, lhs, expr)                            \
  auto tmp = (expr);                                                            \
  if (auto* docket_reply_ = std::get_if<::docket::api::Reply>(&tmp)) {         \
    return std::move(*docket_reply_);                                           \
  }                                                                             \
  lhs = std::move(std::get<0>(tmp))

// Returns the Reply of a std::optional<Reply> expression when it holds one.
#define DOCKET_RETURN_IF_REPLY(expr)                                      \
  do {                                                                    \
    if (std::optional<::docket::api::Reply> docket_reply_ = (expr)) {     \
      return std::move(*docket_reply_);                                   \
    }                                                                     \
  } while (0)

#endif  // DOCKET_API_OR_REPLY_H_
