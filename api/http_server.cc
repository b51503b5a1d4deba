#include "api/http_server.h"

#include "common/hash.h"

#include <sodium.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <limits>
#include <optional>


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

  Impl(HttpServerOptions o, PolicyFn p, HandlerFn h, ProblemFn pr)
      : options(std::move(o)),
        policy(std::move(p)),
        handler(std::move(h)),
        problem(std::move(pr)),
        ioc(options.io_threads),
        workers(static_cast<size_t>(options.worker_threads)) {}

  void Accept();
};

namespace {

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, HttpServer::Impl* server)
      : stream_(std::move(socket)), server_(server) {}

  void Start() {
    beast::error_code ec;
    auto ep = stream_.socket().remote_endpoint(ec);
    address_ = ec ? "unknown" : ep.address().to_string();
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
    const BodyPolicy policy = server_->policy(request_);
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
    net::post(server_->workers, [self = shared_from_this()] {
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

  void AfterWrite(beast::error_code ec, bool close) {
    if (ec || close || server_->stopping) return Close();
    ReadHeader();
  }

  void Close() {
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
}

}  // namespace docket::api
