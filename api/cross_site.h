// Cross-site request forgery: a browser attaches the session cookie to a
// request that a page of another origin makes it send (a form, a fetch
// with `no-cors`), and SameSite=Strict does not stop a page of the same
// site (a sibling subdomain). Every mutating request (any method but GET,
// HEAD and OPTIONS) therefore passes this check, the OWASP CSRF cheat
// sheet's "verifying origin with standard headers":
//
//   - Sec-Fetch-Site (sent by every current browser): "same-origin" and
//     "none" (typed by the user) pass; "same-site" and "cross-site" pass
//     only when Origin is one of `allowed_origins`.
//   - else Origin: passes when its host[:port] is the request's Host, or it
//     is one of `allowed_origins`; "null" never does.
//   - neither header: not a browser (curl, a server, a test client), which
//     sends no cookie it did not choose to: passes.
//
// Bearer-token clients are unaffected unless they send these headers.
// Stateless and thread-safe.
#ifndef DOCKET_API_CROSS_SITE_H_
#define DOCKET_API_CROSS_SITE_H_

#include <optional>
#include <set>
#include <string>

#include "api/http.h"

namespace docket::api {

// nullopt when `req` may proceed; else 403 (`forbidden`, rule
// request.cross_site) naming the origin.
std::optional<Reply> RefuseCrossSite(const Request& req,
                                     const std::set<std::string>& allowed_origins);

}  // namespace docket::api

#endif  // DOCKET_API_CROSS_SITE_H_
