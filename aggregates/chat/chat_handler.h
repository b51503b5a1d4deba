// The chat context's AggregateHandler (schemas/chat.fbs): one conversation
// per aggregate, id "chat-" + 24 hex given by the gateway (GivenIdHandler).
//
// Rules (each rejection's rule name in quotes; docs/chat.md):
//   StartConversation     customers only ("chat.customers_only"), a new id
//                         ("chat.exists", "chat.id"), a configured queue
//                         ("chat.queue"), a topic of at most
//                         max_topic_chars ("chat.topic").
//   every other command   the conversation exists, and a customer acts on
//                         their own only: another's is "chat.not_found",
//                         worded like a missing one.
//   PostChatMessage       not ended ("chat.ended"); the customer, or the
//                         agent who has it ("chat.not_your_conversation");
//                         1..max_message_chars ("chat.message"); a client
//                         message id ("chat.client_message_id").
//   AcceptConversation    agents (staff) only ("chat.agents_only"); waiting
//                         ("chat.not_waiting": another agent was first).
//   TransferConversation  agents only; not ended; its own agent when active;
//                         another configured queue ("chat.queue",
//                         "chat.same_queue"); back to waiting there.
//   EndConversation       not ended; the customer, its agent (any agent
//                         while it waits), or the idle timer (System).
//   LinkConversationCase  the customer or an agent, also once ended; a case
//                         number ("chat.case_number"), not linked before
//                         ("chat.case_linked"), at most max_linked_cases.
//   RequestChatTranscript the customer only ("chat.customer_only"), also once
//                         ended; at most max_transcript_mails times
//                         ("chat.too_many_transcripts"): the notifier mails
//                         the transcript (consumers/chat/chat_mails.h).
//   SetAgentPresence      on aggregate "agent-" + a user id (AgentPresenceId),
//                         never a conversation's ("chat.presence_id"):
//                         agents only, each their own ("chat.presence_id");
//                         online for one or more configured queues, none
//                         twice ("chat.queue"), until now + presence_lease
//                         (again to renew); offline any time. The System
//                         actor only takes an online agent offline
//                         ("chat.offline").
//
// Timers: a conversation that is not ended is due at its last activity
// (start, message, accept, transfer) + idle_timeout; its TimerCommand is an
// EndConversation by the System actor. An online agent is due at the end of
// their lease; its TimerCommand takes them offline. Both carry a command id
// of the aggregate and version ("chat-idle/…", "chat-presence/…") and that
// version as expected, so a repeat is deduplicated and a renewal meanwhile
// wins.
//
// Pure, thread-safe.
#ifndef DOCKET_AGGREGATES_CHAT_CHAT_HANDLER_H_
#define DOCKET_AGGREGATES_CHAT_CHAT_HANDLER_H_

#include "aggregates/chat/chat.h"
#include "aggregates/given_id_handler.h"

namespace docket::aggregates {

class ChatHandler final : public GivenIdHandler {
 public:
  explicit ChatHandler(ChatLimits limits) : limits_(std::move(limits)) {}

  std::string_view context() const override { return "chat"; }
  bool Handles(fb::Command type) const override;
  Decision Decide(std::string_view state, const fb::CommandEnvelopeT& command,
                  int64_t now_us, const std::string& new_id) const override;
  std::optional<int64_t> TimerDueAt(std::string_view state) const override;
  std::optional<fb::CommandEnvelopeT> TimerCommand(std::string_view state,
                                                   int64_t now_us) const override;

 protected:
  Status Fold(fb::PortalSnapshotT& snapshot, const fb::EventEnvelopeT& event) const override;

 private:
  Decision DecideOnConversation(const fb::PortalSnapshotT& s,
                                const fb::CommandEnvelopeT& cmd) const;
  Decision DecideOnPresence(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                            int64_t now_us) const;

  ChatLimits limits_;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_CHAT_CHAT_HANDLER_H_
