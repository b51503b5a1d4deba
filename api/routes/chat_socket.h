// Live chat over a WebSocket (GET /api/v1/chat/socket, docs/chat.md "The
// socket"): a ChatSocket per open socket, and the ChatHub of a gateway that
// pushes new transcript items to the sockets subscribed to a conversation.
//
// Protocol: JSON text messages. From the client:
//   {"type": "subscribe", "conversation": id, "after": seq}
//       every item after `seq` now, then each new one as it happens
//   {"type": "unsubscribe", "conversation": id}
//   {"type": "message", "conversation": id, "client_message_id": c, "text": t}
//       as POST …/messages (same idempotency: a resend answers the first)
//   {"type": "typing", "conversation": id}   (at most one a second is passed on)
//   {"type": "ping"}
// From the server:
//   {"type": "hello", "user": {id, name, role}}
//   {"type": "item", "conversation": id, "item": <transcript item>}
//       per conversation in seq order, never twice on one socket
//   {"type": "ack", "conversation": id, "client_message_id": c, "seq": n}
//   {"type": "typing", "conversation": id, "author": {id, name, role}}
//   {"type": "pong"}
//   {"type": "error", "request": <the type it answers>, "conversation"?,
//    "client_message_id"?, "problem": <problem document>}
//
// Items reach every gateway's sockets: each hub follows its own read model
// of docket.chat.events. Typing indicators are not events: they reach the
// sockets of the same gateway only.
//
// Thread-safe.
#ifndef DOCKET_API_ROUTES_CHAT_SOCKET_H_
#define DOCKET_API_ROUTES_CHAT_SOCKET_H_

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api/http.h"
#include "api/principal.h"

namespace docket::api {

class ChatRoutes;
class ChatHub;

class ChatSocket final : public WebSocketHandler,
                         public std::enable_shared_from_this<ChatSocket> {
 public:
  // `credentials`: the upgrade request's headers (the session is checked
  // again with them); `place`: the user's socket count, released at the end.
  ChatSocket(ChatRoutes* routes, ChatHub* hub, Principal who, Request credentials,
             std::shared_ptr<void> place);

  void OnOpen(std::shared_ptr<WebSocketPeer> peer) override;
  void OnMessage(std::string text) override;
  void OnClose() override;

  // For the hub: sends the items of `conversation` after the last one sent,
  // if it is subscribed (serialised per socket: in order, never twice).
  void Deliver(const std::string& conversation);
  std::vector<std::string> Subscriptions();
  // Authenticates the credentials again; closes the socket (and returns
  // false) once the session has ended.
  bool Recheck();
  void Send(const nlohmann::json& message);
  Principal who();

 private:
  void Subscribe(const nlohmann::json& m);
  void PostMessage(const nlohmann::json& m);
  void Typing(const nlohmann::json& m);
  void Error(const nlohmann::json& request, const Reply& problem);

  ChatRoutes* routes_;
  ChatHub* hub_;
  Request credentials_;
  std::shared_ptr<void> place_;
  std::shared_ptr<WebSocketPeer> peer_;
  std::mutex mu_;  // who_, last_, last_typing_
  Principal who_;
  std::map<std::string, uint64_t> last_;  // subscribed conversation -> last seq sent
  std::map<std::string, std::chrono::steady_clock::time_point> last_typing_;
  std::mutex deliver_mu_;  // one delivery at a time
};

// Wakes on every batch the chat read model applies and delivers the new
// items of the conversations it changed to the sockets following them (its
// delivery thread); re-authenticates each socket every few seconds (its
// checking thread, so that checking a thousand sessions never holds up a
// delivery). One per gateway; its threads stop with it.
class ChatHub {
 public:
  ChatHub(ChatRoutes* routes);
  ~ChatHub();
  void Start();
  void Add(const std::shared_ptr<ChatSocket>& socket);
  void Remove(const ChatSocket* socket);
  // Passes a typing indicator to the other sockets subscribed to
  // `conversation` on this gateway.
  void Typing(const std::string& conversation, const ChatSocket* from,
              const nlohmann::json& author);

 private:
  void Run();
  void Check();
  std::vector<std::shared_ptr<ChatSocket>> Sockets();

  ChatRoutes* routes_;
  std::mutex mu_;
  std::vector<std::weak_ptr<ChatSocket>> sockets_;
  std::atomic<bool> stop_{false};
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;  // wakes the checking thread to stop
  std::thread thread_;
  std::thread checker_;
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_CHAT_SOCKET_H_
