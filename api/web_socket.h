// WebSocketSession: the server side of one WebSocket (RFC 6455) on
// Boost.Beast, for a connection whose reply was Reply::websocket (api/
// http.h). The HTTP server hands over the TCP stream and the upgrade
// request; the session answers the handshake, reads messages on the
// connection's strand and hands them to the route's WebSocketHandler on the
// worker pool, one at a time and in order, and writes what the handler
// sends, one frame at a time, in order.
//
// Limits (HttpServerOptions): a message over max_websocket_message_bytes
// closes the socket (1009, Beast's read_message_max); more than
// max_websocket_backlog messages waiting to be written close it as too
// slow (1008); while max_websocket_pending received messages wait for the
// handler, the session reads no more (TCP then slows the client down).
// Beast's suggested server timeouts ping
// an idle peer and close one that stopped answering.
//
// Thread-safe: Send and Close may be called from any thread.
#ifndef DOCKET_API_WEB_SOCKET_H_
#define DOCKET_API_WEB_SOCKET_H_

#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "api/http.h"
#include "api/http_server.h"

namespace docket::api {

class WebSocketSession final : public WebSocketPeer,
                               public std::enable_shared_from_this<WebSocketSession> {
 public:
  // `hold` is released when the session ends, before the handler's OnClose
  // (the connection's place in the per-client count, the server's
  // WebSocket count).
  WebSocketSession(boost::beast::tcp_stream stream, boost::asio::thread_pool& workers,
                   std::shared_ptr<WebSocketHandler> handler, std::shared_ptr<void> hold,
                   const HttpServerOptions& options);

  // Answers `upgrade` (adding `headers` to the 101), then reads.
  void Accept(http::request<http::empty_body> upgrade,
              std::vector<std::pair<std::string, std::string>> headers);

  bool Send(std::string text) override;
  void Close(std::string reason) override;

 private:
  void Read();
  void OnRead(boost::beast::error_code ec);
  void Write();
  // Closes with `code` once the frame being written is out (for any code
  // but normal, dropping what else waits).
  void CloseNow(boost::beast::websocket::close_code code, std::string reason);
  void SendClose();
  void Finish();
  // Runs `task` on a worker after every task queued before it; returns how
  // many wait, this one included.
  size_t Dispatch(std::function<void()> task);
  void RunTasks();

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::asio::thread_pool& workers_;
  std::shared_ptr<WebSocketHandler> handler_;
  std::shared_ptr<void> hold_;
  const size_t max_backlog_;
  const size_t max_pending_;
  boost::beast::flat_buffer buffer_;
  // On the strand only.
  std::deque<std::string> out_;
  bool closing_ = false;
  bool close_sent_ = false;
  boost::beast::websocket::close_code close_code_ = boost::beast::websocket::close_code::normal;
  std::string close_reason_;
  bool finished_ = false;
  // Any thread.
  std::atomic<bool> open_{false};
  std::atomic<size_t> backlog_{0};
  std::mutex tasks_mu_;
  std::deque<std::function<void()>> tasks_;
  bool running_ = false;
  bool read_paused_ = false;  // under tasks_mu_
};

}  // namespace docket::api

#endif  // DOCKET_API_WEB_SOCKET_H_
