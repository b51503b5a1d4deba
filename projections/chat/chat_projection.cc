#include "projections/chat/chat_projection.h"

#include <string>

#include "projections/chat/chat_queries.h"

namespace docket::projections {
namespace {

class ChatApplier final : public EventApplier {
 public:
  Result<ApplyOutcome> Apply(const fb::EventEnvelopeT& event, Txn& txn) override {
    return ApplyChatEvent(event, txn);
  }
};

bool IsChatEvent(fb::Event t) {
  switch (t) {
    case fb::Event::ConversationStarted:
    case fb::Event::ChatMessagePosted:
    case fb::Event::ConversationAccepted:
    case fb::Event::ConversationTransferred:
    case fb::Event::ConversationEnded:
    case fb::Event::ConversationCaseLinked:
    case fb::Event::AgentPresenceChanged:
    case fb::Event::ChatTranscriptRequested:
      return true;
    default:
      return false;
  }
}

// The transcript item every event is, with what its type adds filled in by
// the caller.
TranscriptItem ItemOf(const fb::EventEnvelopeT& e, std::string kind) {
  TranscriptItem t;
  t.seq = e.version;
  t.kind = std::move(kind);
  if (e.actor) {
    t.author_id = e.actor->user_id;
    t.author_name = e.actor->display_name;
    t.author_role = e.actor->role;
  }
  t.at_us = e.occurred_at_us;
  return t;
}

// An agent's presence: their row in `agents`, by user id.
Result<ApplyOutcome> ApplyPresence(const fb::EventEnvelopeT& e, Txn& txn) {
  constexpr std::string_view kPrefix = "agent-";
  if (!std::string_view(e.aggregate_id).starts_with(kPrefix)) {
    return DataLossError("chat: AgentPresenceChanged on " + e.aggregate_id +
                         ", not an agent's presence");
  }
  const std::string user_id = e.aggregate_id.substr(kPrefix.size());
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(ChatCf::kAgents, user_id));
  AgentPresenceView a;
  if (row) {
    DOCKET_ASSIGN_OR_RETURN(a, DecodeAgentPresence(*row));
    if (e.version <= a.version) return ApplyOutcome::kAlreadyApplied;
  }
  const auto* p = e.event.AsAgentPresenceChanged();
  a.user_id = user_id;
  if (!p->agent_name.empty()) a.name = p->agent_name;  // the timer's event has none
  a.online = p->online;
  a.queues = p->queues;
  a.until_us = p->until_us;
  a.changed_at_us = e.occurred_at_us;
  a.version = e.version;
  txn.Put(ChatCf::kAgents, user_id, EncodeAgentPresence(a));
  return ApplyOutcome::kApplied;
}

}  // namespace

Result<ApplyOutcome> ApplyChatEvent(const fb::EventEnvelopeT& e, Txn& txn) {
  if (!IsChatEvent(e.event.type)) {
    return FailedPreconditionError(std::string(fb::EnumNameEvent(e.event.type)) +
                                   " does not belong to the chat context");
  }
  if (e.event.type == fb::Event::AgentPresenceChanged) return ApplyPresence(e, txn);
  const std::string& id = e.aggregate_id;
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(ChatCf::kConversations, id));
  ConversationView c;
  if (row) {
    DOCKET_ASSIGN_OR_RETURN(c, DecodeConversation(*row));
    if (e.version <= c.version) return ApplyOutcome::kAlreadyApplied;
  } else if (e.event.type != fb::Event::ConversationStarted) {
    return DataLossError("chat: " + std::string(fb::EnumNameEvent(e.event.type)) + " on " + id +
                         " before ConversationStarted");
  }
  const int64_t at = e.occurred_at_us;
  TranscriptItem item;
  switch (e.event.type) {
    case fb::Event::ConversationStarted: {
      const auto* s = e.event.AsConversationStarted();
      c.id = id;
      c.queue = s->queue;
      c.state = fb::ConversationState::Waiting;
      c.topic = s->topic;
      c.customer_id = e.actor ? e.actor->user_id : "";
      c.customer_name = s->customer_name;
      c.account_ids = s->account_ids;
      c.started_at_us = at;
      c.queued_at_us = at;
      c.last_activity_us = at;
      txn.Put(ChatCf::kWaiting, WaitingKey(c.queue, at, id), "");
      txn.Put(ChatCf::kByCustomer, PersonKey(c.customer_id, at, id), "");
      item = ItemOf(e, "started");
      item.text = s->topic;
      item.queue = s->queue;
      break;
    }
    case fb::Event::ChatMessagePosted: {
      const auto* m = e.event.AsChatMessagePosted();
      ++c.messages;
      c.last_activity_us = at;
      item = ItemOf(e, "message");
      item.text = m->text;
      item.client_message_id = m->client_message_id;
      break;
    }
    case fb::Event::ConversationAccepted: {
      txn.Delete(ChatCf::kWaiting, WaitingKey(c.queue, c.queued_at_us, id));
      c.state = fb::ConversationState::Active;
      c.agent_id = e.actor ? e.actor->user_id : "";
      c.agent_name = e.event.AsConversationAccepted()->agent_name;
      c.accepted_at_us = at;
      c.last_activity_us = at;
      txn.Put(ChatCf::kByAgent, PersonKey(c.agent_id, at, id), "");
      item = ItemOf(e, "accepted");
      item.queue = c.queue;
      break;
    }
    case fb::Event::ConversationTransferred: {
      const auto* t = e.event.AsConversationTransferred();
      if (c.state == fb::ConversationState::Waiting) {
        txn.Delete(ChatCf::kWaiting, WaitingKey(c.queue, c.queued_at_us, id));
      } else if (!c.agent_id.empty()) {
        txn.Delete(ChatCf::kByAgent, PersonKey(c.agent_id, c.accepted_at_us, id));
      }
      c.state = fb::ConversationState::Waiting;
      c.queue = t->to_queue;
      c.agent_id.clear();
      c.agent_name.clear();
      c.accepted_at_us = 0;
      c.queued_at_us = at;
      c.last_activity_us = at;
      txn.Put(ChatCf::kWaiting, WaitingKey(c.queue, at, id), "");
      item = ItemOf(e, "transferred");
      item.text = t->note;
      item.queue = t->to_queue;
      item.from_queue = t->from_queue;
      break;
    }
    case fb::Event::ConversationEnded: {
      if (c.state == fb::ConversationState::Waiting) {
        txn.Delete(ChatCf::kWaiting, WaitingKey(c.queue, c.queued_at_us, id));
      }
      c.state = fb::ConversationState::Ended;
      c.ended_at_us = at;
      c.end_reason = e.event.AsConversationEnded()->reason;
      item = ItemOf(e, "ended");
      item.end_reason = c.end_reason;
      break;
    }
    case fb::Event::ConversationCaseLinked: {
      const auto* l = e.event.AsConversationCaseLinked();
      c.case_numbers.push_back(l->case_number);
      item = ItemOf(e, "case_linked");
      item.case_number = l->case_number;
      item.case_opened = l->opened;
      break;
    }
    case fb::Event::ChatTranscriptRequested:
      item = ItemOf(e, "transcript_mailed");
      break;
    default:
      break;  // refused above
  }
  c.version = e.version;
  txn.Put(ChatCf::kConversations, id, EncodeConversation(c));
  txn.Put(ChatCf::kTranscript, TranscriptKey(id, e.version), EncodeTranscriptItem(item));
  return ApplyOutcome::kApplied;
}

std::vector<FamilySpec> ChatProjection::Families() const {
  return {{"conversations"}, {"transcript"}, {"waiting"}, {"by_customer"}, {"by_agent"},
          {"agents"}};
}

std::unique_ptr<EventApplier> ChatProjection::NewApplier() const {
  return std::make_unique<ChatApplier>();
}

}  // namespace docket::projections
