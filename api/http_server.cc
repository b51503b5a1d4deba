#include "api/http_server.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "api/client_address.h"
#include "api/web_socket.h"
#include "common/hash.h"

namespace docket::api {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Status HttpServerOptions::Validate() const {
  if (io_threads < 1 || worker_threads < 1) {
    return InvalidArgumentError("http: io_threads and worker_threads must be >= 1");
  }
  if (max_header_bytes < 1024) return InvalidArgumentError("http: max_header_bytes < 1024");
  if (request_timeout.count() <= 0) return InvalidArgumentError("http: request_timeout <= 0");
  if (spool_dir.empty()) return InvalidArgumentError("http: spool_dir is empty");
  if (max_connections_per_client < 1 || max_queued_requests < 1 || max_long_lived < 1 ||
      max_websockets < 1) {
    return InvalidArgumentError(
        "http: max_connections_per_client, max_queued_requests, max_long_lived and "
        "max_websockets must be >= 1");
  }
  if (max_websocket_message_bytes < 1 || max_websocket_backlog < 1 ||
      max_websocket_pending < 1) {
    return InvalidArgumentError("http: the WebSocket limits must be >= 1");
  }
  return Status::Ok();
}

struct HttpServer::Impl {
  HttpServerOptions options;
  PolicyFn policy;
  HandlerFn handler;
  ProblemFn problem;
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  net::thread_pool workers;
  std::vector<std::thread> io_threads;
  std::atomic<uint64_t> spool_seq{0};
  std::atomic<bool> stopping{false};
  std::optional<net::steady_timer> accept_backoff;
  std::atomic<size_t> queued{0};  // requests read, not yet on a worker
  std::mutex connections_mu;
  std::unordered_map<std::string, int> connections;  // per LimitKey, open now
  // Producers of long-lived replies running now (each on its own thread);
  // Stop waits for them.
  std::mutex long_lived_mu;
  std::condition_variable long_lived_cv;
  int long_lived = 0;

  bool StartLongLived() {
    std::lock_guard<std::mutex> lock(long_lived_mu);
    if (long_lived >= options.max_long_lived) return false;
    ++long_lived;
    return true;
  }
  void EndLongLived() {
    std::lock_guard<std::mutex> lock(long_lived_mu);
    --long_lived;
    long_lived_cv.notify_all();
  }
  // WebSockets open now (on the I/O threads; Stop does not wait for them:
  // stopping the I/O context ends them).
  std::atomic<int> websockets{0};

  Impl(HttpServerOptions o, PolicyFn p, HandlerFn h, ProblemFn pr)
      : options(std::move(o)),
        policy(std::move(p)),
        handler(std::move(h)),
        problem(std::move(pr)),
        ioc(options.io_threads),
        workers(static_cast<size_t>(options.worker_threads)) {
    std::set<std::string> uncapped;
    for (const auto& a : options.uncapped_clients) uncapped.insert(CanonicalAddress(a));
    options.uncapped_clients = std::move(uncapped);
  }

  void Accept();
  // Counts a connection of client `key` (LimitKey of its address); false
  // (not counted) over the cap.
  bool OpenConnection(const std::string& key) {
    std::lock_guard<std::mutex> lock(connections_mu);
    int& n = connections[key];
    if (n >= options.max_connections_per_client) {
      if (n == 0) connections.erase(key);
      return false;
    }
    ++n;
    return true;
  }
  void CloseConnection(const std::string& key) {
    std::lock_guard<std::mutex> lock(connections_mu);
    auto it = connections.find(key);
    if (it != connections.end() && --it->second <= 0) connections.erase(it);
  }
};

namespace {

// A streamed body (Reply::stream) between its producer, on a worker, and
// the connection's strand, which writes it: at most kMaxChunks wait, so a
// slow client slows the producer instead of filling memory.
class Channel {
 public:
  static constexpr size_t kMaxChunks = 4;

  // Producer: false once the client is gone.
  bool Push(std::string chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return failed_ || chunks_.size() < kMaxChunks; });
    if (failed_) return false;
    chunks_.push_back(std::move(chunk));
    return true;
  }
  void Finish(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    status_ = std::move(status);
  }
  // Writer: the next chunk; nullopt when none is ready, or (with *end set)
  // when the body is complete and `status` says how it ended.
  std::optional<std::string> Pop(bool* end, Status* status) {
    std::lock_guard<std::mutex> lock(mu_);
    *end = false;
    if (chunks_.empty()) {
      *end = done_;
      *status = status_;
      return std::nullopt;
    }
    std::string c = std::move(chunks_.front());
    chunks_.pop_front();
    cv_.notify_all();
    return c;
  }
  // The client is gone: the producer stops at its next Push.
  void Fail() {
    std::lock_guard<std::mutex> lock(mu_);
    failed_ = true;
    cv_.notify_all();
  }
  bool failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  bool done_ = false;
  bool failed_ = false;
  Status status_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {}
  ~Connection() {
    if (counted_) server_->CloseConnection(client_key_);
  }

  void Start() {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    address_ = ec ? "unknown" : ep.address().to_string();
    const bool uncapped = server_->options.uncapped_clients.count(CanonicalAddress(address_)) > 0;
    client_key_ = LimitKey(address_);
    counted_ = !uncapped && server_->OpenConnection(client_key_);
    if (!uncapped && !counted_) {
      spdlog::debug("http: {} has {} connections open already; closing a new one", address_,
                    server_->options.max_connections_per_client);
      return Close();
    }
    net::dispatch(stream_.get_executor(),
                  [self = shared_from_this()] { self->ReadHeader(); });
  }

 private:
  // One second per 64 KiB on top of the base timeout: big bodies on slow
  // links are not cut, stalled ones still are.
  std::chrono::milliseconds Budget(uint64_t bytes) const {
    return server_->options.request_timeout + std::chrono::milliseconds(bytes / 64);
  }

  void ReadHeader() {
    if (server_->stopping) return Close();
    header_parser_.emplace();
    header_parser_->header_limit(static_cast<uint32_t>(server_->options.max_header_bytes));
    // The route's limit is applied once the header says which route it is.
    header_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    string_parser_.reset();
    file_parser_.reset();
    stream_.expires_after(server_->options.request_timeout);
    http::async_read_header(stream_, buffer_, *header_parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::eof) {
      return Close();
    }
    if (ec == http::error::header_limit) {
      return SendProblem(431, "the request's header fields exceed " +
                                  std::to_string(server_->options.max_header_bytes) + " bytes");
    }
    if (ec == http::error::body_limit) return SendProblem(413, "the body is too large");
    if (ec) return SendProblem(400, "malformed HTTP request: " + ec.message());

    auto& msg = header_parser_->get();
    request_ = Request{};
    request_.method = msg.method();
    request_.method_text = std::string(msg.method_string());
    request_.target = std::string(msg.target());
    ParseTarget(request_.target, &request_);
    request_.headers = msg.base();
    request_.client_address = address_;
    keep_alive_ = msg.keep_alive();
    BodyPolicy policy = server_->policy(request_);
    if (policy.reply) {
      if (!header_parser_->is_done()) policy.reply->close = true;  // its body is unread
      return Write(std::move(*policy.reply));
    }
    if (policy.reject_status != 0) {
      return SendProblem(policy.reject_status, policy.reject_detail);
    }
    if (header_parser_->content_length() && *header_parser_->content_length() > policy.limit) {
      return SendProblem(413, "the body is " + std::to_string(*header_parser_->content_length()) +
                                  " bytes; this route takes at most " +
                                  std::to_string(policy.limit));
    }
    limit_ = policy.limit;
    if (header_parser_->content_length()) {
      stream_.expires_after(Budget(*header_parser_->content_length()));
    }
    if (msg[http::field::expect] == "100-continue" && !header_parser_->is_done()) {
      auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      net::async_write(stream_, net::buffer(*cont),
                       [self = shared_from_this(), cont, kind = policy.kind](
                           beast::error_code wec, size_t) {
                         if (wec) return self->Close();
                         self->ReadBody(kind);
                       });
      return;
    }
    ReadBody(policy.kind);
  }

  void ReadBody(BodyKind kind) {
    auto on_body = [self = shared_from_this()](beast::error_code ec, size_t) {
      self->OnBody(ec);
    };
    if (kind == BodyKind::kFile) {
      file_parser_.emplace(std::move(*header_parser_));
      file_parser_->body_limit(limit_);
      spool_ = server_->options.spool_dir + "/upload-" + std::to_string(::getpid()) + "-" +
               std::to_string(server_->spool_seq++) + "-" + RandomHex(8);
      beast::error_code ec;
      file_parser_->get().body().open(spool_.c_str(), beast::file_mode::write, ec);
      if (ec) {
        spdlog::error("http: cannot open spool file {}: {}", spool_, ec.message());
        return SendProblem(503, "the upload cannot be stored right now");
      }
      http::async_read(stream_, buffer_, *file_parser_, std::move(on_body));
    } else {
      string_parser_.emplace(std::move(*header_parser_));
      string_parser_->body_limit(limit_);
      http::async_read(stream_, buffer_, *string_parser_, std::move(on_body));
    }
  }

  void OnBody(beast::error_code ec) {
    if (ec == http::error::body_limit) {
      RemoveSpool();
      return SendProblem(413, "the body exceeds this route's limit of " +
                                  std::to_string(limit_) + " bytes");
    }
    if (ec == beast::error::timeout || ec == net::error::operation_aborted ||
        ec == http::error::end_of_stream || ec == net::error::eof ||
        ec == http::error::partial_message) {
      RemoveSpool();
      return Close();
    }
    if (ec) {
      RemoveSpool();
      return SendProblem(400, "malformed HTTP body: " + ec.message());
    }
    if (file_parser_) {
      file_parser_->get().body().close();
      request_.body_file = spool_;
    } else {
      request_.body = std::move(string_parser_->get().body());
    }
    stream_.expires_never();
    if (server_->queued.load() >= server_->options.max_queued_requests) {
      if (!request_.body_file.empty()) ::unlink(request_.body_file.c_str());
      Reply busy = server_->problem(503, "the server is busy; retry");
      busy.Header("Retry-After", "1");
      busy.Header("X-Request-Id", RandomHex(8));
      return Write(std::move(busy));
    }
    ++server_->queued;
    net::post(server_->workers, [self = shared_from_this()] {
      --self->server_->queued;
      Reply reply;
      try {
        reply = self->server_->handler(self->request_);
      } catch (const std::exception& e) {
        const std::string id = RandomHex(8);
        spdlog::error("http: handler of {} {} threw: {} (request {})", self->request_.method_text,
                      self->request_.path, e.what(), id);
        reply = self->server_->problem(500, "an internal error occurred (request " + id + ")");
        reply.Header("X-Request-Id", id);
      }
      if (!self->request_.body_file.empty()) ::unlink(self->request_.body_file.c_str());
      net::post(self->stream_.get_executor(),
                [self, r = std::move(reply)]() mutable { self->Write(std::move(r)); });
    });
  }

  void RemoveSpool() {
    if (!spool_.empty()) {
      if (file_parser_) {
        beast::error_code ignored;
        file_parser_->get().body().close();
      }
      ::unlink(spool_.c_str());
      spool_.clear();
    }
  }

  void SendProblem(int status, const std::string& detail) {
    Reply r = server_->problem(status, detail);
    r.close = true;
    r.Header("X-Request-Id", RandomHex(8));
    Write(std::move(r));
  }

  template <class Body>
  void Fill(http::response<Body>& res, const Reply& r) {
    res.result(r.status);
    res.version(11);
    for (const auto& [k, v] : r.headers) res.insert(k, v);
    res.keep_alive(keep_alive_ && !r.close);
  }

  void Write(Reply r) {
    stream_.expires_after(Budget(r.body.size()));
    spool_.clear();
    if (r.websocket) return Upgrade(std::move(r));
    if (r.stream) return WriteStreamed(std::move(r));
    const bool close = r.close || !keep_alive_;
    if (!r.file_path.empty()) {
      auto res = std::make_shared<http::response<http::file_body>>();
      beast::error_code ec;
      res->body().open(r.file_path.c_str(), beast::file_mode::scan, ec);
      if (r.remove_file) ::unlink(r.file_path.c_str());  // open handles keep it
      if (ec) {
        spdlog::error("http: cannot open {}: {}", r.file_path, ec.message());
        Reply p = server_->problem(500, "the file cannot be read");
        p.close = true;
        return Write(std::move(p));
      }
      Fill(*res, r);
      res->prepare_payload();
      stream_.expires_after(Budget(res->body().size()));
      http::async_write(stream_, *res,
                        [self = shared_from_this(), res, close](beast::error_code ec, size_t) {
                          self->AfterWrite(ec, close);
                        });
      return;
    }
    auto res = std::make_shared<http::response<http::string_body>>();
    Fill(*res, r);
    res->body() = std::move(r.body);
    res->prepare_payload();
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, close](beast::error_code ec, size_t) {
                        self->AfterWrite(ec, close);
                      });
  }

  // Hands the connection to a WebSocket session (api/web_socket.h), which
  // keeps this connection object (its place in the per-client count) and a
  // place in the server's WebSocket count until it ends.
  void Upgrade(Reply r) {
    if (server_->websockets.fetch_add(1) >= server_->options.max_websockets) {
      --server_->websockets;
      Reply busy = server_->problem(503, "too many WebSockets are open; retry");
      busy.Header("Retry-After", "5");
      busy.close = true;
      return Write(std::move(busy));
    }
    http::request<http::empty_body> upgrade;
    upgrade.method(request_.method);
    upgrade.target(request_.target);
    upgrade.version(11);
    for (const auto& f : request_.headers) upgrade.set(f.name_string(), f.value());
    std::shared_ptr<void> hold(nullptr, [self = shared_from_this()](void*) {
      --self->server_->websockets;
    });
    auto session = std::make_shared<WebSocketSession>(std::move(stream_), server_->workers,
                                                      std::move(r.websocket), std::move(hold),
                                                      server_->options);
    session->Accept(std::move(upgrade), std::move(r.headers));
  }

  // The header, then the producer (on a worker, or a thread of its own when
  // long-lived) and Pump on the strand.
  void WriteStreamed(Reply r) {
    if (r.long_lived && !server_->StartLongLived()) {
      Reply busy = server_->problem(503, "too many event streams are open; retry");
      busy.Header("Retry-After", "5");
      busy.close = true;
      return Write(std::move(busy));
    }
    long_lived_ = r.long_lived;
    streamed_ = std::make_shared<http::response<http::buffer_body>>();
    Fill(*streamed_, r);
    streamed_->chunked(true);
    streamed_->body().data = nullptr;
    streamed_->body().more = true;
    serializer_.emplace(*streamed_);
    channel_ = std::make_shared<Channel>();
    http::async_write_header(
        stream_, *serializer_,
        [self = shared_from_this(), produce = std::move(r.stream),
         long_lived = r.long_lived](beast::error_code ec, size_t) mutable {
          if (ec) {
            if (long_lived) self->server_->EndLongLived();
            return self->Close();
          }
          auto run = [self, produce = std::move(produce)] {
            std::shared_ptr<Channel> ch = self->channel_;
            Status s;
            try {
              s = produce([&](std::string_view chunk) {
                if (chunk.empty()) return !ch->failed() && !self->server_->stopping;
                if (!ch->Push(std::string(chunk))) return false;
                net::post(self->stream_.get_executor(), [self] { self->Pump(); });
                return true;
              });
            } catch (const std::exception& e) {
              s = InternalError(std::string("the body's producer threw: ") + e.what());
            }
            ch->Finish(std::move(s));
            net::post(self->stream_.get_executor(), [self] { self->Pump(); });
          };
          if (!long_lived) return net::post(self->server_->workers, std::move(run));
          // The client sends nothing more on an event stream: a read that
          // completes means it closed (or broke the protocol), so the
          // producer learns at once, not at its next write.
          self->stream_.socket().async_read_some(
              net::buffer(self->probe_), [self](beast::error_code, size_t) { self->Close(); });
          // Counted until the task and all it holds are gone: Stop waits
          // for that before the server's state goes away.
          std::thread([task = std::function<void()>(std::move(run)),
                       server = self->server_]() mutable {
            task();
            task = nullptr;
            server->EndLongLived();
          }).detach();
        });
  }

  void Pump() {
    if (pumping_ || !channel_) return;
    bool end = false;
    Status status;
    std::optional<std::string> chunk = channel_->Pop(&end, &status);
    if (!chunk && !end) return;  // the producer is working
    if (end && !status.ok()) {
      spdlog::warn("http: a streamed body of {} ended early: {}", request_.path, status.ToString());
      return Close();  // the client sees a truncated body, never a complete wrong one
    }
    pumping_ = true;
    if (end) {
      streamed_->body().data = nullptr;
      streamed_->body().more = false;
    } else {
      chunk_ = std::move(*chunk);
      streamed_->body().data = chunk_.data();
      streamed_->body().size = chunk_.size();
      streamed_->body().more = true;
    }
    stream_.expires_after(Budget(chunk_.size()));
    http::async_write(stream_, *serializer_,
                      [self = shared_from_this(), end](beast::error_code ec, size_t) {
                        self->pumping_ = false;
                        if (ec == http::error::need_buffer) ec = {};
                        if (ec) return self->Close();
                        if (!end) return self->Pump();
                        // A long-lived reply's watch read is still pending:
                        // its connection serves nothing more.
                        const bool close = !self->keep_alive_ || self->long_lived_;
                        self->serializer_.reset();
                        self->streamed_.reset();
                        self->channel_.reset();
                        self->AfterWrite(ec, close);
                      });
  }

  void AfterWrite(beast::error_code ec, bool close) {
    if (ec || close || server_->stopping) return Close();
    ReadHeader();
  }

  void Close() {
    if (channel_) channel_->Fail();
    RemoveSpool();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  HttpServer::Impl* server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> header_parser_;
  std::optional<http::request_parser<http::string_body>> string_parser_;
  std::optional<http::request_parser<http::file_body>> file_parser_;
  Request request_;
  std::string address_;
  std::string spool_;
  uint64_t limit_ = 0;
  bool keep_alive_ = true;
  std::string client_key_;  // LimitKey(address_)
  bool counted_ = false;    // in server_->connections
  // A streamed body in progress (WriteStreamed).
  std::shared_ptr<http::response<http::buffer_body>> streamed_;
  std::optional<http::response_serializer<http::buffer_body>> serializer_;
  std::shared_ptr<Channel> channel_;
  std::string chunk_;  // being written
  bool pumping_ = false;
  char probe_[1];  // a long-lived reply's watch for the client closing
  bool long_lived_ = false;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
    if (ec == net::error::operation_aborted || stopping) return;
    if (!ec) {
      std::make_shared<Connection>(std::move(s), this)->Start();
      return Accept();
    }
    // Out of file descriptors and the like: back off instead of spinning.
    spdlog::warn("http: accept: {}", ec.message());
    accept_backoff.emplace(acceptor->get_executor(), std::chrono::milliseconds(100));
    accept_backoff->async_wait([this](beast::error_code wec) {
      if (!wec && !stopping) Accept();
    });
  });
}

HttpServer::HttpServer(HttpServerOptions options, PolicyFn policy, HandlerFn handler,
                       ProblemFn problem)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(policy), std::move(handler),
                                   std::move(problem))) {}

HttpServer::~HttpServer() { Stop(); }

Status HttpServer::Start() {
  DOCKET_RETURN_IF_ERROR(impl_->options.Validate());
  const std::string& listen = impl_->options.listen;
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return InvalidArgumentError("listen address '" + listen + "' is not host:port");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return InvalidArgumentError("listen address '" + listen + "' has no valid port");
  }
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return InvalidArgumentError("listen address '" + host + "' is not an IP address");
  tcp::endpoint ep(address, static_cast<unsigned short>(port));
  impl_->acceptor.emplace(net::make_strand(impl_->ioc));
  impl_->acceptor->open(ep.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(ep, ec);
  if (!ec) impl_->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) return UnavailableError("cannot listen on " + listen + ": " + ec.message());
  port_ = impl_->acceptor->local_endpoint().port();
  impl_->Accept();
  for (int i = 0; i < impl_->options.io_threads; ++i) {
    impl_->io_threads.emplace_back([this] { impl_->ioc.run(); });
  }
  return Status::Ok();
}

void HttpServer::Stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  // No new connections or requests; requests in flight finish on the pool
  // (their replies are dropped once the I/O threads are gone).
  if (impl_->acceptor) {
    net::post(impl_->acceptor->get_executor(), [this] {
      beast::error_code ignored;
      impl_->acceptor->close(ignored);
    });
  }
  impl_->ioc.stop();
  for (auto& t : impl_->io_threads) t.join();
  impl_->io_threads.clear();
  impl_->workers.join();
  // Long-lived producers see `stopping` at their next write("").
  std::unique_lock<std::mutex> lock(impl_->long_lived_mu);
  impl_->long_lived_cv.wait(lock, [&] { return impl_->long_lived == 0; });
}

}  // namespace docket::api
