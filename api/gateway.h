// Gateway: the HTTP/JSON API of Docket (docs/api.md, api/openapi.yaml).
//
// The gateway is the shared machinery of the API: the HTTP server, the
// router, authentication, rate limits, the command client, positions and
// the operations routes. It knows no context: each context (cases,
// identity, status) is a RouteModule that adds its routes, and registers
// its read model (ReadModel) for read-your-writes, readiness and metrics.
// The composition root (api/server/) builds the modules and hands them in.
//
// Every request passes the same gate. On the I/O thread, as soon as its
// header is read (so a flood is refused before it waits for a worker, and
// no body is read in vain): not a cross-site mutation (api/cross_site.h),
// the per-address limit (routes other than kPublic), and for uploads a
// session and room in the user's bytes in transfer. Then on a worker, in
// order: a well-formed target, a route, no repeated query parameter, the
// directory ready (503 until then), the session (401), the per-user limit,
// staff only (403), no body on GET/DELETE; then the route's handler.
//
// Thread-safe: requests are handled concurrently on the server's workers.
#ifndef DOCKET_API_GATEWAY_H_
#define DOCKET_API_GATEWAY_H_

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/auth.h"
#include "api/authn.h"
#include "api/client_limits.h"
#include "api/command_client.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/positions.h"
#include "api/router.h"
#include "consumers/command_bus.h"
#include "events/topics.h"

namespace docket::api {

struct GatewayOptions {
  HttpServerOptions http;
  kafka::KafkaOptions kafka;
  events::TopicLayout layout;
  // Spooled uploads live in <data_dir>/gateway-<instance_id>/spool, blobs
  // in <data_dir>/blobs (shared by every gateway on the machine). Sessions
  // are identity events: every gateway sees them.
  std::string data_dir = "./var";
  std::string instance_id = "0";
  // The secret command ids are derived with (common/key_file.h); every
  // gateway of one deployment must read the same file. "" =
  // <data_dir>/command-id.key, created on first start.
  std::string command_id_key_file;
  uint64_t max_body_bytes = 64 * 1024;
  uint64_t max_upload_bytes = 25ull << 20;
  // Upload bodies being received at once, per user (their declared sizes,
  // or max_upload_bytes when undeclared): over it, 429 before the body is
  // read.
  uint64_t max_spooled_bytes_per_user = 2 * ((25ull << 20) + 64 * 1024);
  // Attachment bytes no case refers to are removed (api/routes/
  // blob_collector.h): a pass every interval, sparing files younger than
  // the grace period.
  // CSV exports streaming at once (one per user): each holds a worker.
  int max_concurrent_exports = 4;
  // Live event streams (GET /stream) open at once per user; in all, at most
  // http.max_long_lived.
  int max_event_streams_per_user = 8;
  // The portal's built files (web/dist): served at / with index.html for
  // every other path outside /api (api/web_assets.h). "" = no portal.
  std::string web_root;
  std::chrono::seconds blob_gc_interval{600};
  std::chrono::seconds blob_gc_grace{3600};
  RateLimit per_address{200, 400};
  RateLimit per_user{100, 200};
  double login_per_minute = 20;  // per client address, and per e-mail
  // Peers whose X-Forwarded-For names the client (a TLS proxy in front);
  // rate limits key on that client instead of the proxy.
  std::set<std::string> trusted_proxies;
  // Origins other than the gateway's own whose pages may send mutating
  // requests (api/cross_site.h), e.g. "https://portal.example.com".
  std::set<std::string> allowed_origins;
  std::chrono::milliseconds command_wait{5000};
  std::chrono::milliseconds min_position_wait{5000};
  SessionOptions sessions;
  // A forgotten-password link works this long after it was sent.
  std::chrono::seconds reset_link_ttl{3600};
  // An invitation's activation link, and an unlock link, work this long.
  std::chrono::seconds activation_link_ttl{72 * 3600};
  std::chrono::seconds unlock_link_ttl{3600};
  // Mails with a link (forgotten password, unlock) per e-mail or username
  // and hour; access requests per client address and hour (and a third of
  // that per e-mail).
  double link_mails_per_hour = 5;
  double access_requests_per_hour = 10;
  bool secure_cookies = false;
  int max_concurrent_hashes = 2;
  std::chrono::milliseconds hash_queue_wait{5000};
  // /readyz is 503 while any partition of a read model is further behind
  // than this many events, or its oldest unapplied event is older.
  int64_t ready_max_lag_events = 1000;
  double ready_max_lag_seconds = 30;
  Status Validate() const;
};

// What the gateway lends its route modules (by reference, for their whole
// life: the gateway owns this struct and everything it names).
struct Services {
  const GatewayOptions& options;  // http.spool_dir is set by then
  const Clock& clock;
  Authenticator& auth;
  ClientLimits& limits;
  CommandClient& commands;
  Positions& positions;
  Metrics& metrics;
  // The deployment's secret (common/key_file.h) for what must be derived
  // alike on every gateway and role (e.g. aggregates::LinkKey).
  const std::string& secret;
};

// A context's routes.
class RouteModule {
 public:
  virtual ~RouteModule() = default;
  // Called once by Gateway::Start before the server binds: opens what the
  // module needs and adds its routes. An error stops the start.
  virtual Status Register(Router& router, Services& services) = 0;
};

class Gateway {
 public:
  // `bus` must outlive the gateway.
  Gateway(GatewayOptions options, consumers::CommandBus* bus, const Clock& clock);
  ~Gateway();

  // Before Start(): a context's read model and its routes.
  void AddReadModel(ReadModel model);
  void AddModule(std::unique_ptr<RouteModule> module);
  // Before Start(): more Prometheus text for /metrics (e.g. the notifier's).
  void AddMetrics(std::function<std::string()> source);

  // Connects the broker probe, registers every module's routes, binds.
  Status Start();
  void Stop();
  int port() const;

  // One request, whole (the server calls this on a worker thread).
  Reply Handle(Request& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace docket::api

#endif  // DOCKET_API_GATEWAY_H_
