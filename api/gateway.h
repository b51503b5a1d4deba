// Gateway: the HTTP/JSON API of Docket (docs/api.md, api/openapi.yaml).
//
// Commands go to the deciders through the CommandBus; queries read the case
// read models of the in-process ProjectionRunner (a query replica) and the
// identity/status models through PortalReads. Access control: every case
// query runs with the caller's projections::Scope, and every command carries
// the caller as its actor, so the aggregate refuses another account's case
// with the same "not found" as a missing one.
//
// Thread-safe: requests are handled concurrently on the server's workers.
#ifndef DOCKET_API_GATEWAY_H_
#define DOCKET_API_GATEWAY_H_

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "aggregates/cases/catalog.h"
#include "api/auth.h"
#include "api/blob_store.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "consumers/command_bus.h"
#include "api/portal_reads.h"
#include "consumers/projection_runner.h"

namespace docket::api {

struct GatewayOptions {
  HttpServerOptions http;
  kafka::KafkaOptions kafka;
  events::TopicLayout layout;
  // Sessions live in <data_dir>/gateway-<instance_id>/sessions, blobs in
  // <data_dir>/blobs (shared by every gateway on the machine).
  std::string data_dir = "./var";
  std::string instance_id = "0";
  std::string quick_links_path;  // JSON [{title, url}]; empty: none
  uint64_t max_body_bytes = 64 * 1024;
  uint64_t max_upload_bytes = 25ull << 20;
  RateLimit per_address{200, 400};
  RateLimit per_user{100, 200};
  double login_per_minute = 20;  // per client address, and per e-mail
  // Peers whose X-Forwarded-For names the client (a TLS proxy in front);
  // rate limits key on that client instead of the proxy.
  std::set<std::string> trusted_proxies;
  std::chrono::milliseconds command_wait{5000};
  std::chrono::milliseconds min_position_wait{5000};
  SessionOptions sessions;
  bool secure_cookies = false;
  int max_concurrent_hashes = 2;
  std::chrono::milliseconds hash_queue_wait{5000};
  // /readyz is 503 while any partition of the case read models is further
  // behind than this many events, or its oldest unapplied event is older.
  int64_t ready_max_lag_events = 1000;
  double ready_max_lag_seconds = 30;
  Status Validate() const;
};

class Gateway {
 public:
  // Every pointer must outlive the gateway.
  Gateway(GatewayOptions options, consumers::CommandBus* bus,
          consumers::ProjectionRunner* projector, PortalReads* view,
          const aggregates::Catalog* catalog, const Clock& clock);
  ~Gateway();

  // Opens the session store and the blob store, loads quick links, binds.
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
