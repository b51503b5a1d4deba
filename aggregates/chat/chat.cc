#include "aggregates/chat/chat.h"

#include <algorithm>
#include <set>

namespace docket::aggregates {
namespace {

bool IsQueueId(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

Status ChatLimits::Validate() const {
  if (queues.empty()) return InvalidArgumentError("chat: at least one queue is needed");
  std::set<std::string> seen;
  for (const ChatQueue& q : queues) {
    if (!IsQueueId(q.id)) {
      return InvalidArgumentError("chat: queue id '" + q.id +
                                  "' must be 1..32 of a-z, 0-9 and '-'");
    }
    if (!seen.insert(q.id).second) {
      return InvalidArgumentError("chat: queue id '" + q.id + "' is given twice");
    }
    if (q.name.empty()) return InvalidArgumentError("chat: queue '" + q.id + "' has no name");
  }
  if (max_message_chars == 0 || max_topic_chars == 0 || max_note_chars == 0 ||
      max_linked_cases == 0 || max_transcript_mails <= 0) {
    return InvalidArgumentError("chat: every size limit must be at least 1");
  }
  if (idle_timeout < std::chrono::seconds(1)) {
    return InvalidArgumentError("chat: the idle timeout must be at least one second");
  }
  if (presence_lease < std::chrono::seconds(1)) {
    return InvalidArgumentError("chat: the presence lease must be at least one second");
  }
  return Status::Ok();
}

const ChatQueue* ChatLimits::Queue(std::string_view id) const {
  for (const ChatQueue& q : queues) {
    if (q.id == id) return &q;
  }
  return nullptr;
}

bool IsConversationId(std::string_view id) {
  return id.size() == 29 && id.substr(0, 5) == "chat-" &&
         id.substr(5).find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string AgentPresenceId(std::string_view user_id) {
  return "agent-" + std::string(user_id);
}

bool IsClientMessageId(std::string_view id) {
  return !id.empty() && id.size() <= 64 &&
         std::all_of(id.begin(), id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool IsCaseNumberShape(std::string_view n) {
  return n.size() == 13 && n.substr(0, 2) == "CS" &&
         n.substr(2).find_first_not_of("0123456789") == std::string_view::npos;
}

std::string_view ConversationStateName(fb::ConversationState s) {
  switch (s) {
    case fb::ConversationState::Waiting: return "waiting";
    case fb::ConversationState::Active: return "active";
    case fb::ConversationState::Ended: return "ended";
  }
  return "unknown";
}

std::string_view ChatEndReasonName(fb::ChatEndReason r) {
  switch (r) {
    case fb::ChatEndReason::Customer: return "customer";
    case fb::ChatEndReason::Agent: return "agent";
    case fb::ChatEndReason::Idle: return "idle";
  }
  return "unknown";
}

}  // namespace docket::aggregates
