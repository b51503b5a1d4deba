#include "api/routes/chat_socket.h"

#include <spdlog/spdlog.h>

#include <unordered_set>

#include "aggregates/chat/chat.h"
#include "api/problem.h"
#include "api/projector_model.h"
#include "api/routes/chat.h"
#include "common/hash.h"

namespace docket::api {
namespace {

using nlohmann::json;
using std::chrono::steady_clock;

constexpr size_t kMaxItemsPerDelivery = 500;  // more wait for the next wake
constexpr auto kRecheck = std::chrono::seconds(5);
constexpr auto kWake = std::chrono::milliseconds(500);  // how soon a stop is seen
constexpr auto kTypingGap = std::chrono::seconds(1);

json Person(const Principal& p) {
  return {{"id", p.user_id}, {"name", p.name}, {"role", p.staff ? "agent" : "customer"}};
}

// A string member, or "" (the caller checks).
std::string Member(const json& m, const char* key) {
  auto it = m.find(key);
  return it != m.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

// ---- ChatSocket ---------------------------------------------------------------

ChatSocket::ChatSocket(ChatRoutes* routes, ChatHub* hub, Principal who, Request credentials,
                       std::shared_ptr<void> place)
    : routes_(routes),
      hub_(hub),
      credentials_(std::move(credentials)),
      place_(std::move(place)),
      who_(std::move(who)) {}

Principal ChatSocket::who() {
  std::lock_guard<std::mutex> lock(mu_);
  return who_;
}

void ChatSocket::Send(const json& message) {
  if (peer_) peer_->Send(message.dump());
}

void ChatSocket::OnOpen(std::shared_ptr<WebSocketPeer> peer) {
  peer_ = std::move(peer);
  Send({{"type", "hello"}, {"user", Person(who())}});
  hub_->Add(shared_from_this());
}

void ChatSocket::OnClose() {
  hub_->Remove(this);
  std::lock_guard<std::mutex> lock(mu_);
  last_.clear();
  place_.reset();
}

void ChatSocket::Error(const json& request, const Reply& problem) {
  json out = {{"type", "error"}, {"request", request.value("type", "")}};
  for (const char* key : {"conversation", "client_message_id"}) {
    if (request.contains(key) && request[key].is_string()) out[key] = request[key];
  }
  json body = json::parse(problem.body, nullptr, false);
  out["problem"] = body.is_discarded() ? json{{"status", static_cast<int>(problem.status)}} : body;
  Send(out);
}

void ChatSocket::OnMessage(std::string text) {
  json m = json::parse(text, nullptr, false);
  if (!m.is_object() || !m.contains("type") || !m["type"].is_string()) {
    return Error(json::object(),
                 BadRequest("each message is a JSON object with a \"type\" string"));
  }
  const std::string type = m["type"];
  if (type == "subscribe") return Subscribe(m);
  if (type == "unsubscribe") {
    std::lock_guard<std::mutex> lock(mu_);
    last_.erase(Member(m, "conversation"));
    return;
  }
  if (type == "message") return PostMessage(m);
  if (type == "typing") return Typing(m);
  if (type == "ping") return Send({{"type", "pong"}});
  Error(m, Invalid("type", "must be subscribe, unsubscribe, message, typing or ping"));
}

void ChatSocket::Subscribe(const json& m) {
  const std::string id = Member(m, "conversation");
  uint64_t after = 0;
  if (m.contains("after")) {
    if (!m["after"].is_number_unsigned()) return Error(m, Invalid("after", "must be a seq (0 or more)"));
    after = m["after"].get<uint64_t>();
  }
  Request req = credentials_;
  Call call{req, {id}, who()};
  OrReply<projections::ConversationView> visible = routes_->Visible(call, id);
  if (Reply* r = std::get_if<Reply>(&visible)) return Error(m, *r);
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_[id] = after;
  }
  Deliver(id);
}

void ChatSocket::PostMessage(const json& m) {
  const std::string id = Member(m, "conversation");
  std::string client_id = Member(m, "client_message_id");
  std::string text = Member(m, "text");
  if (!aggregates::IsClientMessageId(client_id)) {
    return Error(m, Invalid("client_message_id",
                            "must be 1..64 printable ASCII characters without spaces"));
  }
  if (text.empty()) return Error(m, Invalid("text", "must be a non-empty string"));
  // The same command as POST …/messages, so that a message sent on the
  // socket and again over HTTP (or on another socket) is one message.
  Request req = credentials_;
  req.method = http::verb::post;
  req.method_text = "POST";
  req.path = "/api/v1/chat/conversations/" + id + "/messages";
  req.headers.erase("Idempotency-Key");
  req.request_id = "ws-" + RandomHex(8);
  Call call{req, {id}, who()};
  Sent sent;
  OrReply<projections::TranscriptItem> item =
      routes_->SendMessage(call, id, client_id, std::move(text), &sent);
  if (Reply* r = std::get_if<Reply>(&item)) return Error(m, *r);
  Send({{"type", "ack"},
        {"conversation", id},
        {"client_message_id", client_id},
        {"seq", std::get<projections::TranscriptItem>(item).seq}});
  Deliver(id);
}

void ChatSocket::Typing(const json& m) {
  const std::string id = Member(m, "conversation");
  Principal me;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!last_.count(id)) return;  // only in a conversation it follows (so may see)
    auto now = steady_clock::now();
    auto& last = last_typing_[id];
    if (now - last < kTypingGap) return;
    last = now;
    me = who_;
  }
  hub_->Typing(id, this, Person(me));
}

std::vector<std::string> ChatSocket::Subscriptions() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [id, seq] : last_) out.push_back(id);
  return out;
}

void ChatSocket::Deliver(const std::string& conversation) {
  std::lock_guard<std::mutex> one(deliver_mu_);
  uint64_t after = 0;
  bool staff = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = last_.find(conversation);
    if (it == last_.end()) return;
    after = it->second;
    staff = who_.staff;
  }
  OrReply<StoreQueries<projections::ChatQueries>> q =
      QueriesOf<projections::ChatQueries>(*routes_->chat_);
  auto* queries = std::get_if<StoreQueries<projections::ChatQueries>>(&q);
  if (!queries) return;  // the store reopens: at the next wake
  Result<std::optional<projections::ConversationView>> row = (*queries)->Conversation(conversation);
  if (!row.ok() || !*row || (*row)->version <= after) return;
  Result<std::vector<projections::TranscriptItem>> items =
      (*queries)->Transcript(conversation, after, kMaxItemsPerDelivery);
  if (!items.ok()) {
    spdlog::warn("chat: transcript of {}: {}", conversation, items.status().ToString());
    return;
  }
  for (const auto& t : *items) {
    Send({{"type", "item"}, {"conversation", conversation}, {"item", TranscriptItemJson(t, staff)}});
    after = t.seq;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = last_.find(conversation);
  if (it != last_.end() && it->second < after) it->second = after;
}

bool ChatSocket::Recheck() {
  OrReply<Principal> again = routes_->s_->auth.Authenticate(credentials_);
  if (Principal* p = std::get_if<Principal>(&again)) {
    std::lock_guard<std::mutex> lock(mu_);
    who_ = std::move(*p);
    return true;
  }
  if (peer_) peer_->Close("the session has ended");
  return false;
}

// ---- ChatHub ------------------------------------------------------------------

ChatHub::ChatHub(ChatRoutes* routes) : routes_(routes) {}

ChatHub::~ChatHub() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (checker_.joinable()) checker_.join();
}

void ChatHub::Start() {
  thread_ = std::thread([this] { Run(); });
  checker_ = std::thread([this] { Check(); });
}

void ChatHub::Add(const std::shared_ptr<ChatSocket>& socket) {
  std::lock_guard<std::mutex> lock(mu_);
  sockets_.push_back(socket);
}

void ChatHub::Remove(const ChatSocket* socket) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(sockets_, [socket](const std::weak_ptr<ChatSocket>& w) {
    auto s = w.lock();
    return !s || s.get() == socket;
  });
}

std::vector<std::shared_ptr<ChatSocket>> ChatHub::Sockets() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<ChatSocket>> out;
  for (const auto& w : sockets_) {
    if (auto s = w.lock()) out.push_back(std::move(s));
  }
  return out;
}

void ChatHub::Typing(const std::string& conversation, const ChatSocket* from,
                     const json& author) {
  const json message = {{"type", "typing"}, {"conversation", conversation}, {"author", author}};
  for (const auto& s : Sockets()) {
    if (s.get() == from) continue;
    for (const auto& id : s->Subscriptions()) {
      if (id == conversation) s->Send(message);
    }
  }
}

void ChatHub::Run() {
  uint64_t seen = 0;
  while (!stop_) {
    // Only the conversations that changed (the keys of the batches the
    // read model applied), unless more changed than the runner remembers.
    consumers::ProjectionRunner::Changes changes =
        routes_->chat_->WaitForChangedKeys(seen, kWake);
    if (stop_) return;
    if (changes.now == seen) continue;
    seen = changes.now;
    const std::unordered_set<std::string> changed(changes.keys.begin(), changes.keys.end());
    for (const auto& s : Sockets()) {
      for (const auto& id : s->Subscriptions()) {
        if (!changes.complete || changed.count(id)) s->Deliver(id);
      }
    }
  }
}

void ChatHub::Check() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, kRecheck, [this] { return stop_.load(); })) {
    lock.unlock();
    for (const auto& s : Sockets()) {
      if (stop_) break;
      s->Recheck();
    }
    lock.lock();
  }
}

}  // namespace docket::api
