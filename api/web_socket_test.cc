// WebSocketSession through a real HttpServer on a loopback port, with a
// Beast WebSocket client: order, the handler's calls, the size limit and
// the server's WebSocket count.
#include "api/web_socket.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/websocket.hpp>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "api/http_server.h"

namespace docket::api {
namespace {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// Echoes every message and records what it was called with.
class Echo final : public WebSocketHandler {
 public:
  void OnOpen(std::shared_ptr<WebSocketPeer> peer) override {
    Record("open");
    peer_ = std::move(peer);
  }
  void OnMessage(std::string text) override {
    Record("m:" + text);
    peer_->Send("echo: " + text);
  }
  void OnClose() override {
    Record("close");
    EXPECT_FALSE(peer_->Send("after the end"));
  }
  // The calls so far, once `count` were made (bounded wait).
  std::vector<std::string> Calls(size_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return calls_.size() >= count; });
    return calls_;
  }

 private:
  void Record(std::string call) {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back(std::move(call));
    cv_.notify_all();
  }
  std::shared_ptr<WebSocketPeer> peer_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> calls_;
};

class WebSocketTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options) {
    char tmpl[] = "/tmp/docket-ws-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    options.listen = "127.0.0.1:0";
    options.spool_dir = dir_;
    server_ = std::make_unique<HttpServer>(
        options, [](Request&) { return BodyPolicy{}; },
        [this](Request&) {
          Reply r;
          auto echo = std::make_shared<Echo>();
          {
            std::lock_guard<std::mutex> lock(mu_);
            handlers_.push_back(echo);
          }
          r.websocket = echo;
          r.Header("X-Test", "yes");
          return r;
        },
        [](int status, const std::string& detail) {
          Reply r;
          r.status = static_cast<http::status>(status);
          r.body = detail;
          return r;
        });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
    std::filesystem::remove_all(dir_);
  }
  // A client socket after its handshake (`ec` set when it was refused).
  std::unique_ptr<websocket::stream<tcp::socket>> Connect(beast::error_code& ec,
                                                          websocket::response_type* res = nullptr) {
    auto ws = std::make_unique<websocket::stream<tcp::socket>>(ioc_);
    ws->next_layer().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"),
                                           static_cast<unsigned short>(server_->port())));
    websocket::response_type ignored;
    ws->handshake(res ? *res : ignored, "127.0.0.1", "/ws", ec);
    return ws;
  }
  std::shared_ptr<Echo> Handler(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return handlers_.at(i);
  }

  net::io_context ioc_;
  std::string dir_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<std::shared_ptr<Echo>> handlers_;
};

TEST_F(WebSocketTest, MessagesAreHandledAndAnsweredInOrder) {
  Start(HttpServerOptions{});
  beast::error_code ec;
  websocket::response_type res;
  auto ws = Connect(ec, &res);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result(), http::status::switching_protocols);
  EXPECT_EQ(res["X-Test"], "yes");
  for (int i = 0; i < 100; ++i) ws->write(net::buffer("n" + std::to_string(i)));
  for (int i = 0; i < 100; ++i) {
    beast::flat_buffer b;
    ws->read(b);
    EXPECT_EQ(beast::buffers_to_string(b.data()), "echo: n" + std::to_string(i));
  }
  ws->close(websocket::close_code::normal);
  std::vector<std::string> calls = Handler(0)->Calls(102);
  ASSERT_EQ(calls.size(), 102u);
  EXPECT_EQ(calls.front(), "open");
  EXPECT_EQ(calls[1], "m:n0");
  EXPECT_EQ(calls[100], "m:n99");
  EXPECT_EQ(calls.back(), "close");
}

TEST_F(WebSocketTest, AMessageOverTheLimitClosesTheSocketWith1009) {
  HttpServerOptions o;
  o.max_websocket_message_bytes = 64;
  Start(o);
  beast::error_code ec;
  auto ws = Connect(ec);
  ASSERT_FALSE(ec) << ec.message();
  ws->write(net::buffer(std::string(65, 'x')));
  beast::flat_buffer b;
  ws->read(b, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws->reason().code, websocket::close_code::too_big);
  EXPECT_EQ(Handler(0)->Calls(2), (std::vector<std::string>{"open", "close"}));
}

TEST_F(WebSocketTest, BinaryMessagesCloseTheSocketWith1003) {
  Start(HttpServerOptions{});
  beast::error_code ec;
  auto ws = Connect(ec);
  ASSERT_FALSE(ec) << ec.message();
  ws->binary(true);
  ws->write(net::buffer(std::string("\x01\x02", 2)));
  beast::flat_buffer b;
  ws->read(b, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws->reason().code, websocket::close_code::unknown_data);
}

TEST_F(WebSocketTest, OverTheServersCountAnUpgradeIsRefused) {
  HttpServerOptions o;
  o.max_websockets = 1;
  Start(o);
  beast::error_code ec;
  auto first = Connect(ec);
  ASSERT_FALSE(ec) << ec.message();
  auto second = Connect(ec);
  EXPECT_EQ(ec, websocket::error::upgrade_declined) << ec.message();
  first->close(websocket::close_code::normal);
  // The place is free once the first socket's end reached its handler.
  ASSERT_EQ(Handler(0)->Calls(2).back(), "close");
  auto third = Connect(ec);
  EXPECT_FALSE(ec) << ec.message();
}

}  // namespace
}  // namespace docket::api
