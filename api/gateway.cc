#include "api/gateway.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <regex>

#include "api/concurrency_limit.h"
#include "api/cross_site.h"
#include "api/ops.h"
#include "api/problem.h"
#include "api/request.h"
#include "api/web_assets.h"
#include "common/hash.h"
#include "common/key_file.h"

namespace docket::api {

namespace fs = std::filesystem;

Status GatewayOptions::Validate() const {
  DOCKET_RETURN_IF_ERROR(kafka.Validate());
  DOCKET_RETURN_IF_ERROR(layout.Validate());
  DOCKET_RETURN_IF_ERROR(sessions.Validate());
  if (reset_link_ttl.count() <= 0 || activation_link_ttl.count() <= 0 ||
      unlock_link_ttl.count() <= 0) {
    return InvalidArgumentError("every link lifetime (reset, activation, unlock) must be > 0");
  }
  if (link_mails_per_hour <= 0 || access_requests_per_hour <= 0) {
    return InvalidArgumentError("link-mails-per-hour and access-requests-per-hour must be > 0");
  }
  if (max_body_bytes < 1024) return InvalidArgumentError("gateway: max-body-bytes < 1024");
  if (max_upload_bytes < 1) return InvalidArgumentError("gateway: max-upload-bytes < 1");
  if (command_wait.count() < 0 || min_position_wait.count() < 0) {
    return InvalidArgumentError("gateway: waits must be >= 0");
  }
  if (blob_gc_interval.count() < 1 || blob_gc_grace.count() < 0) {
    return InvalidArgumentError("gateway: blob-gc-interval-s must be >= 1, blob-gc-grace-s >= 0");
  }
  if (max_concurrent_exports < 1) {
    return InvalidArgumentError("gateway: max-concurrent-exports must be >= 1");
  }
  if (max_event_streams_per_user < 1) {
    return InvalidArgumentError("gateway: max-event-streams-per-user must be >= 1");
  }
  if (max_concurrent_hashes < 1) {
    return InvalidArgumentError("gateway: max-concurrent-hashes must be >= 1");
  }
  if (per_address.per_second < 0 || per_user.per_second < 0 || login_per_minute < 0) {
    return InvalidArgumentError("gateway: rate limits must be >= 0 (0 = unlimited)");
  }
  return Status::Ok();
}

namespace {

// The body size a request declares, `otherwise` when it declares none.
uint64_t DeclaredLength(const Request& req, uint64_t otherwise) {
  const std::string v = HeaderValue(req, "Content-Length");
  if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string::npos) {
    return otherwise;
  }
  return std::min<uint64_t>(std::stoull(v), otherwise);
}

}  // namespace

struct Gateway::Impl {
  GatewayOptions options;
  const Clock& clock;
  Metrics metrics;
  Positions positions;
  ClientLimits limits;
  CommandClient commands;
  Ops ops;
  Router router;
  std::unique_ptr<kafka::Consumer> log_probe;  // partition ends for Positions
  std::shared_ptr<ConcurrencyLimit> spooling;  // upload bytes being received, per user
  std::unique_ptr<Authenticator> auth;
  std::string secret;  // the key file's, read by Start
  std::unique_ptr<Services> services;  // lent to the modules: lives as long as they do
  std::vector<std::unique_ptr<RouteModule>> modules;
  std::unique_ptr<HttpServer> server;
  std::optional<WebAssets> web;  // the portal, when options.web_root is set

  Impl(GatewayOptions o, consumers::CommandBus* bus, const Clock& c)
      : options(std::move(o)),
        clock(c),
        positions(options.layout.partitions, std::max(1, options.http.worker_threads / 2),
                  options.min_position_wait),
        limits({options.per_address, options.per_user, options.trusted_proxies}, c),
        commands(bus, &positions, &metrics, c, options.command_wait),
        ops(&positions, &metrics, options.layout, c),
        spooling(ConcurrencyLimit::Create(options.max_spooled_bytes_per_user, UINT64_MAX)) {}

  // Positions learn the end of a partition from the broker (bounded: a
  // failed probe only means the position is waited for).
  Status StartLogProbe() {
    kafka::Consumer::Options co;
    co.kafka = options.kafka;
    co.kafka.client_id = "docket-gateway-positions";
    co.kafka.timeout = std::min(co.kafka.timeout, std::chrono::milliseconds(1000));
    DOCKET_ASSIGN_OR_RETURN(log_probe, kafka::Consumer::Create(co));
    positions.SetLogEnd([this](const Position& p) -> Result<int64_t> {
      DOCKET_ASSIGN_OR_RETURN(auto wm, log_probe->Watermarks(options.layout.EventsTopic(p.context),
                                                             p.partition));
      return wm.second;
    });
    return Status::Ok();
  }

  // On the I/O thread, after the header: the checks that cost nothing, so
  // that a flood is refused before it queues for a worker and no body is
  // read in vain: a cross-site mutation, the per-address limit (every route
  // but kPublic ones), and uploads without a session or over the user's
  // bytes in transfer.
  BodyPolicy PolicyFor(Request& req) {
    Router::Match m = router.Find(req);
    if (m.route && !req.bad_target) {
      // A cross-site upload is refused before its body is read.
      if (std::optional<Reply> refused = RefuseCrossSite(req, options.allowed_origins)) {
        BodyPolicy reject;
        reject.reply = Finish(req, RandomHex(8), m.route->pattern, std::move(*refused),
                              std::chrono::steady_clock::now());
        return reject;
      }
    }
    if (m.route && m.route->access != Access::kPublic && !req.bad_target) {
      if (std::optional<Reply> limited = limits.TakeAddress(req)) {
        BodyPolicy reject;
        reject.reply = Finish(req, RandomHex(8), m.route->pattern, std::move(*limited),
                              std::chrono::steady_clock::now());
        return reject;
      }
    }
    if (m.route && m.route->body == BodyKind::kFile) {
      std::optional<std::string> user = auth->SessionUser(req);
      if (!user) {
        BodyPolicy reject;
        reject.reject_status = 401;
        reject.reject_detail = "sign in before uploading (the session is missing or expired)";
        return reject;
      }
      const uint64_t limit = options.max_upload_bytes + 64 * 1024;
      req.hold = spooling->Acquire(*user, DeclaredLength(req, limit));
      if (!req.hold) {
        BodyPolicy reject;
        reject.reply = Finish(req, RandomHex(8), m.route->pattern,
                              TooMany(1, "your other uploads are still being received; retry"),
                              std::chrono::steady_clock::now());
        return reject;
      }
      return {BodyKind::kFile, limit};
    }
    return {BodyKind::kString, options.max_body_bytes};
  }

  // What every answer gets: its request id, no caching unless the route
  // said otherwise, and its place in the metrics.
  Reply Finish(const Request& req, const std::string& request_id, const std::string& route,
               Reply r, std::chrono::steady_clock::time_point start) {
    r.Header("X-Request-Id", request_id);
    if (!r.FindHeader("Cache-Control")) r.Header("Cache-Control", "no-store");
    const int status = static_cast<int>(r.status);
    // 503s (not ready, position not reached, broker down) are expected
    // answers; a 500 is a bug.
    if (status == 500) {
      spdlog::error("gateway: {} {} -> {} (request {})", req.method_text, route, status,
                    request_id);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Labels stay few: route patterns, and known methods only.
    metrics.ObserveRequest(route, req.method == http::verb::unknown ? "OTHER" : req.method_text,
                           status, seconds);
    return r;
  }

  Reply Dispatch(Request& req, std::string* route_name) {
    if (req.bad_target) return BadRequest("the request target is malformed (escapes, NUL or UTF-8)");
    Router::Match m = router.Find(req);
    if (!m.route) return NoRoute(req, m);
    const Route& route = *m.route;
    *route_name = route.pattern;
    if (auto k = RepeatedQueryParam(req)) {
      return BadRequest("query parameter '" + k->substr(0, 50) + "' is given twice");
    }
    // (Checked on the I/O thread already, PolicyFor; again here for a
    // request handed to Handle directly.)
    DOCKET_RETURN_IF_REPLY(RefuseCrossSite(req, options.allowed_origins));
    Call call{req, std::move(m.params), std::nullopt};
    // (The per-address limit was taken on the I/O thread: PolicyFor.)
    if (route.access != Access::kPublic) {
      // Identities come from the directory's read model: until it has
      // caught up every user would look unknown (and be logged out).
      if (!auth->Ready()) return RetryLater("the gateway is starting; retry");
    }
    if (route.access == Access::kSignedIn || route.access == Access::kStaff) {
      DOCKET_ASSIGN_OR_REPLY(call.who, auth->Authenticate(req));
      DOCKET_RETURN_IF_REPLY(limits.TakeUser(call.who->user_id));
      if (route.access == Access::kStaff && !call.who->staff) {
        return Problem(403, "forbidden", "this route is for staff only",
                       {{"rule", "route.staff_only"}});
      }
    }
    if (route.body == BodyKind::kString && !req.body.empty() &&
        (req.method == http::verb::get || req.method == http::verb::delete_)) {
      return BadRequest("this request takes no body");
    }
    return route.handler(call);
  }
};

Gateway::Gateway(GatewayOptions options, consumers::CommandBus* bus, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), bus, clock)) {}

Gateway::~Gateway() { Stop(); }

void Gateway::AddReadModel(ReadModel model) { impl_->positions.Register(std::move(model)); }

void Gateway::AddMetrics(std::function<std::string()> source) {
  impl_->ops.AddMetrics(std::move(source));
}

void Gateway::AddModule(std::unique_ptr<RouteModule> module) {
  impl_->modules.push_back(std::move(module));
}

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
  // A proxy in front carries many clients' connections.
  g.options.http.uncapped_clients = g.options.trusted_proxies;
  const std::string key_file = g.options.command_id_key_file.empty()
                                   ? g.options.data_dir + "/command-id.key"
                                   : g.options.command_id_key_file;
  DOCKET_ASSIGN_OR_RETURN(g.secret, LoadOrCreateKey(key_file));
  g.commands.SetIdKey(g.secret);
  if (!g.options.web_root.empty()) {
    DOCKET_ASSIGN_OR_RETURN(WebAssets web, WebAssets::Open(g.options.web_root));
    g.web.emplace(std::move(web));
  }
  g.auth = std::make_unique<Authenticator>();
  DOCKET_RETURN_IF_ERROR(g.ops.Start(g.options.kafka));
  DOCKET_RETURN_IF_ERROR(g.StartLogProbe());
  g.services = std::make_unique<Services>(
      Services{g.options, g.clock, *g.auth, g.limits, g.commands, g.positions, g.metrics,
               g.secret});
  for (auto& module : g.modules) DOCKET_RETURN_IF_ERROR(module->Register(g.router, *g.services));
  g.commands.Register(g.router);
  g.ops.Register(g.router);
  g.server = std::make_unique<HttpServer>(
      g.options.http, [&g](Request& r) { return g.PolicyFor(r); },
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
  Reply r;
  if (impl_->web && !req.bad_target && !WebAssets::IsApiPath(req.path)) {
    route = "portal";
    r = impl_->web->Serve(req);
  } else {
    r = impl_->Dispatch(req, &route);
  }
  return impl_->Finish(req, req.request_id, route, std::move(r), start);
}

}  // namespace docket::api
