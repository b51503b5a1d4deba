#include "api/web_socket.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

namespace docket::api {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;

namespace {

// What the handler holds: a weak reference, so that a handler keeping its
// peer (as it should, to send) makes no cycle with the session that holds
// the handler.
class PeerRef final : public WebSocketPeer {
 public:
  explicit PeerRef(std::weak_ptr<WebSocketSession> session) : session_(std::move(session)) {}
  bool Send(std::string text) override {
    auto s = session_.lock();
    return s && s->Send(std::move(text));
  }
  void Close(std::string reason) override {
    if (auto s = session_.lock()) s->Close(std::move(reason));
  }

 private:
  std::weak_ptr<WebSocketSession> session_;
};

}  // namespace

WebSocketSession::WebSocketSession(beast::tcp_stream stream, net::thread_pool& workers,
                                   std::shared_ptr<WebSocketHandler> handler,
                                   std::shared_ptr<void> hold, const HttpServerOptions& options)
    : ws_(std::move(stream)),
      workers_(workers),
      handler_(std::move(handler)),
      hold_(std::move(hold)),
      max_backlog_(options.max_websocket_backlog),
      max_pending_(options.max_websocket_pending) {
  ws_.read_message_max(options.max_websocket_message_bytes);
}

void WebSocketSession::Accept(http::request<http::empty_body> upgrade,
                              std::vector<std::pair<std::string, std::string>> headers) {
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator(
      [headers = std::move(headers)](websocket::response_type& res) {
        for (const auto& [k, v] : headers) res.set(k, v);
      }));
  auto req = std::make_shared<http::request<http::empty_body>>(std::move(upgrade));
  ws_.async_accept(*req, [self = shared_from_this(), req](beast::error_code ec) {
    if (ec) {
      spdlog::debug("websocket: handshake failed: {}", ec.message());
      self->finished_ = true;
      self->hold_.reset();
      return;
    }
    self->open_ = true;
    self->Dispatch([self] {
      self->handler_->OnOpen(std::make_shared<PeerRef>(self->weak_from_this()));
    });
    self->Read();
  });
}

void WebSocketSession::Read() {
  ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnRead(ec);
  });
}

void WebSocketSession::OnRead(beast::error_code ec) {
  if (ec) {
    if (ec == websocket::error::message_too_big) {
      return CloseNow(websocket::close_code::too_big, "message too big");
    }
    return Finish();
  }
  if (!ws_.got_text()) return CloseNow(websocket::close_code::unknown_data, "text messages only");
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (closing_) return Read();  // draining until the peer's close frame
  const size_t waiting = Dispatch([self = shared_from_this(), text = std::move(text)]() mutable {
    self->handler_->OnMessage(std::move(text));
  });
  if (waiting >= max_pending_) {
    // Backpressure: no more reads (TCP slows the client) until the handler
    // has caught up (RunTasks reads again).
    std::lock_guard<std::mutex> lock(tasks_mu_);
    if (tasks_.size() >= max_pending_) {
      read_paused_ = true;
      return;
    }
  }
  Read();
}

bool WebSocketSession::Send(std::string text) {
  if (!open_) return false;
  if (backlog_.fetch_add(1) >= max_backlog_) {
    --backlog_;
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->CloseNow(websocket::close_code::policy_error, "the client reads too slowly");
    });
    return false;
  }
  net::post(ws_.get_executor(), [self = shared_from_this(), text = std::move(text)]() mutable {
    if (self->finished_ || self->closing_) {
      --self->backlog_;
      return;
    }
    self->out_.push_back(std::move(text));
    if (self->out_.size() == 1) self->Write();
  });
  return true;
}

void WebSocketSession::Write() {
  ws_.text(true);
  ws_.async_write(net::buffer(out_.front()),
                  [self = shared_from_this()](beast::error_code ec, size_t) {
                    --self->backlog_;
                    if (self->finished_) return;
                    self->out_.pop_front();
                    if (ec) return self->Finish();
                    if (!self->out_.empty()) return self->Write();
                    if (self->closing_ && !self->close_sent_) self->SendClose();
                  });
}

void WebSocketSession::Close(std::string reason) {
  net::post(ws_.get_executor(), [self = shared_from_this(), reason = std::move(reason)] {
    self->CloseNow(websocket::close_code::normal, reason);
  });
}

void WebSocketSession::CloseNow(websocket::close_code code, std::string reason) {
  if (finished_ || closing_) return;
  open_ = false;
  closing_ = true;
  close_code_ = code;
  close_reason_ = std::move(reason);
  if (code != websocket::close_code::normal) {
    // Nothing more for a client being closed for what it did: only the
    // frame being written (the front) finishes.
    while (out_.size() > 1) {
      out_.pop_back();
      --backlog_;
    }
  }
  if (out_.empty()) SendClose();  // else after the write in flight
}

void WebSocketSession::SendClose() {
  close_sent_ = true;
  ws_.async_close(websocket::close_reason(close_code_, close_reason_),
                  [self = shared_from_this()](beast::error_code) { self->Finish(); });
}

void WebSocketSession::Finish() {
  if (finished_) return;
  finished_ = true;
  open_ = false;
  // The server's place is free before the handler hears of the end, which
  // comes after every message before it.
  Dispatch([self = shared_from_this()] {
    self->hold_.reset();
    self->handler_->OnClose();
  });
}

size_t WebSocketSession::Dispatch(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(tasks_mu_);
  tasks_.push_back(std::move(task));
  const size_t waiting = tasks_.size();
  if (running_) return waiting;
  running_ = true;
  net::post(workers_, [self = shared_from_this()] { self->RunTasks(); });
  return waiting;
}

void WebSocketSession::RunTasks() {
  for (;;) {
    std::function<void()> task;
    {
      std::lock_guard<std::mutex> lock(tasks_mu_);
      if (tasks_.empty()) {
        running_ = false;
        return;
      }
      task = std::move(tasks_.front());
      tasks_.pop_front();
      if (read_paused_ && tasks_.size() <= max_pending_ / 2) {
        read_paused_ = false;
        net::post(ws_.get_executor(), [self = shared_from_this()] {
          if (!self->finished_) self->Read();
        });
      }
    }
    task();
  }
}

}  // namespace docket::api
