#include "api/cross_site.h"

#include "api/problem.h"
#include "api/request.h"
#include "common/text.h"

namespace docket::api {
namespace {

bool Safe(http::verb m) {
  return m == http::verb::get || m == http::verb::head || m == http::verb::options;
}

// "https://portal.example.com:8443" -> "portal.example.com:8443"; "" when
// it is not scheme://authority.
std::string AuthorityOf(const std::string& origin) {
  const size_t sep = origin.find("://");
  if (sep == std::string::npos || sep == 0) return "";
  std::string authority = origin.substr(sep + 3);
  if (authority.empty() || authority.find('/') != std::string::npos) return "";
  return Lower(authority);
}

Reply Refuse(const std::string& origin) {
  return Problem(403, "forbidden",
                 "a cross-site request may not change anything (Origin: " +
                     (origin.empty() ? std::string("none") : origin.substr(0, 200)) + ")",
                 {{"rule", "request.cross_site"}});
}

}  // namespace

std::optional<Reply> RefuseCrossSite(const Request& req,
                                     const std::set<std::string>& allowed_origins) {
  if (Safe(req.method)) return std::nullopt;
  const std::string site = Lower(HeaderValue(req, "Sec-Fetch-Site"));
  const std::string origin = HeaderValue(req, "Origin");
  const bool allowed = !origin.empty() && allowed_origins.count(origin) > 0;
  if (!site.empty()) {
    if (site == "same-origin" || site == "none" || allowed) return std::nullopt;
    return Refuse(origin);
  }
  if (origin.empty()) return std::nullopt;
  const std::string host = Lower(HeaderValue(req, "Host"));
  const std::string authority = AuthorityOf(origin);
  if (allowed || (!authority.empty() && authority == host)) return std::nullopt;
  return Refuse(origin);
}

}  // namespace docket::api
