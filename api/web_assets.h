// WebAssets: the portal's built files (web/dist, made by `npm run build` in
// web/), served by the gateway at "/" beside the API at /api.
//
// A GET of a path outside /api is answered with:
//   - the file at that path under the root, when there is one: files under
//     /assets/ carry a content hash in their names and are cached for a
//     year ("immutable"), every other file is revalidated (no-cache); a
//     precompressed "<file>.gz" beside it is sent to a client that accepts
//     gzip;
//   - else, for a path whose last segment has no extension (a portal page
//     such as /cases/CS00000000042), index.html, revalidated, so the
//     portal's router shows the page;
//   - else 404 (a missing script is never answered with HTML).
// Other methods get 405. A path with a segment starting with '.' (dotfiles,
// "..") is a 404, so nothing outside the root or hidden is ever served.
//
// Every answer carries the portal's security headers: a strict
// Content-Security-Policy (kContentSecurityPolicy: scripts, styles and
// connections from this origin only, no inline script, no framing),
// X-Content-Type-Options, Referrer-Policy and X-Frame-Options.
//
// Thread-safe: immutable after Open; files are read per request, so a
// rebuild of the portal is served at once.
#ifndef DOCKET_API_WEB_ASSETS_H_
#define DOCKET_API_WEB_ASSETS_H_

#include <string>
#include <string_view>

#include "api/http.h"
#include "common/status.h"

namespace docket::api {

inline constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'";

class WebAssets {
 public:
  // kInvalidArgument when `root` holds no index.html (the portal is not
  // built: `npm run build` in web/).
  static Result<WebAssets> Open(const std::string& root);

  // True for the paths the API owns ("/api" and below): never the portal's.
  static bool IsApiPath(std::string_view path);

  // The answer to `req`, a request for a path outside /api.
  Reply Serve(const Request& req) const;

 private:
  explicit WebAssets(std::string root) : root_(std::move(root)) {}
  std::string root_;  // absolute, without a trailing '/'
};

}  // namespace docket::api

#endif  // DOCKET_API_WEB_ASSETS_H_
