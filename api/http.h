// The gateway's view of one HTTP exchange, independent of the transport:
// what arrived (Request) and what to send (Reply). http_server.cc converts
// between these and Boost.Beast messages.
#ifndef DOCKET_API_HTTP_H_
#define DOCKET_API_HTTP_H_

#include <boost/beast/http.hpp>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace docket::api {

namespace http = boost::beast::http;

struct Request {
  http::verb method = http::verb::unknown;
  std::string method_text;
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded path, without the query
  // The path's segments, split on '/' before decoding (so "%2F" stays in
  // its segment); "/a/b" -> {"a", "b"}.
  std::vector<std::string> segments;
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  bool bad_target = false;  // the target did not decode (bad escape, NUL, bad UTF-8)
  http::fields headers;
  std::string body;       // JSON routes
  std::string body_file;  // uploads: the body, streamed to this file
  std::string client_address;
  std::string request_id;
  // Released with the request, once its reply is written (e.g. its share
  // of a per-user upload quota).
  std::shared_ptr<void> hold;
};

// The server's end of an open WebSocket (Reply::websocket), as the route's
// handler sees it. Thread-safe.
class WebSocketPeer {
 public:
  virtual ~WebSocketPeer() = default;
  // Queues a text message. False once the socket is closed, or when the
  // client reads so slowly that HttpServerOptions::max_websocket_backlog
  // messages wait: the socket is then closed (1008), so a slow client
  // cannot make the server hold its backlog.
  virtual bool Send(std::string text) = 0;
  // Sends what is queued, then a close frame (1000) with `reason`.
  virtual void Close(std::string reason) = 0;
};

// A route's WebSocket: a route that accepts an upgrade request answers
// with Reply::websocket set; the server then completes the handshake (101)
// and calls these one at a time, in order, on a worker thread (they may
// block, e.g. on a command): OnOpen once, OnMessage per text message (a
// binary message closes the socket with 1003), OnClose once at the end,
// after which the peer's Send returns false.
class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  virtual void OnOpen(std::shared_ptr<WebSocketPeer> peer) = 0;
  virtual void OnMessage(std::string text) = 0;
  virtual void OnClose() = 0;
};

struct Reply {
  http::status status = http::status::ok;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is this file (downloads); removed after sending
  // when remove_file is set.
  std::string file_path;
  bool remove_file = false;
  // When set, the body is produced by this function after the header is
  // sent (chunked transfer encoding; exports): it runs on a worker thread
  // and calls `write` with each piece, which blocks while the client is
  // slow and returns false once the client is gone (then stop early). An
  // error after the header can only end the body early (the connection is
  // closed, so the client sees a truncated chunked body, never a complete
  // wrong one).
  using Writer = std::function<bool(std::string_view chunk)>;
  std::function<Status(const Writer& write)> stream;
  // With `stream`: the producer may run for as long as the client stays (an
  // event stream). It runs on a thread of its own, not on a worker, so it
  // holds no worker that other requests need; write("") sends nothing and
  // returns whether the client is still there and the server still running
  // (a client that closes its connection is noticed at once), so an idle
  // producer polls it and ends. Over HttpServerOptions::max_long_lived
  // streams at once, the client gets a 503 instead.
  bool long_lived = false;
  // Close the connection after this reply (e.g. a body that was not read).
  bool close = false;
  // When set (a GET with "Upgrade: websocket"), the connection becomes this
  // WebSocket: `status`, `body` and `stream` are not used; `headers` are
  // added to the 101 answer. Over HttpServerOptions::max_websockets open
  // at once, the client gets a 503 instead.
  std::shared_ptr<WebSocketHandler> websocket;

  Reply& Header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  const std::string* FindHeader(std::string_view name) const;
};

// Decodes %XX escapes; false for a bad escape, an encoded NUL or a result
// that is not valid UTF-8. `plus_is_space` for query components.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);
// Splits a request target into a decoded path and query pairs.
void ParseTarget(std::string_view target, Request* request);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view in);

}  // namespace docket::api

#endif  // DOCKET_API_HTTP_H_
