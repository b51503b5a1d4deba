#include "api/router.h"

#include <algorithm>

#include "api/problem.h"

namespace docket::api {

void Router::Add(http::verb method, std::string pattern, Access access, Handler handler,
                 BodyKind body) {
  Route r;
  r.method = method;
  r.access = access;
  r.body = body;
  r.handler = std::move(handler);
  std::string_view p = pattern;
  while (!p.empty()) {
    p.remove_prefix(1);
    const size_t slash = p.find('/');
    r.parts.emplace_back(p.substr(0, slash));
    if (r.parts.back().empty() || r.parts.back().front() != '{') ++r.literals;
    p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
  }
  r.pattern = std::move(pattern);
  routes_.push_back(std::move(r));
}

Router::Match Router::Find(const Request& req) const {
  const std::vector<std::string>& segs = req.segments;
  Match m;
  int best = -1;
  for (const Route& r : routes_) {
    if (r.parts.size() != segs.size() || r.literals < best) continue;
    std::vector<std::string> values;
    bool ok = true;
    for (size_t i = 0; i < segs.size() && ok; ++i) {
      if (!r.parts[i].empty() && r.parts[i].front() == '{') {
        ok = !segs[i].empty();
        values.push_back(segs[i]);
      } else {
        ok = r.parts[i] == segs[i];
      }
    }
    if (!ok) continue;
    if (r.literals > best) {  // a more specific pattern: forget the others
      best = r.literals;
      m = Match{};
    }
    m.allowed.push_back(std::string(http::to_string(r.method)));
    if (r.method == req.method && m.route == nullptr) {
      m.route = &r;
      m.params = std::move(values);
    }
  }
  std::sort(m.allowed.begin(), m.allowed.end());
  m.allowed.erase(std::unique(m.allowed.begin(), m.allowed.end()), m.allowed.end());
  return m;
}

Reply NoRoute(const Request& req, const Router::Match& match) {
  if (match.allowed.empty()) return NotFound("route " + req.path.substr(0, 200));
  std::string allow;
  for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
  Reply r = Problem(405, "method-not-allowed",
                    req.method_text.substr(0, 20) + " is not allowed here; use " + allow);
  r.Header("Allow", allow);
  return r;
}

}  // namespace docket::api
