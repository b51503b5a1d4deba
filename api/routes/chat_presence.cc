// Agents' presence (GET and PUT /api/v1/chat/presence): an agent goes
// online for the queues they take chats of, for the configured lease,
// which their console renews; or offline. GET /api/v1/chat/queues counts
// the agents online in each queue, so a customer's chat says when nobody
// is there (and offers to leave a message).
#include <algorithm>

#include "api/problem.h"
#include "api/projector_model.h"
#include "api/routes/chat.h"
#include "common/time_format.h"

namespace docket::api {
namespace {

using nlohmann::json;
using projections::AgentPresenceView;
using projections::ChatQueries;

}  // namespace

json ChatRoutes::PresenceJson(const std::optional<AgentPresenceView>& a) const {
  const int64_t now = s_->clock.NowMicros();
  const bool online = a && a->OnlineAt(now);
  return {{"online", online},
          {"queues", online ? json(a->queues) : json::array()},
          {"until", online ? json(FormatMicros(a->until_us)) : json(nullptr)},
          {"lease_s", options_.limits.presence_lease.count() / 1'000'000}};
}

Reply ChatRoutes::Presence(Call& call) {
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  DOCKET_ASSIGN_OR_REPLY(std::optional<AgentPresenceView> a,
                         OrProblem(q->Agent(call.caller().user_id)));
  return JsonReply(200, PresenceJson(a));
}

Reply ChatRoutes::SetPresence(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"online", "queues"}));
  fb::SetAgentPresenceT p;
  p.online = b.Bool("online", true).value_or(false);
  p.queues = b.StrList("queues", options_.limits.queues.size(), 32);
  for (const std::string& queue : p.queues) {
    if (!options_.limits.Queue(queue)) b.Fail("queues", queue + " is not a chat queue");
  }
  if (p.online && p.queues.empty() && !b.Has("queues")) {
    // Online without naming queues: every queue.
    for (const aggregates::ChatQueue& queue : options_.limits.queues) p.queues.push_back(queue.id);
  } else if (p.online && p.queues.empty()) {
    b.Fail("queues", "must name a queue to be online for");
  }
  if (!p.online) p.queues.clear();
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const std::string id = aggregates::AgentPresenceId(call.caller().user_id);
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), id);
  cmd.command.Set(std::move(p));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  DOCKET_ASSIGN_OR_REPLY(std::optional<AgentPresenceView> a,
                         OrProblem(q->Agent(call.caller().user_id)));
  Reply r = JsonReply(200, PresenceJson(a));
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

Result<std::map<std::string, int64_t>> ChatRoutes::AgentsOnline(const ChatQueries& q) const {
  DOCKET_ASSIGN_OR_RETURN(std::vector<AgentPresenceView> online,
                          q.AgentsOnline(s_->clock.NowMicros()));
  std::map<std::string, int64_t> out;
  for (const AgentPresenceView& a : online) {
    for (const std::string& queue : a.queues) ++out[queue];
  }
  return out;
}

}  // namespace docket::api
