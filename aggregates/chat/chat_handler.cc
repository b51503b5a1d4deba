#include "aggregates/chat/chat_handler.h"

#include <algorithm>

#include "aggregates/rules.h"
#include "events/envelope.h"

namespace docket::aggregates {
namespace {

using fb::ConversationState;
using fb::ResultCode;
using fb::Role;

bool IsAgent(const fb::ActorT& a) { return a.role == Role::Staff || a.role == Role::Admin; }

Rejection NotFound(const std::string& id) {
  return Reject(ResultCode::NotFound, "chat.not_found", "conversation " + id + " not found");
}

Rejection AgentsOnly(const std::string& what) {
  return Reject(ResultCode::PermissionDenied, "chat.agents_only", "only agents " + what);
}

Rejection NotYours(const std::string& id) {
  return Reject(ResultCode::FailedPrecondition, "chat.not_your_conversation",
                "conversation " + id + " is with another agent");
}

// Folding needs a conversation: events before ConversationStarted are out
// of order.
Result<fb::ConversationSnapshotT*> Conversation(fb::PortalSnapshotT& s,
                                                const fb::EventEnvelopeT& env) {
  if (!s.conversation) {
    return DataLossError(std::string("event ") + fb::EnumNameEvent(env.event.type) + " on " +
                         env.aggregate_id + " before ConversationStarted");
  }
  return s.conversation.get();
}

Result<fb::PortalSnapshotT> LoadState(std::string_view state) {
  if (state.empty()) return fb::PortalSnapshotT{};
  return events::DecodePortalSnapshot(state);
}

}  // namespace

bool ChatHandler::Handles(fb::Command type) const {
  switch (type) {
    case fb::Command::StartConversation:
    case fb::Command::PostChatMessage:
    case fb::Command::AcceptConversation:
    case fb::Command::TransferConversation:
    case fb::Command::EndConversation:
    case fb::Command::LinkConversationCase:
    case fb::Command::SetAgentPresence:
    case fb::Command::RequestChatTranscript:
      return true;
    default:
      return false;
  }
}

Decision ChatHandler::Decide(std::string_view state, const fb::CommandEnvelopeT& cmd,
                             int64_t now_us, const std::string&) const {
  return DecideOn(state, cmd, [&](const fb::PortalSnapshotT& s) -> Decision {
    if (!Handles(cmd.command.type)) return NotThisContext(cmd, "a chat command");
    if (cmd.command.type == fb::Command::SetAgentPresence) return DecideOnPresence(s, cmd, now_us);
    if (cmd.command.type != fb::Command::StartConversation) return DecideOnConversation(s, cmd);
    const auto& c = *cmd.command.AsStartConversation();
    if (cmd.actor->role != Role::Customer) {
      return Reject(ResultCode::PermissionDenied, "chat.customers_only",
                    "only customers start a chat");
    }
    if (!s.aggregate_id.empty()) {
      return Reject(ResultCode::AlreadyExists, "chat.exists",
                    "conversation " + cmd.aggregate_id + " already exists");
    }
    if (!IsConversationId(cmd.aggregate_id)) {
      return Invalid("chat.id", "id", "must be chat- and 24 hex digits");
    }
    if (!limits_.Queue(c.queue)) return Invalid("chat.queue", "queue", "is not a chat queue");
    if (auto r = CheckText(c.topic, "topic", 0, limits_.max_topic_chars, "chat.topic")) return *r;
    fb::ConversationStartedT e;
    e.queue = c.queue;
    e.topic = c.topic;
    e.customer_name = cmd.actor->display_name;
    e.account_ids = cmd.actor->account_ids;
    Events out;
    out.emplace_back().Set(std::move(e));
    return out;
  });
}

Decision ChatHandler::DecideOnPresence(const fb::PortalSnapshotT& s,
                                       const fb::CommandEnvelopeT& cmd, int64_t now_us) const {
  const fb::ActorT& who = *cmd.actor;
  const auto& c = *cmd.command.AsSetAgentPresence();
  if (!s.aggregate_id.empty() && !s.agent) {
    return Invalid("chat.presence_id", "id", "is not an agent's presence");
  }
  fb::AgentPresenceChangedT e;
  if (who.role == Role::System) {
    // The lease ran out (the timer): offline, unless renewed meanwhile (the
    // timer's expected version then conflicts).
    if (c.online) return AgentsOnly("go online");
    if (!s.agent || !s.agent->online) {
      return Reject(ResultCode::FailedPrecondition, "chat.offline",
                    cmd.aggregate_id + " is offline already");
    }
  } else {
    if (!IsAgent(who)) return AgentsOnly("go online");
    if (cmd.aggregate_id != AgentPresenceId(who.user_id)) {
      return Reject(ResultCode::PermissionDenied, "chat.presence_id",
                    "agents set only their own presence");
    }
    if (c.online) {
      if (c.queues.empty()) return Invalid("chat.queue", "queues", "must name a queue");
      std::vector<std::string> seen;
      for (const std::string& q : c.queues) {
        if (!limits_.Queue(q)) return Invalid("chat.queue", "queues", q + " is not a chat queue");
        if (std::find(seen.begin(), seen.end(), q) != seen.end()) {
          return Invalid("chat.queue", "queues", q + " is given twice");
        }
        seen.push_back(q);
      }
      e.online = true;
      e.queues = c.queues;
      e.until_us = now_us + limits_.presence_lease.count();
    }
    e.agent_name = who.display_name;
  }
  Events out;
  out.emplace_back().Set(std::move(e));
  return out;
}

Decision ChatHandler::DecideOnConversation(const fb::PortalSnapshotT& s,
                                           const fb::CommandEnvelopeT& cmd) const {
  const fb::ActorT& who = *cmd.actor;
  if (!s.conversation) return NotFound(cmd.aggregate_id);
  const fb::ConversationSnapshotT& conv = *s.conversation;
  const bool customer = who.role == Role::Customer;
  if (customer && who.user_id != conv.customer_id) return NotFound(cmd.aggregate_id);
  const bool ended = conv.state == ConversationState::Ended;
  const bool its_agent = conv.state == ConversationState::Active && conv.agent_id == who.user_id;
  auto ended_rejection = [&] {
    return Reject(ResultCode::FailedPrecondition, "chat.ended",
                  "conversation " + cmd.aggregate_id + " has ended");
  };
  Events out;
  switch (cmd.command.type) {
    case fb::Command::PostChatMessage: {
      const auto& c = *cmd.command.AsPostChatMessage();
      if (ended) return ended_rejection();
      if (!customer && !its_agent) return NotYours(cmd.aggregate_id);
      if (!IsClientMessageId(c.client_message_id)) {
        return Invalid("chat.client_message_id", "client_message_id",
                       "must be 1..64 printable ASCII characters");
      }
      if (auto r = CheckText(c.text, "text", 1, limits_.max_message_chars, "chat.message")) {
        return *r;
      }
      fb::ChatMessagePostedT e;
      e.client_message_id = c.client_message_id;
      e.text = c.text;
      out.emplace_back().Set(std::move(e));
      return out;
    }
    case fb::Command::AcceptConversation: {
      if (!IsAgent(who)) {
        return AgentsOnly("accept a chat");
      }
      if (conv.state != ConversationState::Waiting) {
        return Reject(ResultCode::FailedPrecondition, "chat.not_waiting",
                      "conversation " + cmd.aggregate_id + " is " +
                          std::string(ConversationStateName(conv.state)) + ", not waiting");
      }
      fb::ConversationAcceptedT e;
      e.queue = conv.queue;
      e.agent_name = who.display_name;
      out.emplace_back().Set(std::move(e));
      return out;
    }
    case fb::Command::TransferConversation: {
      const auto& c = *cmd.command.AsTransferConversation();
      if (!IsAgent(who)) {
        return AgentsOnly("transfer a chat");
      }
      if (ended) return ended_rejection();
      if (conv.state == ConversationState::Active && !its_agent) return NotYours(cmd.aggregate_id);
      if (!limits_.Queue(c.queue)) return Invalid("chat.queue", "queue", "is not a chat queue");
      if (c.queue == conv.queue) {
        return Reject(ResultCode::FailedPrecondition, "chat.same_queue",
                      "conversation " + cmd.aggregate_id + " is in queue " + c.queue + " already");
      }
      if (auto r = CheckText(c.note, "note", 0, limits_.max_note_chars, "chat.note")) return *r;
      fb::ConversationTransferredT e;
      e.from_queue = conv.queue;
      e.to_queue = c.queue;
      e.note = c.note;
      out.emplace_back().Set(std::move(e));
      return out;
    }
    case fb::Command::EndConversation: {
      if (ended) return ended_rejection();
      fb::ConversationEndedT e;
      if (customer) {
        e.reason = fb::ChatEndReason::Customer;
      } else if (who.role == Role::System) {
        e.reason = fb::ChatEndReason::Idle;
      } else {
        if (conv.state == ConversationState::Active && !its_agent) {
          return NotYours(cmd.aggregate_id);
        }
        e.reason = fb::ChatEndReason::Agent;
      }
      out.emplace_back().Set(std::move(e));
      return out;
    }
    case fb::Command::LinkConversationCase: {
      const auto& c = *cmd.command.AsLinkConversationCase();
      if (!customer && !IsAgent(who)) {
        return AgentsOnly("and the chat's customer link a case");
      }
      if (!IsCaseNumberShape(c.case_number)) {
        return Invalid("chat.case_number", "case_number", "must be CS and 11 digits");
      }
      if (std::find(conv.case_numbers.begin(), conv.case_numbers.end(), c.case_number) !=
          conv.case_numbers.end()) {
        return Reject(ResultCode::FailedPrecondition, "chat.case_linked",
                      "case " + c.case_number + " is linked to " + cmd.aggregate_id + " already");
      }
      if (conv.case_numbers.size() >= limits_.max_linked_cases) {
        return Reject(ResultCode::FailedPrecondition, "chat.too_many_cases",
                      "conversation " + cmd.aggregate_id + " has " +
                          std::to_string(limits_.max_linked_cases) + " cases linked already");
      }
      fb::ConversationCaseLinkedT e;
      e.case_number = c.case_number;
      e.opened = c.opened;
      out.emplace_back().Set(std::move(e));
      return out;
    }
    case fb::Command::RequestChatTranscript: {
      if (!customer) {
        return Reject(ResultCode::PermissionDenied, "chat.customer_only",
                      "only the chat's customer has its transcript mailed");
      }
      if (conv.transcripts_requested >= limits_.max_transcript_mails) {
        return Reject(ResultCode::FailedPrecondition, "chat.too_many_transcripts",
                      "the transcript of " + cmd.aggregate_id + " was mailed " +
                          std::to_string(limits_.max_transcript_mails) + " times already");
      }
      out.emplace_back().Set(fb::ChatTranscriptRequestedT{});
      return out;
    }
    default:
      return NotThisContext(cmd, "a chat command");
  }
}

Status ChatHandler::Fold(fb::PortalSnapshotT& s, const fb::EventEnvelopeT& env) const {
  const fb::EventUnion& e = env.event;
  const int64_t at = env.occurred_at_us;
  if (e.type == fb::Event::AgentPresenceChanged) {
    if (s.conversation) return DataLossError(env.aggregate_id + " is a conversation, not an agent");
    const auto* p = e.AsAgentPresenceChanged();
    s.kind = "agent";
    if (!s.agent) s.agent = std::make_unique<fb::AgentPresenceSnapshotT>();
    s.agent->online = p->online;
    s.agent->queues = p->queues;
    s.agent->until_us = p->until_us;
    return Status::Ok();
  }
  if (e.type == fb::Event::ConversationStarted) {
    if (s.conversation || s.agent) return DataLossError(env.aggregate_id + " started twice");
    s.kind = "conversation";
    auto c = std::make_unique<fb::ConversationSnapshotT>();
    c->state = ConversationState::Waiting;
    c->queue = e.AsConversationStarted()->queue;
    c->customer_id = env.actor ? env.actor->user_id : "";
    c->started_at_us = at;
    c->last_activity_us = at;
    s.conversation = std::move(c);
    return Status::Ok();
  }
  switch (e.type) {
    case fb::Event::ChatMessagePosted: {
      DOCKET_ASSIGN_OR_RETURN(fb::ConversationSnapshotT * c, Conversation(s, env));
      c->last_activity_us = at;
      return Status::Ok();
    }
    case fb::Event::ConversationAccepted: {
      DOCKET_ASSIGN_OR_RETURN(fb::ConversationSnapshotT * c, Conversation(s, env));
      c->state = ConversationState::Active;
      c->agent_id = env.actor ? env.actor->user_id : "";
      c->last_activity_us = at;
      return Status::Ok();
    }
    case fb::Event::ConversationTransferred: {
      DOCKET_ASSIGN_OR_RETURN(fb::ConversationSnapshotT * c, Conversation(s, env));
      c->state = ConversationState::Waiting;
      c->queue = e.AsConversationTransferred()->to_queue;
      c->agent_id.clear();
      c->last_activity_us = at;
      return Status::Ok();
    }
    case fb::Event::ConversationEnded: {
      DOCKET_ASSIGN_OR_RETURN(fb::ConversationSnapshotT * c, Conversation(s, env));
      c->state = ConversationState::Ended;
      return Status::Ok();
    }
    case fb::Event::ConversationCaseLinked: {
      DOCKET_ASSIGN_OR_RETURN(fb::ConversationSnapshotT * c, Conversation(s, env));
      c->case_numbers.push_back(e.AsConversationCaseLinked()->case_number);
      return Status::Ok();
    }
    case fb::Event::ChatTranscriptRequested: {
      DOCKET_ASSIGN_OR_RETURN(fb::ConversationSnapshotT * c, Conversation(s, env));
      ++c->transcripts_requested;
      return Status::Ok();
    }
    default:
      return DataLossError(std::string("event ") + fb::EnumNameEvent(e.type) +
                           " does not belong to the chat context");
  }
}

std::optional<int64_t> ChatHandler::TimerDueAt(std::string_view state) const {
  Result<fb::PortalSnapshotT> s = LoadState(state);
  if (!s.ok()) return std::nullopt;
  if (s->agent) return s->agent->online ? std::optional<int64_t>(s->agent->until_us) : std::nullopt;
  if (!s->conversation || s->conversation->state == ConversationState::Ended) {
    return std::nullopt;
  }
  return s->conversation->last_activity_us + limits_.idle_timeout.count();
}

std::optional<fb::CommandEnvelopeT> ChatHandler::TimerCommand(std::string_view state,
                                                              int64_t now_us) const {
  const std::optional<int64_t> due = TimerDueAt(state);
  if (!due || now_us < *due) return std::nullopt;
  Result<fb::PortalSnapshotT> s = LoadState(state);
  if (!s.ok()) return std::nullopt;
  const std::string timer = s->agent ? "chat-presence" : "chat-idle";
  fb::CommandEnvelopeT c =
      events::MakeCommand(s->aggregate_id, events::SystemActor(timer), /*issued_at_us=*/0);
  c.command_id = timer + "/" + s->aggregate_id + "/" + std::to_string(s->version);
  c.expected_version = static_cast<int64_t>(s->version);
  c.correlation_id = c.command_id;
  if (s->agent) {
    c.command.Set(fb::SetAgentPresenceT{});  // offline: the lease ran out
  } else {
    c.command.Set(fb::EndConversationT{});
  }
  return c;
}

}  // namespace docket::aggregates
