// The chat context's samples of events/testdata.h.
#include "events/testdata_internal.h"

namespace docket::events::testdata {

// One of every chat event: a conversation's, and an agent's presence.
void AddChatEvents(std::vector<fb::EventEnvelopeT>& out) {
  const std::string id = "chat-0123456789abcdef01234567";
  {
    fb::ConversationStartedT p;
    p.queue = "support";
    p.topic = "My line is down";
    p.customer_name = "Ann Lee";
    p.account_ids = {"ACC-1001"};
    out.push_back(Wrap(id, 1, std::move(p)));
  }
  {
    fb::ChatMessagePostedT p;
    p.client_message_id = "m-1";
    p.text = "Hello, is anyone there? Ça va";
    out.push_back(Wrap(id, 2, std::move(p)));
  }
  {
    fb::ConversationAcceptedT p;
    p.queue = "support";
    p.agent_name = "Sam Staff";
    out.push_back(Wrap(id, 3, std::move(p)));
  }
  {
    fb::ConversationTransferredT p;
    p.from_queue = "support";
    p.to_queue = "sales";
    p.note = "wants a faster line";
    out.push_back(Wrap(id, 4, std::move(p)));
  }
  {
    fb::ConversationEndedT p;
    p.reason = fb::ChatEndReason::Idle;
    out.push_back(Wrap(id, 5, std::move(p)));
  }
  {
    fb::ConversationCaseLinkedT p;
    p.case_number = "CS00000050455";
    p.opened = true;
    out.push_back(Wrap(id, 6, std::move(p)));
  }
  out.push_back(Wrap(id, 7, fb::ChatTranscriptRequestedT{}));
  {
    fb::AgentPresenceChangedT p;
    p.online = true;
    p.queues = {"support", "sales"};
    p.until_us = 1'795'000'120'000'000;
    p.agent_name = "Sam Staff";
    out.push_back(Wrap("agent-u-0042", 1, std::move(p)));
  }
}

void AddChatCommands(std::vector<fb::CommandEnvelopeT>& out, int& n) {
  {
    fb::StartConversationT p;
    p.queue = "support";
    p.topic = "My line is down";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::PostChatMessageT p;
    p.client_message_id = "m-1";
    p.text = "Hello";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  out.push_back(WrapCommand(++n, fb::AcceptConversationT{}));
  {
    fb::TransferConversationT p;
    p.queue = "sales";
    p.note = "wants a faster line";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  out.push_back(WrapCommand(++n, fb::EndConversationT{}));
  {
    fb::LinkConversationCaseT p;
    p.case_number = "CS00000050455";
    p.opened = true;
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  out.push_back(WrapCommand(++n, fb::RequestChatTranscriptT{}));
  {
    fb::SetAgentPresenceT p;
    p.online = true;
    p.queues = {"support"};
    out.push_back(WrapCommand(++n, std::move(p)));
  }
}

}  // namespace docket::events::testdata
