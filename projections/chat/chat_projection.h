// The chat projection: conversations, their transcripts and the indexes the
// customer, the agents and the queues read, on RocksDB, folded from
// docket.chat.events:
//
//   ConversationStarted      the conversation's row; transcript item 1; it
//                            waits in its queue; the customer's index
//   ChatMessagePosted        a transcript item; the row's message count and
//                            last activity
//   ConversationAccepted     the row (agent, active); out of the queue; the
//                            agent's index
//   ConversationTransferred  the row (waiting, new queue, no agent); into
//                            the other queue, at the end
//   ConversationEnded        the row (ended, why); out of the queue
//   ConversationCaseLinked   the row's cases; a transcript item
//   ChatTranscriptRequested  a transcript item
//   AgentPresenceChanged     the agent's presence row (aggregate "agent-" +
//                            user id)
//
// Every event is a transcript item at its version, so a client that has
// item N asks for those after N and misses nothing, doubles nothing.
//
// Pure: no Kafka, no clock, no logging; all it reads is the Txn.
// Idempotent by version: the row keeps the last version applied; an event
// at or below it is kAlreadyApplied.
// Errors (Apply):
//   kFailedPrecondition  an event of another context: the runner parks it.
//   kDataLoss            an event before the conversation's start, or a
//                        stored row that does not parse.
//   other                the store failed.
//
// Key layouts (families ChatCf; times are 16 hex digits of µs, "inv" the
// same of 2^64-1-µs so that the newest sorts first):
//   conversations  <id>                           conversation JSON
//   transcript     <id> \0 <version, 10 digits>   transcript item JSON
//   waiting        <queue> \0 <µs queued> <id>    "" (oldest first)
//   by_customer    <user id> \0 <inv µs started> <id>   ""
//   by_agent       <user id> \0 <inv µs accepted> <id>  ""
//   agents         <user id>                      agent presence JSON
#ifndef DOCKET_PROJECTIONS_CHAT_CHAT_PROJECTION_H_
#define DOCKET_PROJECTIONS_CHAT_CHAT_PROJECTION_H_

#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "projections/projection.h"
#include "projections/read_store.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

enum class ChatCf : int {
  kConversations = kFirstContextFamily,
  kTranscript,
  kWaiting,
  kByCustomer,
  kByAgent,
  kAgents,
};

Result<ApplyOutcome> ApplyChatEvent(const fb::EventEnvelopeT& event, Txn& txn);

// Thread-safe; its appliers hold no state.
class ChatProjection final : public Projection {
 public:
  std::string_view context() const override { return "chat"; }
  std::vector<FamilySpec> Families() const override;
  std::unique_ptr<EventApplier> NewApplier() const override;
};

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CHAT_CHAT_PROJECTION_H_
