// The chat context's names, ids and limits that callers outside the
// aggregate need too (the gateway, the read models, the configuration).
// Pure, thread-safe.
#ifndef DOCKET_AGGREGATES_CHAT_CHAT_H_
#define DOCKET_AGGREGATES_CHAT_CHAT_H_

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "events/codec.h"

namespace docket::aggregates {

// A queue customers choose between ("Would you like to connect to?").
struct ChatQueue {
  std::string id;    // 1..32 of [a-z0-9-], e.g. "support"
  std::string name;  // shown, e.g. "Support"
};

// The chat's limits that the aggregate enforces (docs/configuration.md,
// --chat-config). The gateway adds its own (messages per second per user,
// open conversations per user).
struct ChatLimits {
  std::vector<ChatQueue> queues = {{"sales", "Sales"}, {"support", "Support"}};
  size_t max_message_chars = 2000;
  size_t max_topic_chars = 200;
  size_t max_note_chars = 1000;  // a transfer's note
  size_t max_linked_cases = 20;
  // Transcripts one conversation's customer may have mailed to them.
  int max_transcript_mails = 3;
  // A conversation nobody wrote in (or, waiting, that nobody took) for this
  // long ends itself (ChatEndReason::Idle).
  std::chrono::microseconds idle_timeout = std::chrono::minutes(30);
  // An agent who goes online is online this long unless they renew it (the
  // agent console does, every third of it) or go offline: a closed browser
  // does not leave customers waiting for an agent who is gone.
  std::chrono::microseconds presence_lease = std::chrono::minutes(2);

  // kInvalidArgument naming the bad setting: no queue, a queue id that is
  // not 1..32 of a-z, 0-9 and '-', a repeated id, an empty name, a limit of
  // zero, an idle timeout or a presence lease under one second.
  Status Validate() const;
  // The queue of `id`; nullptr when there is none.
  const ChatQueue* Queue(std::string_view id) const;
};

// "chat-" + 24 lower-case hex digits.
bool IsConversationId(std::string_view id);
// The aggregate of user `user_id`'s presence as an agent: "agent-" + the id.
std::string AgentPresenceId(std::string_view user_id);
// A sender's message id: 1..64 printable ASCII characters.
bool IsClientMessageId(std::string_view id);
// A case number's shape: "CS" + 11 digits.
bool IsCaseNumberShape(std::string_view number);

// "waiting", "active", "ended"; "unknown" otherwise.
std::string_view ConversationStateName(fb::ConversationState s);
// "customer", "agent", "idle"; "unknown" otherwise.
std::string_view ChatEndReasonName(fb::ChatEndReason r);

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_CHAT_CHAT_H_
