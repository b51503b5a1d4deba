// http_bench: an open-loop HTTP/1.1 load generator (Boost.Beast) for the
// gateway benchmark; bench/http_bench.sh drives it against docketd and nginx
// and docs/benchmarks.md has the results.
//
// Open loop, fixed schedule: request i is due at t0 + i / rate whatever
// happened to the ones before it. A due request goes out on an idle
// keep-alive connection, or waits in a FIFO until one is free, and its
// latency is measured from the time it was due, not from when it was
// written: a server that falls behind is charged for the queueing it causes
// (no coordinated omission, as in wrk2). Requests due in the first
// --warmup-seconds are sent but not counted.
//
// Idle connections are used in turn (FIFO), so all of them stay warm, and
// each idle one is watched: when the server closes it (docketd closes a
// keep-alive connection idle for its request timeout, 30 s by default) it
// is reopened before it is used again (counted in `reconnects`, not as an
// error). No request is retried: one that meets a connection closing under
// it is a transport error.
//
//   build/bench/http_bench --url http://127.0.0.1:8080/api/v1/overview
//       --header 'Authorization: Bearer TOKEN' --rate 200 --seconds 20
//
// Targets rotate in order (request i uses target i mod n): --url is
// repeatable and --urls-file adds one URL per line; all of them must be on
// the same http://host:port. Prints one JSON line:
//
//   offered_rps   the schedule's rate
//   achieved_rps  2xx answers to counted requests / the time from the first
//                 counted request's due time to the last counted answer
//                 (at least --seconds)
//   count         counted requests; ok = 2xx answers among them
//   errors        non-2xx answers + transport errors (connect, reset, early
//                 end of stream, --timeout-ms) + unfinished (still unanswered
//                 --drain-seconds after the last was due); status_counts
//                 breaks them down
//   p50/p90/p99/max_ms  latency of the 2xx answers, from due time to the
//                 last byte of the answer
//   max_due_at    when the slowest of them was due (UTC, ms): to find it in
//                 docketd's and the broker's logs
//   mean_body_bytes     mean body size of the 2xx answers
//
// --closed: a closed loop instead (as a user's browser is): each of the
// --connections sends its next request as soon as its previous answer
// arrived, for --seconds after --warmup-seconds; latency from each send.
// offered_rps is then 0 and achieved_rps what the server gave.
//
// One io_context thread; no locks.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

namespace docket {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct Url {
  std::string host, port, target;
};

// "http://host[:port]/path?query" (no https, no user info).
std::optional<Url> ParseUrl(const std::string& s) {
  const std::string scheme = "http://";
  if (s.rfind(scheme, 0) != 0) return std::nullopt;
  const size_t slash = s.find('/', scheme.size());
  const std::string authority = s.substr(scheme.size(), slash - scheme.size());
  Url u;
  u.target = slash == std::string::npos ? "/" : s.substr(slash);
  const size_t colon = authority.rfind(':');
  if (colon == std::string::npos) {
    u.host = authority;
    u.port = "80";
  } else {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  }
  if (u.host.empty() || u.port.empty()) return std::nullopt;
  return u;
}

struct Options {
  std::vector<std::string> targets;  // request targets (path and query)
  std::string host, port;
  http::verb method = http::verb::get;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  double rate = 100;
  int connections = 16;
  double seconds = 10;
  double warmup_seconds = 2;
  double drain_seconds = 10;
  int timeout_ms = 30000;
  bool closed = false;  // closed loop: no schedule (see the top)
};

// "2026-12-05T19:43:18.651Z": UTC, milliseconds.
std::string WallTime(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(ms.count() % 1000));
  return out;
}

class Bench {
 public:
  Bench(asio::io_context& io, Options o, tcp::resolver::results_type endpoints)
      : io_(io), o_(std::move(o)), endpoints_(std::move(endpoints)), timer_(io), drain_(io) {
    warmup_n_ = static_cast<uint64_t>(std::llround(o_.warmup_seconds * o_.rate));
    total_ = warmup_n_ + static_cast<uint64_t>(std::llround(o_.seconds * o_.rate));
    for (int i = 0; i < o_.connections; ++i) conns_.push_back(std::make_unique<Conn>(io_));
  }

  void Start() {
    for (size_t i = 0; i < conns_.size(); ++i) Connect(i);
  }

  nlohmann::json Report() const {
    const uint64_t counted = o_.closed ? closed_counted_ : total_ - warmup_n_;
    std::vector<double> ms = ok_ms_;
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) {
      if (ms.empty()) return 0.0;
      const size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(ms.size())));
      return ms[std::min(ms.size() - 1, rank == 0 ? 0 : rank - 1)];
    };
    uint64_t errors = 0;
    nlohmann::json statuses = nlohmann::json::object();
    for (const auto& [k, v] : status_counts_) {
      statuses[k] = v;
      if (k.size() != 3 || k[0] != '2') errors += v;
    }
    const double measure_start = o_.closed ? o_.warmup_seconds : Offset(warmup_n_);
    double span = o_.seconds;
    if (last_done_) {
      const double last = std::chrono::duration<double>(*last_done_ - t0_).count();
      span = std::max(span, last - measure_start);
    }
    auto round3 = [](double v) { return std::round(v * 1000) / 1000; };
    return {{"offered_rps", o_.closed ? 0.0 : o_.rate},
            {"closed_loop", o_.closed},
            {"achieved_rps", round3(static_cast<double>(ok_ms_.size()) / span)},
            {"count", counted},
            {"ok", ok_ms_.size()},
            {"errors", errors},
            {"status_counts", statuses},
            {"p50_ms", round3(pct(0.50))},
            {"p90_ms", round3(pct(0.90))},
            {"p99_ms", round3(pct(0.99))},
            {"max_ms", round3(ms.empty() ? 0 : ms.back())},
            {"max_due_at", ms.empty() ? std::string() : WallTime(slowest_due_)},
            {"mean_body_bytes", ok_ms_.empty() ? 0 : body_bytes_ / ok_ms_.size()},
            {"reconnects", reconnects_},
            {"connections", o_.connections},
            {"seconds", o_.seconds},
            {"warmup_seconds", o_.warmup_seconds},
            {"method", std::string(http::to_string(o_.method))},
            {"targets", o_.targets.size()},
            {"first_target", o_.targets.front()}};
  }

  bool failed_to_connect() const { return !started_; }

 private:
  struct Due {
    uint64_t seq;
    SteadyClock::time_point at;
  };
  struct Conn {
    explicit Conn(asio::io_context& io) : stream(io) {}
    beast::tcp_stream stream;
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    std::optional<http::response_parser<http::string_body>> parser;
    Due current{};
    bool idle = false;
    uint64_t generation = 0;  // bumped when the connection leaves or enters idle
  };

  double Offset(uint64_t seq) const { return static_cast<double>(seq) / o_.rate; }
  SteadyClock::time_point DueAt(uint64_t seq) const {
    return t0_ + std::chrono::nanoseconds(std::llround(Offset(seq) * 1e9));
  }

  void Connect(size_t i) {
    Conn& c = *conns_[i];
    c.stream.expires_after(std::chrono::milliseconds(o_.timeout_ms));
    c.stream.async_connect(endpoints_, [this, i](beast::error_code ec, const tcp::endpoint&) {
      Conn& c = *conns_[i];
      if (ec) {
        if (!started_) {
          std::cerr << "http_bench: cannot connect to " << o_.host << ":" << o_.port << ": "
                    << ec.message() << "\n";
          io_.stop();
          return;
        }
        // Retry after a pause; the connection stays out of the idle set.
        auto t = std::make_shared<asio::steady_timer>(io_, std::chrono::milliseconds(100));
        t->async_wait([this, i, t](beast::error_code) { Connect(i); });
        return;
      }
      beast::error_code ignored;
      c.stream.socket().set_option(tcp::no_delay(true), ignored);
      MakeIdle(i);
      if (!started_ && idle_.size() == conns_.size()) {
        started_ = true;
        t0_ = SteadyClock::now() + std::chrono::milliseconds(10);
        Tick();
      } else if (started_) {
        Dispatch();
      }
    });
  }

  // Queues every request that is due, hands them to idle connections and
  // sleeps until the next one is due.
  void Tick() {
    if (o_.closed) return ClosedStart();
    const auto now = SteadyClock::now();
    while (next_ < total_ && DueAt(next_) <= now) {
      queue_.push_back({next_, DueAt(next_)});
      ++next_;
    }
    Dispatch();
    if (next_ < total_) {
      timer_.expires_at(DueAt(next_));
      timer_.async_wait([this](beast::error_code ec) {
        if (!ec) Tick();
      });
      return;
    }
    drain_.expires_at(DueAt(total_ - 1) +
                      std::chrono::milliseconds(std::llround(o_.drain_seconds * 1000)));
    drain_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      // Still queued or in flight: unfinished.
      for (const Due& d : queue_) Count(d, "unfinished");
      queue_.clear();
      for (const auto& c : conns_) {
        if (c->parser) Count(c->current, "unfinished");
      }
      io_.stop();
    });
    MaybeDone();
  }

  // The closed loop: every idle connection sends at once (Dispatch), until
  // the end; then waits --drain-seconds at most for the last answers.
  void ClosedStart() {
    measure_from_ = t0_ + std::chrono::milliseconds(std::llround(o_.warmup_seconds * 1000));
    end_ = measure_from_ + std::chrono::milliseconds(std::llround(o_.seconds * 1000));
    timer_.expires_at(end_);
    timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      MaybeDone();
      drain_.expires_after(std::chrono::milliseconds(std::llround(o_.drain_seconds * 1000)));
      drain_.async_wait([this](beast::error_code ec) {
        if (ec) return;
        for (const auto& c : conns_) {
          if (c->parser) Count(c->current, "unfinished");
        }
        io_.stop();
      });
    });
    Dispatch();
  }

  bool Counted(const Due& d) const {
    return o_.closed ? d.at >= measure_from_ : d.seq >= warmup_n_;
  }

  // Puts connection i at the back of the idle queue and watches it: if it
  // turns readable while idle, the server has closed it (or sent something
  // unasked), and it is reopened.
  void MakeIdle(size_t i) {
    Conn& c = *conns_[i];
    c.idle = true;
    const uint64_t generation = ++c.generation;
    idle_.push_back(i);
    c.stream.socket().async_wait(
        tcp::socket::wait_read, [this, i, generation](beast::error_code ec) {
          Conn& c = *conns_[i];
          if (ec || !c.idle || c.generation != generation || finished_) return;
          ++reconnects_;
          idle_.erase(std::find(idle_.begin(), idle_.end(), i));
          c.idle = false;
          ++c.generation;
          Reopen(i);
        });
  }

  size_t TakeIdle() {
    const size_t i = idle_.front();
    idle_.pop_front();
    Conn& c = *conns_[i];
    c.idle = false;
    ++c.generation;
    beast::error_code ignored;
    c.stream.socket().cancel(ignored);  // the idle watch
    return i;
  }

  void Reopen(size_t i) {
    Conn& c = *conns_[i];
    beast::error_code ignored;
    c.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c.stream.close();
    c.buffer.clear();
    Connect(i);
  }

  void Dispatch() {
    if (o_.closed) {
      while (!idle_.empty() && SteadyClock::now() < end_) {
        const Due d{next_++, SteadyClock::now()};
        if (Counted(d)) ++closed_counted_;
        Send(TakeIdle(), d);
      }
      MaybeDone();
      return;
    }
    while (!queue_.empty() && !idle_.empty()) {
      Send(TakeIdle(), queue_.front());
      queue_.pop_front();
    }
    MaybeDone();
  }

  void MaybeDone() {
    const bool sent_all =
        o_.closed ? started_ && SteadyClock::now() >= end_ : next_ == total_ && queue_.empty();
    if (sent_all && idle_.size() == conns_.size()) {
      finished_ = true;
      timer_.cancel();
      drain_.cancel();
      for (const auto& c : conns_) {  // ends the idle watches: io.run() returns
        beast::error_code ignored;
        c->stream.socket().close(ignored);
      }
    }
  }

  void Send(size_t i, Due d) {
    Conn& c = *conns_[i];
    c.current = d;
    c.req = {};
    c.req.method(o_.method);
    c.req.target(o_.targets[d.seq % o_.targets.size()]);
    c.req.version(11);
    c.req.set(http::field::host, o_.host + ":" + o_.port);
    for (const auto& [k, v] : o_.headers) c.req.set(k, v);
    if (o_.method != http::verb::get || !o_.body.empty()) c.req.body() = o_.body;
    c.req.keep_alive(true);
    c.req.prepare_payload();
    c.parser.emplace();
    c.parser->body_limit(64 * 1024 * 1024);
    c.stream.expires_after(std::chrono::milliseconds(o_.timeout_ms));
    http::async_write(c.stream, c.req, [this, i](beast::error_code ec, size_t) {
      Conn& c = *conns_[i];
      if (ec) return Finish(i, ec);
      http::async_read(c.stream, c.buffer, *c.parser,
                       [this, i](beast::error_code ec, size_t) { Finish(i, ec); });
    });
  }

  void Count(const Due& d, const std::string& what) {
    if (Counted(d)) ++status_counts_[what];
  }

  void Finish(size_t i, beast::error_code ec) {
    Conn& c = *conns_[i];
    const auto now = SteadyClock::now();
    bool reconnect = false;
    if (ec) {
      Count(c.current, ec == beast::error::timeout ? "timeout" : "transport: " + ec.message());
      reconnect = true;
    } else {
      const auto& res = c.parser->get();
      const int status = res.result_int();
      Count(c.current, std::to_string(status));
      if (Counted(c.current) && status >= 200 && status < 300) {
        const double ms = std::chrono::duration<double, std::milli>(now - c.current.at).count();
        ok_ms_.push_back(ms);
        if (ms > slowest_ms_) {
          // Wall-clock time the slowest request was due: to find it in
          // docketd's and the broker's logs (e.g. the broker's GC log).
          slowest_ms_ = ms;
          slowest_due_ = std::chrono::system_clock::now() -
                         std::chrono::duration_cast<std::chrono::system_clock::duration>(
                             now - c.current.at);
        }
        body_bytes_ += res.body().size();
        last_done_ = now;
      }
      reconnect = !res.keep_alive();
    }
    c.parser.reset();
    if (reconnect) return Reopen(i);
    MakeIdle(i);
    Dispatch();
  }

  asio::io_context& io_;
  Options o_;
  tcp::resolver::results_type endpoints_;
  asio::steady_timer timer_, drain_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::deque<size_t> idle_;  // FIFO: every connection is used in turn
  std::deque<Due> queue_;
  bool started_ = false, finished_ = false;
  uint64_t reconnects_ = 0;
  SteadyClock::time_point t0_;
  uint64_t warmup_n_ = 0, total_ = 0, next_ = 0;
  SteadyClock::time_point measure_from_, end_;  // closed loop
  uint64_t closed_counted_ = 0;
  std::map<std::string, uint64_t> status_counts_;
  std::vector<double> ok_ms_;
  double slowest_ms_ = -1;
  std::chrono::system_clock::time_point slowest_due_{};
  uint64_t body_bytes_ = 0;
  std::optional<SteadyClock::time_point> last_done_;
};

}  // namespace
}  // namespace docket

int main(int argc, char** argv) {
  using namespace docket;
  CLI::App app{"http_bench: open-loop HTTP/1.1 load at a fixed offered rate"};
  std::vector<std::string> urls, header_lines;
  std::string urls_file, method = "GET";
  Options o;
  app.add_option("--url", urls, "http://host:port/path (repeatable; targets rotate)");
  app.add_option("--urls-file", urls_file, "File of URLs, one a line (added to --url)");
  app.add_option("--method", method, "GET or POST")->capture_default_str();
  app.add_option("--body", o.body, "Request body");
  app.add_option("--header", header_lines, "'Name: value' (repeatable)");
  app.add_option("--rate", o.rate, "Offered requests/s on a fixed schedule")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--connections", o.connections, "Keep-alive connections")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  app.add_option("--seconds", o.seconds, "Measured seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--warmup-seconds", o.warmup_seconds, "Seconds sent first and not counted")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--drain-seconds", o.drain_seconds,
                 "After the last request is due, how long to wait for answers")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--timeout-ms", o.timeout_ms, "Per request (and connect) timeout")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--closed", o.closed,
               "Closed loop: each connection sends again as soon as it is answered (--rate unused)");
  CLI11_PARSE(app, argc, argv);

  if (!urls_file.empty()) {
    std::ifstream in(urls_file);
    if (!in) {
      std::cerr << "http_bench: cannot read " << urls_file << "\n";
      return 2;
    }
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty() && line[0] != '#') urls.push_back(line);
    }
  }
  if (urls.empty()) {
    std::cerr << "http_bench: give --url or --urls-file\n";
    return 2;
  }
  for (const auto& s : urls) {
    auto u = ParseUrl(s);
    if (!u) {
      std::cerr << "http_bench: not an http://host:port/path URL: " << s << "\n";
      return 2;
    }
    if (o.targets.empty()) {
      o.host = u->host;
      o.port = u->port;
    } else if (u->host != o.host || u->port != o.port) {
      std::cerr << "http_bench: all URLs must be on one host:port (" << s << ")\n";
      return 2;
    }
    o.targets.push_back(u->target);
  }
  for (const auto& h : header_lines) {
    const size_t colon = h.find(':');
    if (colon == std::string::npos || colon == 0) {
      std::cerr << "http_bench: --header wants 'Name: value': " << h << "\n";
      return 2;
    }
    std::string v = h.substr(colon + 1);
    v.erase(0, v.find_first_not_of(' '));
    o.headers.emplace_back(h.substr(0, colon), v);
  }
  if (method == "GET") {
    o.method = boost::beast::http::verb::get;
  } else if (method == "POST") {
    o.method = boost::beast::http::verb::post;
  } else {
    std::cerr << "http_bench: --method must be GET or POST\n";
    return 2;
  }

  boost::asio::io_context io(1);
  boost::beast::error_code ec;
  auto endpoints = docket::tcp::resolver(io).resolve(o.host, o.port, ec);
  if (ec) {
    std::cerr << "http_bench: cannot resolve " << o.host << ":" << o.port << ": " << ec.message()
              << "\n";
    return 1;
  }
  docket::Bench bench(io, o, endpoints);
  bench.Start();
  io.run();
  if (bench.failed_to_connect()) return 1;
  std::cout << bench.Report().dump() << std::endl;
  return 0;
}
