// The chat context's routes (docs/chat.md, docs/api.md "Live chat"): queues,
// conversations, their transcripts, and what customers and agents do in
// them. Customers see and touch only their own conversations (another's is
// "not found", worded like a missing one); agents (staff) see all of them,
// accept waiting ones, and write in those they have.
//
// Limits of the gateway (ChatRoutesOptions; the aggregate enforces the
// sizes): messages per second per user (429), conversations open at once
// per customer (409 "chat.too_many_conversations"; each gateway counts from
// its read model, so two starts racing on two gateways may both pass).
//
// A message's client_message_id makes a resend (after a reconnect, a
// timeout) return the first outcome instead of a second message: it is the
// command's idempotency key.
//
// Thread-safe.
#ifndef DOCKET_API_ROUTES_CHAT_H_
#define DOCKET_API_ROUTES_CHAT_H_

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "aggregates/chat/chat.h"
#include "api/concurrency_limit.h"
#include "api/gateway.h"
#include "api/rate_limiter.h"
#include "api/request.h"
#include "consumers/projection_runner.h"
#include "projections/chat/chat_queries.h"

namespace docket::api {

// The kind of case a chat opens (POST …/cases without a case number) when
// the caller names none: a request type and category of the catalog.
struct ChatCaseKind {
  std::string case_type;
  std::string category;
};

struct ChatRoutesOptions {
  aggregates::ChatLimits limits;
  std::map<std::string, ChatCaseKind> case_kinds;  // by queue id
  RateLimit messages_per_user{2, 10};  // per second, burst
  int max_open_conversations_per_customer = 3;
  // The transcript a linked case gets as a comment is cut to this many
  // characters (the cases' comment limit).
  size_t max_transcript_chars = 10'000;
  // Chat sockets (GET /api/v1/chat/socket) one user may hold open (tabs);
  // more get 429.
  int max_sockets_per_user = 8;
};

// The chat's configuration file (--chat-config): a JSON object with
// "queues" ([{"id", "name"}], in the order customers see them; a queue may
// name the case its chats open: "case_type" and "category") and,
// optionally, "max_message_chars", "messages_per_second",
// "message_burst", "max_open_conversations", "idle_timeout_s",
// "presence_lease_s", "max_sockets_per_user". kInvalidArgument naming the
// member that is wrong.
Result<ChatRoutesOptions> ParseChatConfig(const std::string& text);

// A case opened from a chat: the transcript is its description.
struct ChatNewCase {
  std::string account_id;
  std::string case_type;
  std::string category;
  std::string subject;
  std::string description;
};

// What the chat needs of the cases context (given by the composition root).
struct ChatCases {
  // Ok when case `number` belongs to one of `account_ids`; kNotFound when
  // it does not or does not exist; kUnavailable while the read models open.
  std::function<Status(const std::vector<std::string>& account_ids, const std::string& number)>
      check;
  // Makes `command` (on the case) the comment that carries a transcript.
  std::function<void(fb::CommandEnvelopeT& command, std::string text)> comment;
  // Makes `command` (creating) open the case `c`.
  std::function<void(fb::CommandEnvelopeT& command, const ChatNewCase& c)> open;
};

// A transcript item as the API shows it; a transfer's note only `for_staff`.
nlohmann::json TranscriptItemJson(const projections::TranscriptItem& t, bool for_staff);

class ChatHub;

class ChatRoutes final : public RouteModule {
 public:
  // `chat` keeps the chat read models; it must outlive the routes.
  ChatRoutes(consumers::ProjectionRunner* chat, ChatRoutesOptions options, ChatCases cases);
  ~ChatRoutes() override;

  Status Register(Router& router, Services& services) override;

 private:
  friend class ChatSocket;
  friend class ChatHub;
  using Conversation = projections::ConversationView;

  Reply Queues(Call& call);
  Reply Start(Call& call);
  Reply List(Call& call);
  Reply Get(Call& call);
  Reply Transcript(Call& call);
  Reply Post(Call& call);
  Reply Accept(Call& call);
  Reply Transfer(Call& call);
  Reply End(Call& call);
  Reply MailTranscript(Call& call);
  Reply Socket(Call& call);

  // chat_cases.cc: POST …/cases links a case ({case_number}) or opens one
  // ({account_id?, case_type?, category?, subject?, end?}; "end" ends the
  // conversation once the case holds it: leaving a message).
  Reply Cases(Call& call);
  Reply LinkCase(Call& call, Body& b);
  Reply OpenCase(Call& call, Body& b);
  Reply Link(Call& call, const Conversation& c, const std::string& number, bool opened);
  std::string TranscriptText(const Conversation& c,
                             const std::vector<projections::TranscriptItem>& items) const;
  OrReply<std::string> TranscriptOf(const Conversation& c) const;

  // chat_presence.cc: an agent's presence (GET, PUT /api/v1/chat/presence).
  Reply Presence(Call& call);
  Reply SetPresence(Call& call);
  nlohmann::json PresenceJson(const std::optional<projections::AgentPresenceView>& a) const;
  // The agents online now in each queue, by queue id.
  Result<std::map<std::string, int64_t>> AgentsOnline(const projections::ChatQueries& q) const;

  // Sends a message of the caller in conversation `id` (as POST
  // …/messages and the socket's "message"): the transcript item, with the
  // command's headers in `sent_reply` when given.
  OrReply<projections::TranscriptItem> SendMessage(Call& call, const std::string& id,
                                                   std::string client_message_id,
                                                   std::string text, Sent* sent);

  // The conversation `id` as the caller may see it; 404 otherwise.
  OrReply<Conversation> Visible(const Call& call, const std::string& id) const;
  // Sends `command` on conversation `id` and answers with the conversation
  // once the read model has it (`status`), or 202 while it does not.
  Reply SendAndShow(Call& call, fb::CommandEnvelopeT command, int status,
                    const SubmitOptions& options = {});
  nlohmann::json ConversationJson(const Conversation& c,
                                  const projections::ChatQueries& q) const;
  std::string QueueName(const std::string& id) const;

  consumers::ProjectionRunner* chat_;
  ChatRoutesOptions options_;
  ChatCases cases_;
  std::unique_ptr<RateLimiter> message_limit_;
  std::shared_ptr<ConcurrencyLimit> sockets_;  // per user
  std::unique_ptr<ChatHub> hub_;
  Services* s_ = nullptr;
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_CHAT_H_
