// chat_bench: concurrent live chats over the chat socket (docs/chat.md "The
// socket") against docketd, for the live chat's benchmark (issue 16;
// bench/chat_bench.sh drives it, docs/benchmarks.md has the results).
//
// Setup: conversation i is started by customer i mod C (POST
// /api/v1/chat/conversations) and accepted by agent i mod A. Each
// conversation gets a socket of its customer's (so a customer holds
// conversations / C sockets: docketd's chat config must allow that many
// open conversations and sockets per user) that follows it; each agent has
// one socket that follows all of theirs, as the agent console does.
//
// Load: open loop at --rate messages/s: message j is due at t0 + j / rate,
// in conversation j mod N, from the customer when (j / N) is even and from
// the agent otherwise. Its delivery latency runs from its due time to the
// arrival of its item on the other side's socket (the hub pushes every item
// of a followed conversation once the gateway's read model has it). Messages
// due in the first --warmup-seconds are sent but not counted.
//
//   build/bench/chat_bench --api http://127.0.0.1:8080 --customers c.txt
//       --agents a.txt --conversations 1000 --rate 200 --seconds 30
//
// Token files hold one bearer token per line. Prints one JSON line:
//   conversations, sockets, offered_rps, counted, delivered, lost (counted
//   and not delivered --drain-seconds after the last was due), doubled (an
//   item that reached the same socket twice), errors (error messages on the
//   sockets), p50/p90/p99/max_ms (delivery latency), setup_s.
//
// One io_context thread for every socket; no locks.
#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Target {
  std::string host;
  std::string port;
};

Target ParseApi(const std::string& url) {
  std::string rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find('/'));
  const size_t colon = rest.rfind(':');
  return {rest.substr(0, colon), colon == std::string::npos ? "80" : rest.substr(colon + 1)};
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  if (out.empty()) throw std::runtime_error(path + " has no token");
  return out;
}

// A keep-alive HTTP/1.1 connection for the setup's calls.
class HttpClient {
 public:
  HttpClient(asio::io_context& io, const Target& t) : stream_(io), target_(t) {
    tcp::resolver resolver(io);
    stream_.connect(resolver.resolve(t.host, t.port));
  }
  json Post(const std::string& path, const std::string& token, const json& body) {
    http::request<http::string_body> req{http::verb::post, path, 11};
    req.set(http::field::host, target_.host);
    req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::content_type, "application/json");
    req.body() = body.dump();
    req.prepare_payload();
    http::write(stream_, req);
    http::response<http::string_body> res;
    http::read(stream_, buffer_, res);
    if (res.result_int() >= 300) {
      throw std::runtime_error("POST " + path + ": " + std::to_string(res.result_int()) + " " +
                               res.body());
    }
    return json::parse(res.body());
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  Target target_;
};

struct Run;

// One chat socket: sync handshake and subscriptions, then async reads and a
// write queue on the io_context's thread.
class Socket : public std::enable_shared_from_this<Socket> {
 public:
  Socket(asio::io_context& io, Run* run, int side) : ws_(io), run_(run), side_(side) {}

  void Open(const Target& t, const std::string& token, const std::vector<std::string>& follow) {
    tcp::resolver resolver(ws_.get_executor());
    beast::get_lowest_layer(ws_).connect(resolver.resolve(t.host, t.port));
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& req) {
      req.set(http::field::authorization, "Bearer " + token);
    }));
    ws_.handshake(t.host + ":" + t.port, "/api/v1/chat/socket");
    for (const std::string& id : follow) {
      ws_.write(asio::buffer(json{{"type", "subscribe"}, {"conversation", id}, {"after", 0}}.dump()));
    }
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  }

  void Read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->OnMessage(beast::buffers_to_string(self->buffer_.data()));
      self->buffer_.consume(self->buffer_.size());
      self->Read();
    });
  }

  void Send(std::string text) {
    out_.push_back(std::move(text));
    if (out_.size() == 1) Write();
  }

  void Close() {
    beast::error_code ec;
    beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ec);
  }

 private:
  void Write() {
    ws_.async_write(asio::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec,
                                                                            size_t) {
      self->out_.pop_front();
      if (!ec && !self->out_.empty()) self->Write();
    });
  }
  void OnMessage(const std::string& text);

  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<std::string> out_;
  Run* run_;
  int side_;  // 0 customer, 1 agent
  std::set<std::string> seen_;  // client message ids whose item came here
};

struct Sent {
  Clock::time_point due;
  int from;  // 0 customer, 1 agent
  bool counted;
  bool delivered = false;
};

struct Run {
  std::vector<Sent> sent;
  std::vector<double> latencies_ms;
  int64_t doubled = 0;
  int64_t errors = 0;
};

void Socket::OnMessage(const std::string& text) {
  json m = json::parse(text, nullptr, false);
  if (!m.is_object()) return;
  const std::string type = m.value("type", "");
  if (type == "error") {
    ++run_->errors;
    return;
  }
  if (type != "item") return;
  const json& item = m["item"];
  if (item.value("kind", "") != "message") return;
  const std::string id = item.value("client_message_id", "");
  if (id.size() < 2 || id[0] != 'b') return;
  if (!seen_.insert(id).second) {
    ++run_->doubled;
    return;
  }
  const size_t j = std::stoul(id.substr(1));
  if (j >= run_->sent.size()) return;
  Sent& s = run_->sent[j];
  if (s.from == side_ || s.delivered) return;  // the sender's own copy
  s.delivered = true;
  if (s.counted) {
    run_->latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - s.due).count());
  }
}

double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * (v.size() - 1) + 0.5));
  return v[i];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Concurrent live chats over the chat socket against docketd"};
  std::string api, customers_file, agents_file;
  int conversations = 1000, setup_threads = 4;
  double rate = 200, seconds = 30, warmup = 5, drain = 5;
  app.add_option("--api", api, "docketd's base URL, http://host:port")->required();
  app.add_option("--customers", customers_file, "customers' bearer tokens, one a line")->required();
  app.add_option("--agents", agents_file, "agents' bearer tokens, one a line")->required();
  app.add_option("--conversations", conversations, "concurrent conversations");
  app.add_option("--rate", rate, "messages per second, all conversations together");
  app.add_option("--seconds", seconds, "measured seconds");
  app.add_option("--warmup-seconds", warmup, "unmeasured seconds first");
  app.add_option("--drain-seconds", drain, "how long to wait for the last deliveries");
  app.add_option("--setup-threads", setup_threads, "connections starting and accepting chats");
  CLI11_PARSE(app, argc, argv);

  try {
    const Target target = ParseApi(api);
    const std::vector<std::string> customers = ReadLines(customers_file);
    const std::vector<std::string> agents = ReadLines(agents_file);
    const auto setup_start = Clock::now();

    // 1. The conversations: started by their customers, accepted by their agents.
    std::vector<std::string> ids(static_cast<size_t>(conversations));
    std::vector<std::thread> threads;
    std::vector<std::string> failures(static_cast<size_t>(setup_threads));
    for (int t = 0; t < setup_threads; ++t) {
      threads.emplace_back([&, t] {
        try {
          asio::io_context io;
          HttpClient http(io, target);
          for (int i = t; i < conversations; i += setup_threads) {
            const std::string& customer = customers[static_cast<size_t>(i) % customers.size()];
            const std::string& agent = agents[static_cast<size_t>(i) % agents.size()];
            json c = http.Post("/api/v1/chat/conversations", customer,
                               {{"queue", "support"}, {"topic", "bench " + std::to_string(i)}});
            ids[static_cast<size_t>(i)] = c.at("id").get<std::string>();
            http.Post("/api/v1/chat/conversations/" + ids[static_cast<size_t>(i)] + "/accept", agent,
                      json::object());
          }
        } catch (const std::exception& e) {
          failures[static_cast<size_t>(t)] = e.what();
        }
      });
    }
    for (auto& th : threads) th.join();
    for (const auto& f : failures) {
      if (!f.empty()) throw std::runtime_error("setup: " + f);
    }

    // 2. The sockets: one a conversation for its customer, one an agent.
    asio::io_context io;
    Run run;
    std::vector<std::shared_ptr<Socket>> customer_sockets, agent_sockets;
    for (int i = 0; i < conversations; ++i) {
      auto s = std::make_shared<Socket>(io, &run, 0);
      s->Open(target, customers[static_cast<size_t>(i) % customers.size()],
              {ids[static_cast<size_t>(i)]});
      customer_sockets.push_back(s);
    }
    for (size_t a = 0; a < agents.size() && a < static_cast<size_t>(conversations); ++a) {
      std::vector<std::string> follow;
      for (size_t i = a; i < ids.size(); i += agents.size()) follow.push_back(ids[i]);
      auto s = std::make_shared<Socket>(io, &run, 1);
      s->Open(target, agents[a], follow);
      agent_sockets.push_back(s);
    }
    for (auto& s : customer_sockets) s->Read();
    for (auto& s : agent_sockets) s->Read();
    const double setup_s = std::chrono::duration<double>(Clock::now() - setup_start).count();

    // 3. The open loop.
    const size_t total = static_cast<size_t>((warmup + seconds) * rate);
    run.sent.reserve(total);
    const auto t0 = Clock::now() + std::chrono::milliseconds(200);
    const auto due_of = [&](size_t j) {
      return t0 + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(static_cast<double>(j) / rate));
    };
    asio::steady_timer timer(io);
    std::function<void()> tick = [&] {
      const auto now = Clock::now();
      while (run.sent.size() < total && due_of(run.sent.size()) <= now) {
        const size_t j = run.sent.size();
        const size_t k = j % ids.size();
        const int from = static_cast<int>((j / ids.size()) % 2);
        const auto due = due_of(j);
        run.sent.push_back({due, from, due >= t0 + std::chrono::duration_cast<Clock::duration>(
                                                      std::chrono::duration<double>(warmup))});
        const std::string text = json{{"type", "message"},
                                      {"conversation", ids[k]},
                                      {"client_message_id", "b" + std::to_string(j)},
                                      {"text", "bench message " + std::to_string(j)}}
                                     .dump();
        if (from == 0) {
          customer_sockets[k]->Send(text);
        } else {
          agent_sockets[k % agent_sockets.size()]->Send(text);
        }
      }
      if (run.sent.size() < total) {
        timer.expires_at(due_of(run.sent.size()));
        timer.async_wait([&](beast::error_code ec) {
          if (!ec) tick();
        });
      } else {
        timer.expires_after(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(drain)));
        timer.async_wait([&](beast::error_code) {
          for (auto& s : customer_sockets) s->Close();
          for (auto& s : agent_sockets) s->Close();
        });
      }
    };
    timer.expires_at(t0);
    timer.async_wait([&](beast::error_code ec) {
      if (!ec) tick();
    });
    io.run();

    int64_t counted = 0, lost = 0;
    for (const Sent& s : run.sent) {
      if (!s.counted) continue;
      ++counted;
      if (!s.delivered) ++lost;
    }
    std::vector<double>& l = run.latencies_ms;
    json out = {{"conversations", conversations},
                {"sockets", customer_sockets.size() + agent_sockets.size()},
                {"offered_rps", rate},
                {"seconds", seconds},
                {"counted", counted},
                {"delivered", static_cast<int64_t>(l.size())},
                {"lost", lost},
                {"doubled", run.doubled},
                {"errors", run.errors},
                {"p50_ms", Percentile(l, 0.50)},
                {"p90_ms", Percentile(l, 0.90)},
                {"p99_ms", Percentile(l, 0.99)},
                {"max_ms", l.empty() ? 0.0 : *std::max_element(l.begin(), l.end())},
                {"setup_s", setup_s}};
    std::cout << out.dump() << std::endl;
    return lost == 0 && run.doubled == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "chat_bench: " << e.what() << "\n";
    return 2;
  }
}
