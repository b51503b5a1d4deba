#include "api/gateway.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <variant>

#include "aggregates/portal.h"
#include "aggregates/rules.h"
#include "api/problem.h"
#include "common/time_format.h"
#include "projections/cases/case_projection.h"
#include "projections/cases/case_queries.h"

namespace docket::api {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;
constexpr std::string_view kPrefix = "/api/v1";
constexpr const char* kCookie = "docket_session";

// ---- small helpers ---------------------------------------------------------

bool IsCaseNumber(std::string_view n) {
  return n.size() == 13 && n[0] == 'C' && n[1] == 'S' &&
         std::all_of(n.begin() + 2, n.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Reply CaseNotFound(std::string_view number) {
  return Problem(404, "not-found", "case " + std::string(number) + " not found");
}

Reply NotFound(std::string what) { return Problem(404, "not-found", what + " not found"); }

Reply BadRequest(std::string detail) { return Problem(400, "bad-request", std::move(detail)); }

Reply Invalid(std::string field, std::string message) {
  return ValidationProblem({{std::move(field), std::move(message)}});
}

std::string Quote(uint64_t version) { return "\"" + std::to_string(version) + "\""; }

Reply Empty(int status) {
  Reply r;
  r.status = static_cast<http::status>(status);
  return r;
}

std::string HeaderValue(const Request& req, std::string_view name) {
  auto it = req.headers.find(boost::beast::string_view(name.data(), name.size()));
  return it == req.headers.end() ? "" : std::string(it->value());
}

bool MediaTypeIs(const std::string& content_type, std::string_view type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  return aggregates::Lower(t) == type;
}

// The caller.
struct Principal {
  projections::UserView user;
  projections::Scope scope;
  bool staff = false;
  std::string token;
};

// A JSON body read against its members: collects every field error.
class Body {
 public:
  json doc = json::object();
  std::vector<aggregates::FieldError> errors;

  bool Has(const char* name) const { return doc.contains(name); }

  std::string Str(const char* name, bool required, size_t min_chars, size_t max_chars) {
    if (!Has(name)) {
      if (required) errors.push_back({name, "is required"});
      return "";
    }
    const json& v = doc[name];
    if (!v.is_string()) {
      errors.push_back({name, "must be a string"});
      return "";
    }
    const std::string s = v.get<std::string>();
    const int64_t n = aggregates::Utf8Length(s);
    if (n < 0) {
      errors.push_back({name, "must not contain NUL"});
    } else if (static_cast<size_t>(n) < min_chars || static_cast<size_t>(n) > max_chars) {
      errors.push_back({name, "must be " + std::to_string(min_chars) + ".." +
                                  std::to_string(max_chars) + " characters"});
    }
    return s;
  }

  std::vector<std::string> StrList(const char* name, size_t max_items, size_t max_chars) {
    std::vector<std::string> out;
    if (!Has(name)) return out;
    const json& v = doc[name];
    if (!v.is_array() || v.size() > max_items) {
      errors.push_back({name, "must be an array of at most " + std::to_string(max_items) +
                                  " strings"});
      return out;
    }
    for (size_t i = 0; i < v.size(); ++i) {
      const int64_t n = v[i].is_string() ? aggregates::Utf8Length(v[i].get<std::string>()) : -1;
      if (n < 1 || static_cast<size_t>(n) > max_chars) {
        errors.push_back({std::string(name) + "[" + std::to_string(i) + "]",
                          "must be a string of 1.." + std::to_string(max_chars) +
                              " characters"});
        continue;
      }
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

  std::optional<int64_t> Int(const char* name, int64_t min, int64_t max) {
    if (!Has(name)) return std::nullopt;
    const json& v = doc[name];
    if (!v.is_number_integer() || v.get<int64_t>() < min || v.get<int64_t>() > max ||
        (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(max))) {
      errors.push_back({name, "must be an integer in " + std::to_string(min) + ".." +
                                  std::to_string(max)});
      return std::nullopt;
    }
    return v.get<int64_t>();
  }
};

// Parses `req`'s body as a JSON object whose members are all in `allowed`.
// `optional`: an empty body reads as {}.
std::variant<Body, Reply> ReadBody(const Request& req, std::initializer_list<const char*> allowed,
                                   bool optional = false) {
  Body b;
  if (req.body.empty()) {
    if (optional) return b;
    return BadRequest("a JSON object body is required");
  }
  const std::string ct = HeaderValue(req, "Content-Type");
  if (!MediaTypeIs(ct, "application/json")) {
    return Problem(415, "unsupported-media-type",
                   "the body must be application/json, not '" + ct.substr(0, 100) + "'");
  }
  b.doc = json::parse(req.body, nullptr, false);
  if (b.doc.is_discarded()) {
    return BadRequest("the body is not valid JSON (or not UTF-8)");
  }
  if (!b.doc.is_object()) return BadRequest("the body must be a JSON object");
  for (const auto& [k, v] : b.doc.items()) {
    if (std::find_if(allowed.begin(), allowed.end(),
                     [&](const char* a) { return k == a; }) == allowed.end()) {
      b.errors.push_back({k, "is not a member of this request"});
    }
  }
  return b;
}

json UserJson(const projections::UserView& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"name", u.name},
          {"role", std::string(aggregates::RoleName(u.role))},
          {"account_ids", u.account_ids},
          {"created_at", FormatMicros(u.created_at_us)}};
}

json AccountJson(const projections::AccountView& a) {
  return {{"id", a.id},
          {"account_number", a.account_number},
          {"name", a.name},
          {"service_addresses", a.service_addresses},
          {"created_at", FormatMicros(a.created_at_us)}};
}

json ServiceJson(const projections::ServiceView& s) {
  return {{"service", s.service},
          {"status", std::string(aggregates::ServiceStateName(s.status))},
          {"message", s.message},
          {"updated_at", FormatMicros(s.updated_at_us)}};
}

// "cases:3:1842".
struct Position {
  std::string context;
  int32_t partition = 0;
  int64_t offset = 0;
};

std::optional<Position> ParsePosition(const std::string& v) {
  static const std::regex re("^(cases|identity|status):([0-9]{1,5}):([0-9]{1,18})$");
  std::smatch m;
  if (!std::regex_match(v, m, re)) return std::nullopt;
  return Position{m[1], std::stoi(m[2]), std::stoll(m[3])};
}

std::string SafeFileName(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    out += (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ' ') ? static_cast<char>(c)
                                                                              : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "file";
  return out;
}

// A well-formed media type that a browser will not run as active content
// from our origin (HTML, SVG, XML and scripts are sent as octet-stream).
bool SafeContentType(const std::string& t) {
  static const std::regex re("^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$");
  static const std::set<std::string> active = {
      "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
      "text/javascript", "application/javascript", "application/ecmascript", "text/ecmascript"};
  return std::regex_match(t, re) && !active.count(t);
}

}  // namespace

// ---- options ---------------------------------------------------------------

Status GatewayOptions::Validate() const {
  DOCKET_RETURN_IF_ERROR(kafka.Validate());
  DOCKET_RETURN_IF_ERROR(layout.Validate());
  DOCKET_RETURN_IF_ERROR(sessions.Validate());
  if (max_body_bytes < 1024) return InvalidArgumentError("gateway: max-body-bytes < 1024");
  if (max_upload_bytes < 1) return InvalidArgumentError("gateway: max-upload-bytes < 1");
  if (command_wait.count() < 0 || min_position_wait.count() < 0) {
    return InvalidArgumentError("gateway: waits must be >= 0");
  }
  if (max_concurrent_hashes < 1) {
    return InvalidArgumentError("gateway: max-concurrent-hashes must be >= 1");
  }
  if (per_address.per_second < 0 || per_user.per_second < 0 || login_per_minute < 0) {
    return InvalidArgumentError("gateway: rate limits must be >= 0 (0 = unlimited)");
  }
  return Status::Ok();
}

// ---- the gateway -----------------------------------------------------------

struct Gateway::Impl {
  struct Ctx {
    Request& req;
    std::vector<std::string> params;  // the pattern's {…} values, in order
    std::optional<Principal> who;
  };
  using Fn = Reply (Impl::*)(Ctx&);
  enum Access { kPublic, kSignedIn, kStaff };
  struct Route {
    http::verb method;
    std::string pattern;  // "/api/v1/cases/{number}"
    std::vector<std::string> parts;
    Fn fn;
    Access access;
    BodyKind body = BodyKind::kString;
  };

  GatewayOptions options;
  consumers::CommandBus* bus;
  consumers::ProjectionRunner* projector;
  PortalReads* view;
  const aggregates::Catalog* catalog;
  const Clock& clock;
  std::vector<Route> routes;
  std::unique_ptr<SessionStore> sessions;
  std::optional<BlobStore> blobs;
  std::unique_ptr<PasswordHasher> hasher;
  RateLimiter address_limiter, user_limiter, login_limiter, login_email_limiter;
  // Requests waiting for Docket-Min-Position at once (each holds a worker).
  std::atomic<int> position_waiters{0};
  Metrics metrics;
  json quick_links = json::array();
  std::unique_ptr<HttpServer> server;
  std::unique_ptr<kafka::Consumer> health;
  std::mutex health_mu;         // held while checking the broker
  std::mutex health_status_mu;  // guards the last answer
  int64_t health_checked_us = 0;
  Status health_status;
  std::mutex owners_mu;
  struct Owner {
    std::string user_id;
    std::string context;
  };
  std::unordered_map<std::string, Owner> command_owner;  // command id -> who sent it
  std::deque<std::string> owner_order;

  Impl(GatewayOptions o, consumers::CommandBus* b, consumers::ProjectionRunner* p,
       PortalReads* v, const aggregates::Catalog* c, const Clock& cl)
      : options(std::move(o)),
        bus(b),
        projector(p),
        view(v),
        catalog(c),
        clock(cl),
        address_limiter(options.per_address, cl),
        user_limiter(options.per_user, cl),
        login_limiter({options.login_per_minute / 60.0, std::max(1.0, options.login_per_minute)},
                      cl),
        login_email_limiter(
            {options.login_per_minute / 60.0, std::max(1.0, options.login_per_minute)}, cl) {
    AddRoutes();
  }

  void Add(http::verb m, std::string pattern, Fn fn, Access a, BodyKind body = BodyKind::kString) {
    Route r{m, pattern, {}, fn, a, body};
    std::string_view p = pattern;
    while (!p.empty()) {
      p.remove_prefix(1);
      size_t slash = p.find('/');
      r.parts.emplace_back(p.substr(0, slash));
      p = slash == std::string_view::npos ? std::string_view() : p.substr(slash);
    }
    routes.push_back(std::move(r));
  }

  void AddRoutes() {
    using V = http::verb;
    const std::string c = std::string(kPrefix) + "/cases/{number}";
    Add(V::post, "/api/v1/auth/login", &Impl::Login, kPublic);
    Add(V::post, "/api/v1/auth/logout", &Impl::Logout, kSignedIn);
    Add(V::get, "/api/v1/me", &Impl::Me, kSignedIn);
    Add(V::post, "/api/v1/accounts", &Impl::CreateAccount, kStaff);
    Add(V::get, "/api/v1/accounts/{id}", &Impl::GetAccount, kSignedIn);
    Add(V::post, "/api/v1/accounts/{id}/service-addresses", &Impl::AddAddress, kStaff);
    Add(V::post, "/api/v1/users", &Impl::CreateUser, kStaff);
    Add(V::get, "/api/v1/users/{id}", &Impl::GetUser, kSignedIn);
    Add(V::get, "/api/v1/catalog", &Impl::GetCatalog, kSignedIn);
    Add(V::post, "/api/v1/cases", &Impl::OpenCase, kSignedIn);
    Add(V::get, "/api/v1/cases", &Impl::ListCases, kSignedIn);
    Add(V::get, "/api/v1/cases/export.csv", &Impl::ExportCases, kSignedIn);
    Add(V::get, c, &Impl::GetCase, kSignedIn);
    Add(V::get, c + "/activity", &Impl::Activity, kSignedIn);
    Add(V::post, c + "/comments", &Impl::Comment, kSignedIn);
    Add(V::post, c + "/notes", &Impl::Note, kStaff);
    Add(V::get, c + "/attachments", &Impl::ListAttachments, kSignedIn);
    Add(V::post, c + "/attachments", &Impl::Upload, kSignedIn, BodyKind::kFile);
    Add(V::get, c + "/attachments/{id}", &Impl::Download, kSignedIn);
    Add(V::patch, c + "/attachments/{id}", &Impl::RenameAttachment, kSignedIn);
    Add(V::delete_, c + "/attachments/{id}", &Impl::RemoveAttachment, kSignedIn);
    Add(V::get, c + "/watchers", &Impl::ListWatchers, kSignedIn);
    Add(V::post, c + "/watchers", &Impl::AddWatcher, kSignedIn);
    Add(V::delete_, c + "/watchers/{email}", &Impl::RemoveWatcher, kSignedIn);
    for (const char* a : {"cancel", "accept-resolution", "reject-resolution"}) {
      Add(V::post, c + "/" + a, &Impl::CaseAction, kSignedIn);
    }
    for (const char* a : {"accept", "request-info", "resolve", "close", "reopen"}) {
      Add(V::post, c + "/" + a, &Impl::CaseAction, kStaff);
    }
    Add(V::get, "/api/v1/search", &Impl::Search, kSignedIn);
    Add(V::get, "/api/v1/overview", &Impl::Overview, kSignedIn);
    Add(V::get, "/api/v1/commands/{id}", &Impl::GetCommand, kSignedIn);
    Add(V::get, "/api/v1/system-status", &Impl::GetSystemStatus, kSignedIn);
    Add(V::put, "/api/v1/system-status/{service}", &Impl::PutSystemStatus, kStaff);
    Add(V::get, "/api/v1/quick-links", &Impl::QuickLinks, kSignedIn);
    Add(V::post, "/api/v1/feedback", &Impl::Feedback, kSignedIn);
    for (std::string base : {"/api/v1", ""}) {
      Add(V::get, base + "/healthz", &Impl::Healthz, kPublic);
      Add(V::get, base + "/readyz", &Impl::Readyz, kPublic);
      Add(V::get, base + "/metrics", &Impl::MetricsText, kPublic);
    }
  }

  // Matches the path; `allowed` collects the methods of paths that match.
  const Route* Match(const Request& req, std::vector<std::string>* params,
                     std::vector<std::string>* allowed) const {
    const std::vector<std::string>& segs = req.segments;
    const Route* found = nullptr;
    std::set<std::string> patterns_matched;
    for (const Route& r : routes) {
      if (r.parts.size() != segs.size()) continue;
      std::vector<std::string> vals;
      bool ok = true;
      for (size_t i = 0; i < segs.size() && ok; ++i) {
        if (!r.parts[i].empty() && r.parts[i].front() == '{') {
          ok = !segs[i].empty();
          vals.emplace_back(segs[i]);
        } else {
          ok = r.parts[i] == segs[i];
        }
      }
      if (!ok) continue;
      patterns_matched.insert(r.pattern);
      allowed->push_back(std::string(http::to_string(r.method)));
      if (r.method == req.method && found == nullptr) {
        found = &r;
        *params = std::move(vals);
      }
    }
    // "/cases/export.csv" also matches "/cases/{number}" patterns; only
    // the literal one's methods count there.
    if (segs.size() == 4 && segs[0] == "api" && segs[1] == "v1" && segs[2] == "cases" &&
        segs[3] == "export.csv") {
      allowed->assign({"GET"});
      if (req.method != http::verb::get) found = nullptr;
    }
    return found;
  }

  BodyPolicy PolicyFor(const Request& req) {
    std::vector<std::string> params, allowed;
    const Route* r = Match(req, &params, &allowed);
    if (r && r->body == BodyKind::kFile) {
      // Nothing is spooled to disk for a caller without a valid session.
      const std::string token = TokenOf(req);
      if (token.empty() || !sessions->Find(token).ok()) {
        BodyPolicy reject;
        reject.reject_status = 401;
        reject.reject_detail = "sign in before uploading (the session is missing or expired)";
        return reject;
      }
      return {BodyKind::kFile, options.max_upload_bytes + 64 * 1024};
    }
    return {BodyKind::kString, options.max_body_bytes};
  }

  // ---- dispatch -------------------------------------------------------------

  Reply Dispatch(Request& req, std::string* route_name) {
    if (req.bad_target) return BadRequest("the request target is malformed (escapes, NUL or UTF-8)");
    std::vector<std::string> params, allowed;
    const Route* route = Match(req, &params, &allowed);
    if (!route) {
      if (!allowed.empty()) {
        std::sort(allowed.begin(), allowed.end());
        allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
        std::string allow;
        for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
        Reply r = Problem(405, "method-not-allowed",
                          req.method_text.substr(0, 20) + " is not allowed here; use " + allow);
        r.Header("Allow", allow);
        return r;
      }
      return NotFound("route " + req.path.substr(0, 200));
    }
    *route_name = route->pattern;
    {
      std::set<std::string> seen;
      for (const auto& [k, v] : req.query) {
        if (!seen.insert(k).second) {
          return BadRequest("query parameter '" + k.substr(0, 50) + "' is given twice");
        }
      }
    }
    if (route->access != kPublic || route->fn == &Impl::Login) {
      if (auto wait = address_limiter.Take(ClientAddress(req))) return TooMany(*wait);
    }
    if (route->access != kPublic || route->fn == &Impl::Login) {
      // Identities come from the portal view: until it has read its topics
      // every user would look unknown (and be logged out).
      if (!view->CaughtUp()) {
        Reply r = Problem(503, "unavailable", "the gateway is starting; retry");
        r.Header("Retry-After", "1");
        return r;
      }
    }
    Ctx ctx{req, std::move(params), std::nullopt};
    if (route->access != kPublic) {
      auto who = Authenticate(req);
      if (auto* r = std::get_if<Reply>(&who)) return std::move(*r);
      ctx.who = std::move(std::get<Principal>(who));
      if (auto wait = user_limiter.Take(ctx.who->user.id)) return TooMany(*wait);
      if (route->access == kStaff && !ctx.who->staff) {
        return Problem(403, "forbidden", "this route is for staff only",
                       {{"rule", "route.staff_only"}});
      }
    }
    if (route->body == BodyKind::kString && !req.body.empty() &&
        (req.method == http::verb::get || req.method == http::verb::delete_)) {
      return BadRequest("this request takes no body");
    }
    return (this->*(route->fn))(ctx);
  }

  // The client's address: the peer, or behind a trusted proxy the last
  // address of X-Forwarded-For that is not itself a trusted proxy.
  std::string ClientAddress(const Request& req) const {
    std::string addr = req.client_address;
    if (options.trusted_proxies.empty() || !options.trusted_proxies.count(addr)) return addr;
    const std::string xff = HeaderValue(req, "X-Forwarded-For");
    std::vector<std::string> hops;
    std::string_view rest = xff;
    while (!rest.empty()) {
      size_t comma = rest.find(',');
      std::string hop(rest.substr(0, comma));
      hop.erase(0, hop.find_first_not_of(' '));
      hop.erase(hop.find_last_not_of(' ') + 1);
      if (!hop.empty()) hops.push_back(hop.substr(0, 64));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
      if (!options.trusted_proxies.count(*it)) return *it;
    }
    return addr;
  }

  Reply TooMany(int wait_s) {
    Reply r = Problem(429, "too-many-requests",
                      "too many requests; retry in " + std::to_string(wait_s) + " s");
    r.Header("Retry-After", std::to_string(wait_s));
    return r;
  }

  Reply Unauthenticated(const std::string& detail) {
    Reply r = Problem(401, "unauthenticated", detail);
    r.Header("WWW-Authenticate", "Bearer realm=\"docket\"");
    return r;
  }

  static std::string TokenOf(const Request& req) {
    const std::string auth = HeaderValue(req, "Authorization");
    if (!auth.empty()) {
      if (auth.size() > 7 && aggregates::Lower(auth.substr(0, 7)) == "bearer ") {
        return auth.substr(7);
      }
      return std::string(1, '\0');  // a malformed Authorization never authenticates
    }
    const std::string cookies = HeaderValue(req, "Cookie");
    std::string_view c = cookies;
    while (!c.empty()) {
      size_t semi = c.find(';');
      std::string_view kv = c.substr(0, semi);
      c = semi == std::string_view::npos ? std::string_view() : c.substr(semi + 1);
      while (!kv.empty() && kv.front() == ' ') kv.remove_prefix(1);
      if (kv.substr(0, std::strlen(kCookie) + 1) == std::string(kCookie) + "=") {
        return std::string(kv.substr(std::strlen(kCookie) + 1));
      }
    }
    return "";
  }

  std::variant<Principal, Reply> Authenticate(const Request& req) {
    const std::string token = TokenOf(req);
    if (token.empty()) return Unauthenticated("sign in first (POST /api/v1/auth/login)");
    Result<Session> s = sessions->Find(token);
    if (!s.ok()) {
      if (s.status().code() == StatusCode::kUnavailable) return ProblemFromStatus(s.status());
      return Unauthenticated("the session is unknown, expired or revoked");
    }
    std::optional<projections::UserView> u = view->User(s->user_id);
    if (!u) return Unauthenticated("the session's user no longer exists");
    Principal p;
    p.staff = u->role == fb::Role::Staff || u->role == fb::Role::Admin;
    p.scope.staff = p.staff;
    p.scope.account_ids = u->account_ids;
    p.user = std::move(*u);
    p.token = token;
    return p;
  }

  std::optional<std::string> QueryParam(const Ctx& ctx, std::string_view name) const {
    for (const auto& [k, v] : ctx.req.query) {
      if (k == name) return v;
    }
    return std::nullopt;
  }

  // page[size] (1..100, default 25); an error reply when malformed.
  std::variant<size_t, Reply> PageSize(const Ctx& ctx) const {
    auto v = QueryParam(ctx, "page[size]");
    if (!v) return size_t{25};
    if (v->empty() || v->size() > 3 ||
        !std::all_of(v->begin(), v->end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Invalid("page[size]", "must be an integer in 1..100");
    }
    const int n = std::stoi(*v);
    if (n < 1 || n > static_cast<int>(projections::kMaxPageSize)) {
      return Invalid("page[size]", "must be an integer in 1..100");
    }
    return static_cast<size_t>(n);
  }

  // Waits for Docket-Min-Position; an error reply when malformed or not reached.
  std::optional<Reply> AwaitMinPosition(const Ctx& ctx) {
    const std::string v = HeaderValue(ctx.req, "Docket-Min-Position");
    if (v.empty()) return std::nullopt;
    std::optional<Position> p = ParsePosition(v);
    if (!p || p->partition >= options.layout.partitions) {
      return BadRequest("Docket-Min-Position must look like cases:3:1842");
    }
    // Each wait holds a worker thread: bound them, so far-off positions
    // cannot take every worker.
    struct Slot {
      std::atomic<int>& n;
      ~Slot() { --n; }
    } slot{position_waiters};
    if (++position_waiters > std::max(1, options.http.worker_threads / 2)) {
      Reply r = Problem(503, "unavailable", "too many requests are waiting for a position; retry",
                        {{"rule", "position-not-reached"}});
      r.Header("Retry-After", "1");
      return r;
    }
    const bool reached =
        p->context == "cases"
            ? projector->WaitForPosition(p->partition, p->offset, options.min_position_wait)
            : view->WaitForPosition(p->context, p->partition, p->offset,
                                    options.min_position_wait);
    if (!reached) {
      Reply r = Problem(503, "unavailable",
                        "the read models have not reached " + v + " yet; retry",
                        {{"rule", "position-not-reached"}});
      r.Header("Retry-After", "1");
      return r;
    }
    return std::nullopt;
  }

  // The case queries over the live store, holding that store for as long
  // as the handle lives (a swapped-out generation stays readable).
  struct QueryHandle {
    std::shared_ptr<projections::ReadStore> store;
    projections::CaseQueries queries;
    const projections::CaseQueries* operator->() const { return &queries; }
  };

  std::variant<QueryHandle, Reply> Queries() {
    std::shared_ptr<projections::ReadStore> store = projector->store();
    if (!store) {
      Reply r = Problem(503, "unavailable", "the read models are still opening; retry");
      r.Header("Retry-After", "1");
      return r;
    }
    projections::CaseQueries queries(store.get());
    return QueryHandle{std::move(store), queries};
  }

  // ---- commands -------------------------------------------------------------

  fb::CommandEnvelopeT NewCommand(const Ctx& ctx, const std::string& aggregate_id) {
    fb::CommandEnvelopeT c;
    c.aggregate_id = aggregate_id;
    c.actor = std::make_unique<fb::ActorT>();
    c.actor->user_id = ctx.who->user.id;
    c.actor->role = ctx.who->user.role;
    c.actor->account_ids = ctx.who->user.account_ids;
    c.actor->display_name = ctx.who->user.name;
    c.issued_at_us = clock.NowMicros();
    c.schema_version = events::kCommandSchemaVersion;
    return c;
  }

  struct Sent {
    fb::CommandResultT result;
    std::optional<Position> position;
  };

  // Idempotency-Key and If-Match, then submits. Returns the accepted
  // result, or the reply to send (rejection, 202, errors).
  std::variant<Sent, Reply> Submit(const Ctx& ctx, fb::CommandEnvelopeT cmd,
                                   bool versioned) {
    const std::string key = HeaderValue(ctx.req, "Idempotency-Key");
    if (ctx.req.headers.count("Idempotency-Key")) {
      if (key.empty() || key.size() > 255 ||
          !std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
        return BadRequest("Idempotency-Key must be 1..255 printable ASCII characters");
      }
      cmd.command_id = "k-" + Sha256Hex(ctx.who->user.id + "\n" + ctx.req.method_text + " " +
                                        ctx.req.path + "\n" + key)
                                  .substr(0, 40);
    } else {
      cmd.command_id = "r-" + RandomHex(16);
    }
    cmd.correlation_id = ctx.req.request_id;
    if (ctx.req.headers.count("If-Match")) {
      std::string m = HeaderValue(ctx.req, "If-Match");
      if (!versioned) return BadRequest("If-Match is only for routes that change a case");
      if (m != "*") {
        if (m.rfind("W/", 0) == 0) m = m.substr(2);
        static const std::regex re("^\"([0-9]{1,18})\"$");
        std::smatch sm;
        if (!std::regex_match(m, sm, re)) {
          return BadRequest("If-Match must be the case's ETag, e.g. \"3\"");
        }
        cmd.expected_version = std::stoll(sm[1]);
      }
    }
    const std::string type(events::CommandTypeName(cmd.command.type));
    Result<consumers::CommandOutcome> out = bus->Submit(cmd, options.command_wait);
    if (!out.ok()) {
      metrics.ObserveCommand(type, "error");
      if (out.status().code() == StatusCode::kInvalidArgument) {
        return NotFound(std::string(aggregates::ContextOf(cmd.command.type)) + " " +
                        cmd.aggregate_id);
      }
      spdlog::warn("gateway: command {} ({}): {}", cmd.command_id, type,
                   out.status().ToString());
      return ProblemFromStatus(out.status());
    }
    RememberOwner(cmd.command_id, {ctx.who->user.id, std::string(aggregates::ContextOf(cmd.command.type))});
    if (!out->decided) {
      metrics.ObserveCommand(type, "pending");
      return Pending(cmd.command_id);
    }
    const fb::CommandResultT& r = out->result;
    metrics.ObserveCommand(type, std::string(fb::EnumNameResultCode(r.code)));
    if (r.code != fb::ResultCode::Accepted) return ProblemFromResult(r);
    Sent sent{r, std::nullopt};
    if (r.events_partition >= 0 && r.events_offset >= 0) {
      sent.position = Position{std::string(aggregates::ContextOf(cmd.command.type)),
                               r.events_partition, r.events_offset};
    }
    return sent;
  }

  Reply Pending(const std::string& id) {
    Reply r = JsonReply(202, {{"id", id}, {"status", "pending"}});
    r.Header("Location", std::string(kPrefix) + "/commands/" + id);
    return r;
  }

  void RememberOwner(const std::string& id, Owner owner) {
    std::lock_guard<std::mutex> lock(owners_mu);
    if (command_owner.emplace(id, std::move(owner)).second) owner_order.push_back(id);
    while (owner_order.size() > 100'000) {
      command_owner.erase(owner_order.front());
      owner_order.pop_front();
    }
  }

  static std::string PositionText(const Position& p) {
    return p.context + ":" + std::to_string(p.partition) + ":" + std::to_string(p.offset);
  }

  // Waits until the command's events are in the read models; false on timeout.
  bool AwaitApplied(const Sent& s) {
    if (!s.position) return true;
    if (s.position->context == "cases") {
      return projector->WaitForPosition(s.position->partition, s.position->offset,
                                        options.command_wait);
    }
    return view->WaitForPosition(s.position->context, s.position->partition,
                                 s.position->offset, options.command_wait);
  }

  void AddPosition(Reply& r, const Sent& s) {
    if (s.position) r.Header("Docket-Position", PositionText(*s.position));
  }

  // ---- auth and identity ----------------------------------------------------

  std::string CookieFor(const std::string& token, int64_t max_age_s) {
    std::string c = std::string(kCookie) + "=" + token +
                    "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age_s);
    if (options.secure_cookies) c += "; Secure";
    return c;
  }

  Reply Login(Ctx& ctx) {
    if (auto wait = login_limiter.Take(ClientAddress(ctx.req))) return TooMany(*wait);
    auto parsed = ReadBody(ctx.req, {"email", "password"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    const std::string email = b.Str("email", true, 1, 254);
    const std::string password = b.Str("password", true, 1, 1024);
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    // Guessing one account's password from many addresses is slowed too.
    if (auto wait = login_email_limiter.Take(aggregates::Lower(email))) return TooMany(*wait);
    std::optional<projections::UserView> u = view->UserByEmail(email);
    // Unknown e-mails verify against a dummy hash: the same answer, the
    // same time.
    Result<bool> ok = hasher->Verify(u ? u->password_hash : "", password);
    if (!ok.ok()) return ProblemFromStatus(ok.status());
    if (!*ok || !u) {
      return Problem(401, "invalid-credentials", "the e-mail or the password is wrong");
    }
    if (PasswordHasher::NeedsRehash(u->password_hash)) Rehash(*u, password);
    Result<std::string> token = sessions->Create(u->id);
    if (!token.ok()) return ProblemFromStatus(token.status());
    Session s{u->id, clock.NowMicros(), clock.NowMicros()};
    const int64_t expires = sessions->ExpiresAt(s);
    Reply r = JsonReply(200, {{"token", *token},
                              {"expires_at", FormatMicros(expires)},
                              {"user", UserJson(*u)}});
    r.Header("Set-Cookie", CookieFor(*token, options.sessions.absolute.count()));
    r.Header("Cache-Control", "no-store");
    return r;
  }

  void Rehash(const projections::UserView& u, const std::string& password) {
    Result<std::string> h = hasher->Hash(password);
    if (!h.ok()) return;
    fb::CommandEnvelopeT c;
    c.command_id = "rehash-" + RandomHex(16);
    c.aggregate_id = u.id;
    c.actor = std::make_unique<fb::ActorT>();
    c.actor->user_id = "system:rehash";
    c.actor->role = fb::Role::System;
    c.issued_at_us = clock.NowMicros();
    c.schema_version = events::kCommandSchemaVersion;
    fb::ChangePasswordHashT ch;
    ch.password_hash = *h;
    c.command.Set(std::move(ch));
    Result<consumers::CommandOutcome> out = bus->Submit(c, std::chrono::milliseconds(0));
    if (!out.ok()) spdlog::warn("gateway: rehash of {}: {}", u.id, out.status().ToString());
  }

  Reply Logout(Ctx& ctx) {
    if (Status s = sessions->Revoke(ctx.who->token); !s.ok()) return ProblemFromStatus(s);
    Reply r = Empty(204);
    r.Header("Set-Cookie", CookieFor("", 0));
    return r;
  }

  Reply Me(Ctx& ctx) {
    json j = UserJson(ctx.who->user);
    json accounts = json::array();
    for (const auto& id : ctx.who->user.account_ids) {
      if (auto a = view->Account(id)) {
        accounts.push_back({{"id", a->id}, {"name", a->name}, {"account_number", a->account_number}});
      }
    }
    j["accounts"] = accounts;
    return JsonReply(200, j);
  }

  Reply CreateAccount(Ctx& ctx) {
    auto parsed = ReadBody(ctx.req, {"account_number", "name", "service_addresses"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    const std::string number = b.Str("account_number", true, 1, 32);
    const std::string name = b.Str("name", true, 1, 200);
    std::vector<std::string> addresses = b.StrList("service_addresses", 50, 500);
    if (b.errors.empty() && !aggregates::IsAccountNumber(number)) {
      b.errors.push_back({"account_number", "must be 1..32 letters, digits or '-'"});
    }
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    fb::CommandEnvelopeT cmd = NewCommand(ctx, number);
    fb::CreateAccountT c;
    c.account_number = number;
    c.name = name;
    c.service_addresses = addresses;
    cmd.command.Set(std::move(c));
    return AccountCommand(ctx, std::move(cmd), 201);
  }

  Reply AccountCommand(Ctx& ctx, fb::CommandEnvelopeT cmd, int status) {
    const std::string id = cmd.aggregate_id;
    auto sent = Submit(ctx, std::move(cmd), false);
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    if (!AwaitApplied(s)) return Pending(s.result.command_id);
    std::optional<projections::AccountView> a = view->Account(id);
    if (!a) return Pending(s.result.command_id);
    Reply r = JsonReply(status, AccountJson(*a));
    r.Header("Location", std::string(kPrefix) + "/accounts/" + PercentEncode(id));
    AddPosition(r, s);
    return r;
  }

  Reply GetAccount(Ctx& ctx) {
    const std::string& id = ctx.params[0];
    std::optional<projections::AccountView> a = view->Account(id);
    if (!a || !ctx.who->scope.Allows(id)) return NotFound("account " + id.substr(0, 64));
    return JsonReply(200, AccountJson(*a));
  }

  Reply AddAddress(Ctx& ctx) {
    const std::string& id = ctx.params[0];
    auto parsed = ReadBody(ctx.req, {"address"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    const std::string address = b.Str("address", true, 1, 500);
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    if (!aggregates::IsAccountNumber(id)) return NotFound("account " + id.substr(0, 64));
    fb::CommandEnvelopeT cmd = NewCommand(ctx, id);
    fb::AddServiceAddressT c;
    c.address = address;
    cmd.command.Set(std::move(c));
    return AccountCommand(ctx, std::move(cmd), 201);
  }

  Reply CreateUser(Ctx& ctx) {
    auto parsed = ReadBody(ctx.req, {"email", "name", "role", "account_ids", "password"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    const std::string email = b.Str("email", true, 3, 254);
    const std::string name = b.Str("name", true, 1, 200);
    const std::string role_text = b.Str("role", true, 1, 16);
    std::vector<std::string> accounts = b.StrList("account_ids", 100, 32);
    const std::string password = b.Str("password", true, 1, 1024);
    fb::Role role = fb::Role::Customer;
    if (role_text == "staff") {
      role = fb::Role::Staff;
    } else if (role_text == "admin") {
      role = fb::Role::Admin;
    } else if (role_text != "customer" && b.Has("role") && b.doc["role"].is_string()) {
      b.errors.push_back({"role", "must be customer, staff or admin"});
    }
    if (b.errors.empty() && !aggregates::ValidEmail(email)) {
      b.errors.push_back({"email", "is not an e-mail address"});
    }
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    if (role == fb::Role::Customer && accounts.empty()) {
      return Invalid("account_ids", "a customer needs at least one account");
    }
    for (const auto& a : accounts) {
      if (!view->Account(a)) {
        return Problem(422, "unprocessable", "account " + a + " does not exist",
                       {{"rule", "user.unknown_account"},
                        {"errors", json::array({{{"field", "account_ids"},
                                                 {"message", "account " + a + " does not exist"}}})}});
      }
    }
    if (auto weak = aggregates::WeakPassword(password, email, name)) {
      return Problem(422, "unprocessable", "password " + *weak,
                     {{"rule", "user.weak_password"},
                      {"errors", json::array({{{"field", "password"}, {"message", *weak}}})}});
    }
    // Without an Idempotency-Key, answer a taken e-mail before hashing; with
    // one, a repeat must reach the aggregate to get the first result.
    if (!ctx.req.headers.count("Idempotency-Key") && view->UserByEmail(email)) {
      return Problem(409, "conflict", "a user with this e-mail already exists",
                     {{"rule", "user.email_taken"}});
    }
    Result<std::string> hash = hasher->Hash(password);
    if (!hash.ok()) return ProblemFromStatus(hash.status());
    const std::string id = aggregates::UserIdForEmail(email);
    fb::CommandEnvelopeT cmd = NewCommand(ctx, id);
    fb::CreateUserT c;
    c.email = email;
    c.name = name;
    c.role = role;
    c.account_ids = accounts;
    c.password_hash = *hash;
    cmd.command.Set(std::move(c));
    auto sent = Submit(ctx, std::move(cmd), false);
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    if (!AwaitApplied(s)) return Pending(s.result.command_id);
    std::optional<projections::UserView> u = view->User(id);
    if (!u) return Pending(s.result.command_id);
    Reply r = JsonReply(201, UserJson(*u));
    r.Header("Location", std::string(kPrefix) + "/users/" + id);
    AddPosition(r, s);
    return r;
  }

  Reply GetUser(Ctx& ctx) {
    const std::string& id = ctx.params[0];
    std::optional<projections::UserView> u = view->User(id);
    if (!u || (!ctx.who->staff && id != ctx.who->user.id)) {
      return NotFound("user " + id.substr(0, 64));
    }
    return JsonReply(200, UserJson(*u));
  }

  Reply GetCatalog(Ctx&) {
    json types = json::array();
    for (const auto& t : catalog->request_types()) {
      json cats = json::array();
      for (const auto& c : t.categories) {
        json fields = json::array();
        for (const auto& f : c.fields) {
          fields.push_back({{"key", f.key}, {"label", f.label}, {"required", f.required}});
        }
        cats.push_back({{"id", c.id}, {"name", c.name}, {"fields", fields}});
      }
      types.push_back({{"id", t.id}, {"name", t.name}, {"categories", cats}});
    }
    return JsonReply(200, {{"version", catalog->version()}, {"request_types", types}});
  }

  // ---- cases ----------------------------------------------------------------

  // The case as the caller sees it after an accepted command.
  Reply CaseAfter(Ctx& ctx, const Sent& s, const std::string& number, int status) {
    if (!AwaitApplied(s)) return Pending(s.result.command_id);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    Result<json> c = std::get<QueryHandle>(q)->GetCase(ctx.who->scope, number);
    if (!c.ok()) return Pending(s.result.command_id);
    Reply r = JsonReply(status, *c);
    r.Header("ETag", Quote((*c)["version"].get<uint64_t>()));
    r.Header("Location", std::string(kPrefix) + "/cases/" + number);
    AddPosition(r, s);
    return r;
  }

  Reply OpenCase(Ctx& ctx) {
    auto parsed = ReadBody(ctx.req, {"account_id", "case_type", "category", "subject",
                                     "description", "service_address", "fields"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    fb::OpenCaseT c;
    c.account_id = b.Str("account_id", true, 1, 32);
    c.case_type = b.Str("case_type", true, 1, 64);
    c.category = b.Str("category", true, 1, 64);
    c.subject = b.Str("subject", true, 1, 200);
    c.description = b.Str("description", true, 1, 20000);
    c.service_address = b.Str("service_address", false, 0, 200);
    if (b.Has("fields")) {
      const json& f = b.doc["fields"];
      if (!f.is_object() || f.size() > 50) {
        b.errors.push_back({"fields", "must be an object of at most 50 string members"});
      } else {
        for (const auto& [k, v] : f.items()) {
          const int64_t n = v.is_string() ? aggregates::Utf8Length(v.get<std::string>()) : -1;
          if (n < 0 || n > 1000 || k.empty() || k.size() > 64 || aggregates::Utf8Length(k) < 0) {
            b.errors.push_back({"fields." + k.substr(0, 64), "must be a string of at most 1000 characters"});
            continue;
          }
          auto field = std::make_unique<fb::FieldT>();
          field->key = k;
          field->value = v.get<std::string>();
          c.fields.push_back(std::move(field));
        }
      }
    }
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    // Customers may open cases only in their accounts (the aggregate checks
    // too); staff only in accounts that exist.
    if (!ctx.who->scope.Allows(c.account_id) || !view->Account(c.account_id)) {
      return NotFound("account " + c.account_id);
    }
    fb::CommandEnvelopeT cmd = NewCommand(ctx, "");
    cmd.command.Set(std::move(c));
    auto sent = Submit(ctx, std::move(cmd), false);
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    return CaseAfter(ctx, s, s.result.aggregate_id, 201);
  }

  // Parses the list filters shared by the list and the export.
  std::variant<projections::ListQuery, Reply> ListFilters(const Ctx& ctx) {
    projections::ListQuery q;
    std::vector<aggregates::FieldError> errors;
    if (auto v = QueryParam(ctx, "state"); v && !v->empty()) {
      std::string_view s = *v;
      while (true) {
        size_t comma = s.find(',');
        auto st = projections::ParseStateName(s.substr(0, comma));
        if (!st) {
          errors.push_back({"state", "'" + std::string(s.substr(0, std::min<size_t>(comma, 40))) +
                                         "' is not a state (NEW, OPEN, AWAITING_INFO, RESOLVED, "
                                         "CLOSED, CANCELLED)"});
          break;
        }
        q.states.push_back(*st);
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
      }
    }
    for (auto [name, dest] : {std::pair{"case_type", &q.case_type},
                              std::pair{"category", &q.category},
                              std::pair{"account_id", &q.account_id}}) {
      if (auto v = QueryParam(ctx, name)) {
        if (v->size() > 64) errors.push_back({name, "must be at most 64 characters"});
        *dest = *v;
      }
    }
    if (auto v = QueryParam(ctx, "sort")) {
      if (*v == "opened") {
        q.sort = projections::ListQuery::Sort::kOpened;
      } else if (*v != "updated") {
        errors.push_back({"sort", "must be updated or opened"});
      }
    }
    auto size = PageSize(ctx);
    if (auto* r = std::get_if<Reply>(&size)) return std::move(*r);
    q.page_size = std::get<size_t>(size);
    if (auto v = QueryParam(ctx, "page[after]")) q.after = *v;
    if (!errors.empty()) return ValidationProblem(errors);
    return q;
  }

  std::string NextLink(const Ctx& ctx, const std::string& cursor) {
    std::string link = ctx.req.path + "?";
    for (const auto& [k, v] : ctx.req.query) {
      if (k == "page[after]") continue;
      link += PercentEncode(k) + "=" + PercentEncode(v) + "&";
    }
    return link + "page%5Bafter%5D=" + PercentEncode(cursor);
  }

  Reply Page(const Ctx& ctx, const std::vector<json>& rows, bool has_more,
             const std::string& cursor, std::optional<uint64_t> total = std::nullopt) {
    json meta = {{"has_more", has_more},
                 {"after_cursor", has_more ? json(cursor) : json(nullptr)}};
    if (total) meta["total"] = *total;
    return JsonReply(200, {{"data", rows},
                           {"meta", meta},
                           {"links", {{"next", has_more ? json(NextLink(ctx, cursor))
                                                        : json(nullptr)}}}});
  }

  Reply ListCases(Ctx& ctx) {
    auto f = ListFilters(ctx);
    if (auto* r = std::get_if<Reply>(&f)) return std::move(*r);
    if (auto r = AwaitMinPosition(ctx)) return std::move(*r);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    Result<projections::ListPage> page =
        std::get<QueryHandle>(q)->List(ctx.who->scope, std::get<projections::ListQuery>(f));
    if (!page.ok()) return QueryProblem(page.status(), "page[after]");
    return Page(ctx, page->rows, page->has_more, page->after_cursor, page->total);
  }

  // Query errors: kInvalidArgument names a parameter (a bad cursor).
  Reply QueryProblem(const Status& s, const std::string& field) {
    if (s.code() == StatusCode::kInvalidArgument) return Invalid(field, s.message());
    return ProblemFromStatus(s);
  }

  Reply ExportCases(Ctx& ctx) {
    auto f = ListFilters(ctx);
    if (auto* r = std::get_if<Reply>(&f)) return std::move(*r);
    if (auto r = AwaitMinPosition(ctx)) return std::move(*r);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    const std::string path = options.http.spool_dir + "/export-" + RandomHex(12) + ".csv";
    std::ofstream out(path, std::ios::binary);
    if (!out) return ProblemFromStatus(UnavailableError("cannot write the export"));
    bool write_failed = false;
    Status s = std::get<QueryHandle>(q)->ExportCsv(
        ctx.who->scope, std::get<projections::ListQuery>(f), [&](std::string_view chunk) {
          out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
          write_failed = !out;
          return !write_failed;
        });
    out.close();
    if (write_failed && s.ok()) s = UnavailableError("the export could not be written (disk full?)");
    if (!s.ok()) {
      std::error_code ec;
      fs::remove(path, ec);
      return ProblemFromStatus(s);
    }
    Reply r;
    r.Header("Content-Type", "text/csv; charset=utf-8");
    r.Header("Content-Disposition", "attachment; filename=\"cases.csv\"");
    r.Header("X-Content-Type-Options", "nosniff");
    r.file_path = path;
    r.remove_file = true;
    return r;
  }

  // The case as JSON, or the 404 of a missing case.
  std::variant<json, Reply> VisibleCase(Ctx& ctx, const std::string& number) {
    if (!IsCaseNumber(number)) return CaseNotFound(number);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    Result<json> c = std::get<QueryHandle>(q)->GetCase(ctx.who->scope, number);
    if (!c.ok()) {
      if (c.status().code() == StatusCode::kNotFound) return CaseNotFound(number);
      return ProblemFromStatus(c.status());
    }
    return std::move(*c);
  }

  Reply GetCase(Ctx& ctx) {
    if (auto r = AwaitMinPosition(ctx)) return std::move(*r);
    auto c = VisibleCase(ctx, ctx.params[0]);
    if (auto* r = std::get_if<Reply>(&c)) return std::move(*r);
    const json& j = std::get<json>(c);
    Reply r = JsonReply(200, j);
    r.Header("ETag", Quote(j["version"].get<uint64_t>()));
    return r;
  }

  Reply Activity(Ctx& ctx) {
    const std::string& number = ctx.params[0];
    auto size = PageSize(ctx);
    if (auto* r = std::get_if<Reply>(&size)) return std::move(*r);
    if (auto r = AwaitMinPosition(ctx)) return std::move(*r);
    if (!IsCaseNumber(number)) return CaseNotFound(number);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    Result<projections::ActivityPage> page = std::get<QueryHandle>(q)->Activity(
        ctx.who->scope, number, std::get<size_t>(size), QueryParam(ctx, "page[after]").value_or(""));
    if (!page.ok()) {
      if (page.status().code() == StatusCode::kNotFound) return CaseNotFound(number);
      return QueryProblem(page.status(), "page[after]");
    }
    return Page(ctx, page->items, page->has_more, page->after_cursor);
  }

  // Submits a command on case `number`; NotFound results read as the
  // missing case (another account's case looks exactly like no case).
  std::variant<Sent, Reply> SubmitCase(Ctx& ctx, const std::string& number,
                                       fb::CommandEnvelopeT cmd) {
    if (!IsCaseNumber(number)) return CaseNotFound(number);
    auto sent = Submit(ctx, std::move(cmd), true);
    if (auto* r = std::get_if<Reply>(&sent)) {
      if (r->status == http::status::not_found && r->body.find("attachment") == std::string::npos &&
          r->body.find("watcher") == std::string::npos) {
        return CaseNotFound(number);
      }
    }
    return sent;
  }

  // Sends `payload` as a command on the path's case (ctx.params[0]).
  template <typename T>
  std::variant<Sent, Reply> SendCase(Ctx& ctx, T payload) {
    const std::string& number = ctx.params[0];
    fb::CommandEnvelopeT cmd = NewCommand(ctx, number);
    cmd.command.Set(std::move(payload));
    return SubmitCase(ctx, number, std::move(cmd));
  }

  template <typename T>
  Reply SimpleCaseCommand(Ctx& ctx, T payload, int status) {
    const std::string& number = ctx.params[0];
    auto sent = SendCase(ctx, std::move(payload));
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    return CaseAfter(ctx, std::get<Sent>(sent), number, status);
  }

  Reply Comment(Ctx& ctx) { return TextCommand<fb::AddCommentT>(ctx); }
  Reply Note(Ctx& ctx) { return TextCommand<fb::AddInternalNoteT>(ctx); }

  template <typename T>
  Reply TextCommand(Ctx& ctx) {
    auto parsed = ReadBody(ctx.req, {"body"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    T payload;
    payload.body = b.Str("body", true, 1, 10000);
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    return SimpleCaseCommand(ctx, std::move(payload), 201);
  }

  Reply CaseAction(Ctx& ctx) {
    const std::string action = ctx.req.path.substr(ctx.req.path.rfind('/') + 1);
    const bool takes_resolution = action == "resolve";
    const char* text_field = action == "request-info" ? "message"
                             : takes_resolution      ? "resolution"
                             : (action == "cancel" || action == "reopen" ||
                                action == "reject-resolution")
                                 ? "reason"
                                 : nullptr;
    auto parsed = text_field ? ReadBody(ctx.req, {text_field}, !takes_resolution)
                             : ReadBody(ctx.req, {}, true);
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    std::string text;
    if (text_field) text = b.Str(text_field, takes_resolution, takes_resolution ? 1 : 0, 10000);
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    if (action == "cancel") return TextAction(ctx, &fb::CancelCaseT::reason, text);
    if (action == "accept") return SimpleCaseCommand(ctx, fb::AcceptCaseT{}, 200);
    if (action == "request-info") return TextAction(ctx, &fb::RequestInformationT::message, text);
    if (action == "resolve") return TextAction(ctx, &fb::ResolveCaseT::resolution, text);
    if (action == "close") return SimpleCaseCommand(ctx, fb::CloseCaseT{}, 200);
    if (action == "reopen") return TextAction(ctx, &fb::ReopenCaseT::reason, text);
    if (action == "accept-resolution") return SimpleCaseCommand(ctx, fb::AcceptResolutionT{}, 200);
    return TextAction(ctx, &fb::RejectResolutionT::reason, text);
  }

  // A state change whose command carries one text member.
  template <typename T>
  Reply TextAction(Ctx& ctx, std::string T::*member, const std::string& text) {
    T payload;
    payload.*member = text;
    return SimpleCaseCommand(ctx, std::move(payload), 200);
  }

  // GET of a per-case list (attachments, watchers): {"data": [...]}.
  using RowsFn = Result<std::vector<json>> (projections::CaseQueries::*)(
      const projections::Scope&, std::string_view) const;
  Reply CaseRows(Ctx& ctx, RowsFn rows) {
    const std::string& number = ctx.params[0];
    if (auto r = AwaitMinPosition(ctx)) return std::move(*r);
    if (!IsCaseNumber(number)) return CaseNotFound(number);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    auto list = ((*std::get<QueryHandle>(q).operator->()).*rows)(ctx.who->scope, number);
    if (!list.ok()) {
      if (list.status().code() == StatusCode::kNotFound) return CaseNotFound(number);
      return ProblemFromStatus(list.status());
    }
    return JsonReply(200, {{"data", *list}});
  }
  Reply ListAttachments(Ctx& ctx) { return CaseRows(ctx, &projections::CaseQueries::Attachments); }
  Reply ListWatchers(Ctx& ctx) { return CaseRows(ctx, &projections::CaseQueries::Watchers); }

  Reply Upload(Ctx& ctx) {
    const std::string& number = ctx.params[0];
    const std::string ct = HeaderValue(ctx.req, "Content-Type");
    if (!MediaTypeIs(ct, "multipart/form-data")) {
      return Problem(415, "unsupported-media-type",
                     "upload a file as multipart/form-data with a part named \"file\"");
    }
    // Visibility first: another account's case is not found before any
    // byte is stored.
    auto c = VisibleCase(ctx, number);
    if (auto* r = std::get_if<Reply>(&c)) return std::move(*r);
    // Refuse what the aggregate would refuse before a byte is stored (the
    // aggregate still decides; this only saves the blob store).
    const json& cj = std::get<json>(c);
    const std::string state = cj.value("state", "");
    if (state == "CLOSED" || state == "CANCELLED") {
      return Problem(409, "conflict", "case " + number + " is " + state +
                                          ": a final state takes no attachments",
                     {{"rule", "case.final_state"}});
    }
    Result<StoredBlob> blob = blobs->ExtractUpload(ctx.req.body_file, ct, options.max_upload_bytes);
    if (!blob.ok()) {
      if (blob.status().code() == StatusCode::kFailedPrecondition) {
        return Problem(413, "payload-too-large", blob.status().message());
      }
      if (blob.status().code() == StatusCode::kInvalidArgument) {
        return BadRequest(blob.status().message());
      }
      return ProblemFromStatus(blob.status());
    }
    fb::AddAttachmentT a;
    a.sha256 = blob->sha256;
    a.file_name = blob->file_name;
    a.size_bytes = blob->size;
    a.content_type = SafeContentType(aggregates::Lower(blob->content_type))
                         ? aggregates::Lower(blob->content_type)
                         : "application/octet-stream";
    auto sent = SendCase(ctx, std::move(a));
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    if (!AwaitApplied(s)) return Pending(s.result.command_id);
    const std::string id = "a" + std::to_string(s.result.version);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    auto att = std::get<QueryHandle>(q)->Attachment(ctx.who->scope, number, id);
    if (!att.ok()) return Pending(s.result.command_id);
    Reply r = JsonReply(201, *att);
    r.Header("Location", std::string(kPrefix) + "/cases/" + number + "/attachments/" + id);
    r.Header("ETag", Quote(s.result.version));
    AddPosition(r, s);
    return r;
  }

  std::variant<json, Reply> VisibleAttachment(Ctx& ctx) {
    const std::string& number = ctx.params[0];
    const std::string& id = ctx.params[1];
    auto c = VisibleCase(ctx, number);
    if (auto* r = std::get_if<Reply>(&c)) return std::move(*r);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    auto att = std::get<QueryHandle>(q)->Attachment(ctx.who->scope, number, id);
    if (!att.ok()) {
      if (att.status().code() == StatusCode::kNotFound) {
        return NotFound("attachment " + id.substr(0, 64));
      }
      return ProblemFromStatus(att.status());
    }
    return std::move(*att);
  }

  Reply Download(Ctx& ctx) {
    if (auto r = AwaitMinPosition(ctx)) return std::move(*r);
    auto att = VisibleAttachment(ctx);
    if (auto* r = std::get_if<Reply>(&att)) return std::move(*r);
    const json& a = std::get<json>(att);
    Result<std::string> path = blobs->PathOf(a.value("sha256", ""));
    if (!path.ok()) {
      spdlog::error("gateway: attachment {} of {}: {}", ctx.params[1], ctx.params[0],
                    path.status().ToString());
      return Problem(404, "not-found", "the attachment's content is missing from the blob store");
    }
    const std::string name = a.value("file_name", "file");
    const std::string type = a.value("content_type", "");
    Reply r;
    r.Header("Content-Type", SafeContentType(type) ? type : "application/octet-stream");
    r.Header("Content-Disposition", "attachment; filename=\"" + SafeFileName(name) +
                                        "\"; filename*=UTF-8''" + PercentEncode(name));
    r.Header("X-Content-Type-Options", "nosniff");
    r.Header("Content-Security-Policy", "default-src 'none'; sandbox");
    r.Header("ETag", "\"" + a.value("sha256", "") + "\"");
    r.file_path = *path;
    return r;
  }

  Reply RenameAttachment(Ctx& ctx) {
    auto parsed = ReadBody(ctx.req, {"file_name"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    fb::RenameAttachmentT c;
    c.attachment_id = ctx.params[1];
    c.file_name = b.Str("file_name", true, 1, 255);
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    auto sent = SendCase(ctx, std::move(c));
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    if (!AwaitApplied(s)) return Pending(s.result.command_id);
    auto att = VisibleAttachment(ctx);
    if (auto* r = std::get_if<Reply>(&att)) return std::move(*r);
    Reply r = JsonReply(200, std::get<json>(att));
    r.Header("ETag", Quote(s.result.version));
    AddPosition(r, s);
    return r;
  }

  Reply RemoveAttachment(Ctx& ctx) {
    fb::RemoveAttachmentT c;
    c.attachment_id = ctx.params[1];
    return RemovalCommand(ctx, std::move(c));
  }

  template <typename T>
  Reply RemovalCommand(Ctx& ctx, T payload) {
    auto sent = SendCase(ctx, std::move(payload));
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    AwaitApplied(s);
    Reply r = Empty(204);
    r.Header("ETag", Quote(s.result.version));
    AddPosition(r, s);
    return r;
  }

  Reply AddWatcher(Ctx& ctx) {
    auto parsed = ReadBody(ctx.req, {"email"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    fb::AddWatcherT c;
    c.email = b.Str("email", true, 3, 254);
    if (b.errors.empty() && !aggregates::ValidEmail(c.email)) {
      b.errors.push_back({"email", "is not an e-mail address"});
    }
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    const std::string email = c.email;
    const std::string& number = ctx.params[0];
    auto sent = SendCase(ctx, std::move(c));
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    if (!AwaitApplied(s)) return Pending(s.result.command_id);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    auto list = std::get<QueryHandle>(q)->Watchers(ctx.who->scope, number);
    if (!list.ok()) return Pending(s.result.command_id);
    for (const json& w : *list) {
      if (aggregates::Lower(w.value("email", "")) == aggregates::Lower(email)) {
        Reply r = JsonReply(201, w);
        r.Header("Location", std::string(kPrefix) + "/cases/" + number + "/watchers/" +
                                 PercentEncode(w.value("email", "")));
        r.Header("ETag", Quote(s.result.version));
        AddPosition(r, s);
        return r;
      }
    }
    return Pending(s.result.command_id);
  }

  Reply RemoveWatcher(Ctx& ctx) {
    fb::RemoveWatcherT c;
    c.email = ctx.params[1];
    return RemovalCommand(ctx, std::move(c));
  }

  Reply Search(Ctx& ctx) {
    auto size = PageSize(ctx);
    if (auto* r = std::get_if<Reply>(&size)) return std::move(*r);
    projections::SearchQuery sq;
    sq.q = QueryParam(ctx, "q").value_or("");
    if (sq.q.empty() || aggregates::Utf8Length(sq.q) > 200) {
      return Invalid("q", "is required: 1..200 characters");
    }
    sq.page_size = std::get<size_t>(size);
    sq.after = QueryParam(ctx, "page[after]").value_or("");
    if (Status s = sq.Validate(); !s.ok()) return Invalid("q", s.message());
    if (auto r = AwaitMinPosition(ctx)) return std::move(*r);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    auto page = std::get<QueryHandle>(q)->Search(ctx.who->scope, sq);
    if (!page.ok()) return QueryProblem(page.status(), "q");
    return Page(ctx, page->rows, page->has_more, page->after_cursor);
  }

  Reply Overview(Ctx& ctx) {
    if (auto r = AwaitMinPosition(ctx)) return std::move(*r);
    auto q = Queries();
    if (auto* r = std::get_if<Reply>(&q)) return std::move(*r);
    auto o = std::get<QueryHandle>(q)->Overview(ctx.who->scope, {});
    if (!o.ok()) return ProblemFromStatus(o.status());
    return JsonReply(200, *o);
  }

  Reply GetCommand(Ctx& ctx) {
    const std::string& id = ctx.params[0];
    Owner owner;
    {
      std::lock_guard<std::mutex> lock(owners_mu);
      auto it = command_owner.find(id);
      if (it == command_owner.end() || it->second.user_id != ctx.who->user.id) {
        return NotFound("command " + id.substr(0, 64));
      }
      owner = it->second;
    }
    std::optional<fb::CommandResultT> r = bus->Lookup(id);
    if (!r) return JsonReply(200, {{"id", id}, {"status", "pending"}});
    json j = {{"id", id},
              {"status", r->code == fb::ResultCode::Accepted ? "accepted" : "rejected"},
              {"code", std::string(fb::EnumNameResultCode(r->code))},
              {"aggregate_id", r->aggregate_id},
              {"version", r->version}};
    if (!r->rule.empty()) j["rule"] = r->rule;
    if (!r->message.empty()) j["detail"] = r->message;
    if (r->events_partition >= 0) {
      j["position"] = PositionText({owner.context, r->events_partition, r->events_offset});
    }
    return JsonReply(200, j);
  }

  // ---- status, links, feedback ----------------------------------------------

  Reply GetSystemStatus(Ctx&) {
    json data = json::array();
    for (const auto& s : view->Services()) data.push_back(ServiceJson(s));
    return JsonReply(200, {{"data", data}});
  }

  Reply PutSystemStatus(Ctx& ctx) {
    const std::string& service = ctx.params[0];
    auto parsed = ReadBody(ctx.req, {"status", "message"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    fb::SetServiceStatusT c;
    c.service = service;
    const std::string status = b.Str("status", true, 1, 16);
    c.message = b.Str("message", false, 0, 1000);
    auto st = aggregates::ParseServiceState(status);
    if (!st && b.Has("status") && b.doc["status"].is_string()) {
      b.errors.push_back({"status", "must be OPERATIONAL, DEGRADED, OUTAGE or MAINTENANCE"});
    }
    if (!aggregates::IsServiceName(service)) {
      b.errors.push_back({"service", "must be 1..64 of a-z, 0-9 and '-'"});
    }
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    c.status = *st;
    fb::CommandEnvelopeT cmd = NewCommand(ctx, aggregates::ServiceAggregateId(service));
    cmd.command.Set(std::move(c));
    auto sent = Submit(ctx, std::move(cmd), false);
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    if (!AwaitApplied(s)) return Pending(s.result.command_id);
    for (const auto& v : view->Services()) {
      if (v.service == service) {
        Reply r = JsonReply(200, ServiceJson(v));
        AddPosition(r, s);
        return r;
      }
    }
    return Pending(s.result.command_id);
  }

  Reply QuickLinks(Ctx&) { return JsonReply(200, {{"data", quick_links}}); }

  Reply Feedback(Ctx& ctx) {
    auto parsed = ReadBody(ctx.req, {"message", "rating", "page"});
    if (auto* r = std::get_if<Reply>(&parsed)) return std::move(*r);
    Body& b = std::get<Body>(parsed);
    fb::SubmitFeedbackT c;
    c.message = b.Str("message", true, 1, 5000);
    c.page = b.Str("page", false, 0, 500);
    c.rating = static_cast<uint8_t>(b.Int("rating", 1, 5).value_or(0));
    if (!b.errors.empty()) return ValidationProblem(b.errors);
    // With an Idempotency-Key the repeat must reach the same aggregate.
    const std::string key = HeaderValue(ctx.req, "Idempotency-Key");
    const std::string id =
        "fb-" + (key.empty() ? RandomHex(12) : Sha256Hex(ctx.who->user.id + "\n" + key).substr(0, 24));
    fb::CommandEnvelopeT cmd = NewCommand(ctx, id);
    cmd.command.Set(std::move(c));
    auto sent = Submit(ctx, std::move(cmd), false);
    if (auto* r = std::get_if<Reply>(&sent)) return std::move(*r);
    const Sent& s = std::get<Sent>(sent);
    Reply r = JsonReply(201, {{"id", s.result.aggregate_id.empty() ? id : s.result.aggregate_id}});
    AddPosition(r, s);
    return r;
  }

  // ---- operations -----------------------------------------------------------

  Reply Healthz(Ctx&) { return JsonReply(200, {{"status", "ok"}}); }

  Status BrokerHealth() {
    // One check at a time; everyone else gets the last answer.
    std::unique_lock<std::mutex> lock(health_mu, std::try_to_lock);
    if (!lock.owns_lock()) {
      std::lock_guard<std::mutex> status_lock(health_status_mu);
      return health_checked_us == 0 ? UnavailableError("checking") : health_status;
    }
    const int64_t now = clock.NowMicros();
    {
      std::lock_guard<std::mutex> status_lock(health_status_mu);
      if (now - health_checked_us < 1'000'000 && health_checked_us != 0) return health_status;
    }
    auto wm = health->Watermarks(options.layout.ResultsTopic(), 0);
    if (!wm.ok()) spdlog::warn("gateway: readiness: broker: {}", wm.status().ToString());
    std::lock_guard<std::mutex> status_lock(health_status_mu);
    health_status = wm.ok() ? Status::Ok() : wm.status();
    health_checked_us = now;
    return health_status;
  }

  Reply Readyz(Ctx&) {
    json checks = json::object();
    bool ready = true;
    Status broker = BrokerHealth();
    checks["broker"] = broker.ok() ? "ok" : "unavailable";
    ready = ready && broker.ok();
    // Every partition must have reported, and be within both bounds: a
    // fresh backlog has young records, so age alone says nothing.
    std::vector<consumers::PartitionLag> lag = projector->Lag();
    double worst_seconds = 0;
    int64_t worst_events = 0;
    for (const auto& l : lag) {
      worst_seconds = std::max(worst_seconds, l.seconds);
      worst_events = std::max(worst_events, l.events());
    }
    const bool all_reported =
        static_cast<int32_t>(lag.size()) >= options.layout.partitions &&
        std::all_of(lag.begin(), lag.end(), [](const auto& l) { return l.end_known; });
    const bool projections_ok = projector->store() != nullptr && all_reported &&
                                worst_events <= options.ready_max_lag_events &&
                                worst_seconds <= options.ready_max_lag_seconds;
    checks["projections"] = projections_ok ? "ok"
                            : !all_reported ? "catching up"
                                            : "behind by " + std::to_string(worst_events) +
                                                  " events";
    checks["identity"] = view->CaughtUp() ? "ok" : "catching up";
    ready = ready && projections_ok && view->CaughtUp();
    json body = {{"status", ready ? "ok" : "unavailable"}, {"checks", checks}};
    Reply r = JsonReply(ready ? 200 : 503, body);
    if (!ready) r.Header("Retry-After", "1");
    return r;
  }

  Reply MetricsText(Ctx&) {
    std::string text = metrics.Render();
    text += "# HELP docket_projection_lag_events Events not yet in the case read models.\n"
            "# TYPE docket_projection_lag_events gauge\n";
    std::vector<consumers::PartitionLag> lag = projector->Lag();
    for (const auto& l : lag) {
      text += "docket_projection_lag_events{partition=\"" + std::to_string(l.partition) + "\"} " +
              std::to_string(l.events()) + "\n";
    }
    text += "# HELP docket_projection_lag_seconds Age of the oldest event not yet applied.\n"
            "# TYPE docket_projection_lag_seconds gauge\n";
    for (const auto& l : lag) {
      text += "docket_projection_lag_seconds{partition=\"" + std::to_string(l.partition) + "\"} " +
              std::to_string(l.seconds) + "\n";
    }
    const auto& ps = projector->stats();
    text += "# HELP docket_projection_events_total Events applied to the case read models.\n"
            "# TYPE docket_projection_events_total counter\n"
            "docket_projection_events_total " + std::to_string(ps.applied.load()) + "\n";
    Reply r;
    r.body = std::move(text);
    r.Header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
  }
};

Gateway::Gateway(GatewayOptions options, consumers::CommandBus* bus,
                 consumers::ProjectionRunner* projector, PortalReads* view,
                 const aggregates::Catalog* catalog, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), bus, projector, view, catalog, clock)) {}

Gateway::~Gateway() { Stop(); }

Status Gateway::Start() {
  Impl& g = *impl_;
  DOCKET_RETURN_IF_ERROR(g.options.Validate());
  const std::string own = g.options.data_dir + "/gateway-" + g.options.instance_id;
  std::error_code ec;
  fs::create_directories(own + "/spool", ec);
  if (ec) return UnavailableError("gateway: cannot create " + own + ": " + ec.message());
  // Spooled bodies of a previous life are garbage.
  for (const auto& e : fs::directory_iterator(own + "/spool", ec)) fs::remove(e.path(), ec);
  g.options.http.spool_dir = own + "/spool";
  DOCKET_ASSIGN_OR_RETURN(g.sessions,
                          SessionStore::Open(own + "/sessions", g.options.sessions, g.clock));
  DOCKET_ASSIGN_OR_RETURN(BlobStore blobs, BlobStore::Open(g.options.data_dir + "/blobs"));
  g.blobs.emplace(std::move(blobs));
  g.hasher = std::make_unique<PasswordHasher>(g.options.max_concurrent_hashes,
                                              g.options.hash_queue_wait);
  if (!g.options.quick_links_path.empty()) {
    std::ifstream in(g.options.quick_links_path);
    if (!in) {
      return InvalidArgumentError("quick links " + g.options.quick_links_path +
                                  ": cannot be read (--quick-links)");
    }
    json links = json::parse(in, nullptr, false);
    bool ok = in.good() || in.eof();
    ok = ok && links.is_array();
    for (const auto& l : ok ? links : json::array()) {
      ok = ok && l.is_object() && l.size() == 2 && l.contains("title") && l["title"].is_string() &&
           l.contains("url") && l["url"].is_string();
    }
    if (!ok) {
      return InvalidArgumentError("quick links " + g.options.quick_links_path +
                                  ": must be a JSON array of {\"title\", \"url\"} strings");
    }
    g.quick_links = links;
  }
  kafka::Consumer::Options co;
  co.kafka = g.options.kafka;
  co.kafka.client_id = "docket-gateway-health";
  co.kafka.timeout = std::min(co.kafka.timeout, std::chrono::milliseconds(2000));
  DOCKET_ASSIGN_OR_RETURN(g.health, kafka::Consumer::Create(co));
  g.server = std::make_unique<HttpServer>(
      g.options.http, [&g](const Request& r) { return g.PolicyFor(r); },
      [this](Request& r) { return Handle(r); }, &TransportProblem);
  return g.server->Start();
}

void Gateway::Stop() {
  if (impl_ && impl_->server) impl_->server->Stop();
}

int Gateway::port() const { return impl_->server ? impl_->server->port() : 0; }

Reply Gateway::Handle(Request& req) {
  const auto start = std::chrono::steady_clock::now();
  const std::string given = HeaderValue(req, "X-Request-Id");
  static const std::regex sane("^[A-Za-z0-9._-]{1,64}$");
  req.request_id = std::regex_match(given, sane) ? given : RandomHex(8);
  std::string route = "unmatched";
  Reply r = impl_->Dispatch(req, &route);
  r.Header("X-Request-Id", req.request_id);
  if (!r.FindHeader("Cache-Control")) r.Header("Cache-Control", "no-store");
  const int status = static_cast<int>(r.status);
  // 503s (not ready, position not reached, broker down) are expected
  // answers; a 500 is a bug.
  if (status == 500) {
    spdlog::error("gateway: {} {} -> {} (request {})", req.method_text, route, status,
                  req.request_id);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Labels stay few: route patterns, and known methods only.
  impl_->metrics.ObserveRequest(route,
                                req.method == http::verb::unknown ? "OTHER" : req.method_text,
                                status, seconds);
  return r;
}

}  // namespace docket::api
