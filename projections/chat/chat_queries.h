// Queries over the chat read models (chat_projection.h), and their rows.
// Read-only, thread-safe (the ReadStore is).
//
// Errors: kDataLoss when a stored row does not parse; kUnavailable when the
// store fails.
#ifndef DOCKET_PROJECTIONS_CHAT_CHAT_QUERIES_H_
#define DOCKET_PROJECTIONS_CHAT_CHAT_QUERIES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "projections/chat/chat_projection.h"
#include "projections/read_store.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

struct ConversationView {
  std::string id;
  std::string queue;  // the queue it is (or was last) in
  fb::ConversationState state = fb::ConversationState::Waiting;
  std::string topic;
  std::string customer_id;
  std::string customer_name;
  std::vector<std::string> account_ids;
  std::string agent_id;  // "" while waiting
  std::string agent_name;
  int64_t started_at_us = 0;
  int64_t queued_at_us = 0;    // when it entered its queue (start or transfer)
  int64_t accepted_at_us = 0;  // 0 while waiting
  int64_t ended_at_us = 0;     // 0 until it ends
  std::optional<fb::ChatEndReason> end_reason;
  int64_t last_activity_us = 0;
  int64_t messages = 0;
  std::vector<std::string> case_numbers;
  uint64_t version = 0;
};

// One line of a transcript: a message or what happened.
struct TranscriptItem {
  uint64_t seq = 0;   // the event's version: 1, 2, ...
  std::string kind;   // "started", "message", "accepted", "transferred",
                      // "ended", "case_linked", "transcript_mailed"
  std::string author_id;
  std::string author_name;
  fb::Role author_role = fb::Role::Customer;
  std::string text;   // the message; the topic; a transfer's note
  std::string client_message_id;
  std::string queue;  // started, accepted: the queue; transferred: the new one
  std::string from_queue;
  std::string case_number;
  bool case_opened = false;
  std::optional<fb::ChatEndReason> end_reason;
  int64_t at_us = 0;
};

// An agent's presence as last changed (AgentPresenceChanged).
struct AgentPresenceView {
  std::string user_id;
  std::string name;
  bool online = false;
  std::vector<std::string> queues;  // online: the queues they take chats of
  int64_t until_us = 0;             // online until then unless renewed
  int64_t changed_at_us = 0;
  uint64_t version = 0;

  // Online at `now_us`: online, and the lease has not run out (its end
  // takes them offline by an event that may still be on its way).
  bool OnlineAt(int64_t now_us) const { return online && until_us > now_us; }
  bool Takes(std::string_view queue) const;
};

struct QueueStats {
  int64_t waiting = 0;
  int64_t oldest_queued_at_us = 0;  // 0 when none waits
};

struct ConversationPage {
  std::vector<ConversationView> rows;
  bool more = false;  // rows were left off at `limit`
};

class ChatQueries {
 public:
  // `store` (opened with ChatProjection's families) must outlive this.
  explicit ChatQueries(const ReadStore* store) : store_(store) {}

  // nullopt when there is no such conversation.
  Result<std::optional<ConversationView>> Conversation(std::string_view id) const;
  // Items with seq > `after`, oldest first, at most `limit`.
  Result<std::vector<TranscriptItem>> Transcript(std::string_view id, uint64_t after,
                                                 size_t limit) const;
  // The conversations waiting in `queue`, longest waiting first.
  Result<ConversationPage> Waiting(std::string_view queue, size_t limit) const;
  // How many wait in `queue`, and since when the longest. Walks the
  // queue's keys (no row is read).
  Result<QueueStats> Queue(std::string_view queue) const;
  // How many wait in `queue` before the one that entered it at
  // `queued_at_us` with id `id` (0: it is next).
  Result<int64_t> PlaceInQueue(std::string_view queue, int64_t queued_at_us,
                               std::string_view id) const;
  // A customer's conversations, newest first; `open_only` skips ended ones.
  Result<ConversationPage> OfCustomer(std::string_view user_id, size_t limit,
                                      bool open_only) const;
  // An agent's conversations (those they accepted), newest first.
  Result<ConversationPage> OfAgent(std::string_view user_id, size_t limit, bool open_only) const;
  // An agent's presence; nullopt when they never went online.
  Result<std::optional<AgentPresenceView>> Agent(std::string_view user_id) const;
  // The agents online at `now_us` (OnlineAt). Walks every agent's row: a
  // support desk has tens or hundreds, not millions.
  Result<std::vector<AgentPresenceView>> AgentsOnline(int64_t now_us) const;

 private:
  Result<ConversationPage> Indexed(ChatCf cf, std::string_view user_id, size_t limit,
                                   bool open_only) const;

  const ReadStore* store_;
};

// Row encoding (JSON) and keys, shared by the projection and the queries.
std::string EncodeConversation(const ConversationView& c);
Result<ConversationView> DecodeConversation(std::string_view row);
std::string EncodeTranscriptItem(const TranscriptItem& t);
Result<TranscriptItem> DecodeTranscriptItem(std::string_view row);
std::string EncodeAgentPresence(const AgentPresenceView& a);
Result<AgentPresenceView> DecodeAgentPresence(std::string_view row);
std::string TranscriptKey(std::string_view id, uint64_t seq);
std::string WaitingKey(std::string_view queue, int64_t queued_at_us, std::string_view id);
// by_customer and by_agent keys: <user id> \0 <inv µs> <id>.
std::string PersonKey(std::string_view user_id, int64_t at_us, std::string_view id);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CHAT_CHAT_QUERIES_H_
