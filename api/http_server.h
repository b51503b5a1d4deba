// HttpServer: HTTP/1.1 on Boost.Beast. I/O runs on `io_threads` threads;
// every request is handled on a pool of `worker_threads` (handlers may block
// on the broker for up to the command wait) and its reply written back on
// the connection's strand. Keep-alive; one request at a time per connection.
//
// Limits enforced on the I/O threads, before any handler runs, so that no
// client can queue up work ahead of others: connections per client (a new
// one over `max_connections_per_client` is closed at once; LimitKey of the
// peer, proxies in `uncapped_clients` exempt), the header size (431), the
// PolicyFn's own answer (e.g. a rate limit's 429, sent before the body is
// read), the body size of the route (413, checked against Content-Length
// first and again while the body streams), the time a request may take to
// arrive (the connection is closed) and the requests waiting for a worker
// (503 with Retry-After past `max_queued_requests`). Upload bodies
// (BodyKind::kFile) are streamed to a file under `spool_dir`, never held in
// memory. A reply with Reply::websocket turns its connection into a
// WebSocket (api/web_socket.h) that keeps the connection's place in the
// per-client count until it closes.
//
// Thread-safe; Stop() ends accepting and running, and joins.
#ifndef DOCKET_API_HTTP_SERVER_H_
#define DOCKET_API_HTTP_SERVER_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/http.h"
#include "common/status.h"

namespace docket::api {

enum class BodyKind { kString, kFile };

struct BodyPolicy {
  BodyKind kind = BodyKind::kString;
  uint64_t limit = 64 * 1024;
  // When set, the request is answered with this status (e.g. 401 for an
  // upload without a valid session) before any byte of its body is read,
  // and the connection is closed.
  int reject_status = 0;
  std::string reject_detail;
  // When set, this whole reply is sent instead (the body is not read; the
  // connection is closed if one was coming).
  std::optional<Reply> reply;
};

struct HttpServerOptions {
  std::string listen = "127.0.0.1:8080";  // host:port; port 0 picks a free one
  int io_threads = 2;
  int worker_threads = 16;
  size_t max_header_bytes = 16 * 1024;
  // A request must arrive within this, plus one second per 64 KiB of its
  // declared body; a response gets the same, scaled by its size.
  std::chrono::milliseconds request_timeout{30000};
  std::string spool_dir;  // where upload bodies are streamed; must exist
  int max_connections_per_client = 64;
  std::set<std::string> uncapped_clients;  // e.g. the TLS proxy in front
  size_t max_queued_requests = 1024;       // read, waiting for a worker
  // Long-lived streamed replies (Reply::long_lived, e.g. event streams) at
  // once, each on a thread of its own; more are answered 503.
  int max_long_lived = 256;
  // WebSockets (Reply::websocket) open at once; more are answered 503.
  // They live on the I/O threads (no thread each).
  int max_websockets = 10000;
  // A WebSocket message may be this large (a bigger one closes it, 1009);
  // at most this many messages wait to be sent to a client before it is
  // closed as too slow (1008); while this many received ones wait for the
  // route's handler, no more are read.
  size_t max_websocket_message_bytes = 16 * 1024;
  size_t max_websocket_backlog = 1024;
  size_t max_websocket_pending = 64;
  Status Validate() const;
};

class HttpServer {
 public:
  // Which body handling a request's header asks for (route and method).
  // It may attach a hold to the request (Request::hold).
  using PolicyFn = std::function<BodyPolicy(Request& header_only)>;
  using HandlerFn = std::function<Reply(Request&)>;
  // Answers for problems found by the transport itself (431, 413, 400).
  using ProblemFn = std::function<Reply(int status, const std::string& detail)>;

  HttpServer(HttpServerOptions options, PolicyFn policy, HandlerFn handler,
             ProblemFn problem);
  ~HttpServer();

  // Binds and starts serving. kInvalidArgument for a bad address,
  // kUnavailable when the address cannot be bound.
  Status Start();
  void Stop();
  // The bound port (after Start).
  int port() const { return port_; }

  struct Impl;  // public for the connection class in the .cc

 private:
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace docket::api

#endif  // DOCKET_API_HTTP_SERVER_H_
