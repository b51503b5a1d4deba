// Router: the gateway's route table. A route is a method, a path pattern
// ("/api/v1/cases/{number}/attachments/{id}"), who may call it, how its
// body is read, and the handler. Context modules add their routes
// (api/gateway.h, RouteModule); the router knows no context.
//
// Matching: a pattern matches a path of as many segments where each
// literal segment is equal and each {parameter} segment is non-empty.
// Among the patterns that match a path, those with the most literal
// segments win ("/cases/export.csv" over "/cases/{number}"); a method that
// none of the winners has is a 405 listing theirs.
//
// Thread safety: Add() before the server starts; Find() from any thread.
#ifndef DOCKET_API_ROUTER_H_
#define DOCKET_API_ROUTER_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "api/http.h"
#include "api/http_server.h"
#include "api/principal.h"

namespace docket::api {

enum class Access {
  kPublic,         // anyone; no rate limit (health, readiness, metrics)
  kPublicLimited,  // anyone, rate-limited per client, needs the directory (login)
  kSignedIn,       // a session
  kStaff,          // a staff or admin session; customers get 403
};

// One request being routed: the request, the pattern's {parameter} values
// in order, and the caller once authenticated.
struct Call {
  Request& req;
  std::vector<std::string> params;
  std::optional<Principal> who;

  const std::string& param(size_t i) const { return params.at(i); }
  const Principal& caller() const { return *who; }
};

using Handler = std::function<Reply(Call&)>;

struct Route {
  http::verb method;
  std::string pattern;
  std::vector<std::string> parts;  // the pattern's segments
  int literals = 0;                // segments that are not {parameters}
  Access access = Access::kSignedIn;
  BodyKind body = BodyKind::kString;
  Handler handler;
};

class Router {
 public:
  struct Match {
    const Route* route = nullptr;     // null: no route for this method
    std::vector<std::string> params;  // the route's {parameter} values
    std::vector<std::string> allowed; // methods of the winning patterns, sorted
  };

  void Add(http::verb method, std::string pattern, Access access, Handler handler,
           BodyKind body = BodyKind::kString);
  Match Find(const Request& req) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// The 405 (with Allow) or 404 reply for a request whose match has no route.
Reply NoRoute(const Request& req, const Router::Match& match);

}  // namespace docket::api

#endif  // DOCKET_API_ROUTER_H_
