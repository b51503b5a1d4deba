#include "api/routes/chat.h"

#include <strings.h>

#include <algorithm>

#include "api/cross_site.h"
#include "api/problem.h"
#include "api/projector_model.h"
#include "api/request.h"
#include "api/routes/chat_socket.h"
#include "common/hash.h"
#include "common/time_format.h"
#include "events/codec.h"

namespace docket::api {
namespace {

using nlohmann::json;
using projections::ChatQueries;
using projections::ConversationView;
using projections::TranscriptItem;

constexpr size_t kMaxListSize = 100;
constexpr size_t kMaxTranscriptPage = 500;

json Time(int64_t us) { return us ? json(FormatMicros(us)) : json(nullptr); }

Reply ConversationNotFound(const std::string& id) { return NotFound("conversation " + id); }

}  // namespace

Result<ChatRoutesOptions> ParseChatConfig(const std::string& text) {
  json doc = json::parse(text, nullptr, false);
  if (!doc.is_object()) return InvalidArgumentError("--chat-config: must be a JSON object");
  ChatRoutesOptions o;
  for (const auto& [key, value] : doc.items()) {
    if (key != "queues" && key != "max_message_chars" && key != "messages_per_second" &&
        key != "message_burst" && key != "max_open_conversations" && key != "idle_timeout_s" &&
        key != "presence_lease_s" && key != "max_sockets_per_user") {
      return InvalidArgumentError("--chat-config: unknown member \"" + key + "\"");
    }
  }
  constexpr const char* kQueues =
      "--chat-config: \"queues\" must be an array of {\"id\", \"name\"} strings, with "
      "\"case_type\" and \"category\" (the case a chat opens) or neither";
  if (!doc.contains("queues") || !doc["queues"].is_array()) return InvalidArgumentError(kQueues);
  o.limits.queues.clear();
  auto is_string = [](const json& q, const char* key) {
    return q.contains(key) && q[key].is_string();
  };
  for (const auto& q : doc["queues"]) {
    if (!q.is_object() || !is_string(q, "id") || !is_string(q, "name")) {
      return InvalidArgumentError(kQueues);
    }
    const bool kind = is_string(q, "case_type") && is_string(q, "category");
    if (q.size() != (kind ? 4u : 2u)) return InvalidArgumentError(kQueues);
    o.limits.queues.push_back({q["id"].get<std::string>(), q["name"].get<std::string>()});
    if (kind) {
      o.case_kinds[q["id"].get<std::string>()] = {q["case_type"].get<std::string>(),
                                                  q["category"].get<std::string>()};
    }
  }
  auto number = [&](const char* key, double min, double max) -> Result<std::optional<double>> {
    if (!doc.contains(key)) return std::optional<double>();
    if (!doc[key].is_number() || doc[key].get<double>() < min || doc[key].get<double>() > max) {
      return InvalidArgumentError("--chat-config: \"" + std::string(key) + "\" must be a number in " +
                                  std::to_string(static_cast<int64_t>(min)) + ".." +
                                  std::to_string(static_cast<int64_t>(max)));
    }
    return std::optional<double>(doc[key].get<double>());
  };
  DOCKET_ASSIGN_OR_RETURN(auto chars, number("max_message_chars", 1, 100000));
  if (chars) o.limits.max_message_chars = static_cast<size_t>(*chars);
  DOCKET_ASSIGN_OR_RETURN(auto rate, number("messages_per_second", 0.01, 1000));
  if (rate) o.messages_per_user.per_second = *rate;
  DOCKET_ASSIGN_OR_RETURN(auto burst, number("message_burst", 1, 10000));
  if (burst) o.messages_per_user.burst = *burst;
  DOCKET_ASSIGN_OR_RETURN(auto open, number("max_open_conversations", 1, 1000));
  if (open) o.max_open_conversations_per_customer = static_cast<int>(*open);
  DOCKET_ASSIGN_OR_RETURN(auto idle, number("idle_timeout_s", 1, 7 * 24 * 3600));
  if (idle) o.limits.idle_timeout = std::chrono::seconds(static_cast<int64_t>(*idle));
  DOCKET_ASSIGN_OR_RETURN(auto lease, number("presence_lease_s", 10, 24 * 3600));
  if (lease) o.limits.presence_lease = std::chrono::seconds(static_cast<int64_t>(*lease));
  DOCKET_ASSIGN_OR_RETURN(auto sockets, number("max_sockets_per_user", 1, 10000));
  if (sockets) o.max_sockets_per_user = static_cast<int>(*sockets);
  Status valid = o.limits.Validate();
  if (!valid.ok()) return InvalidArgumentError("--chat-config: " + valid.message());
  return o;
}

json TranscriptItemJson(const TranscriptItem& t, bool for_staff) {
  json j = {{"seq", t.seq},
            {"kind", t.kind},
            {"at", FormatMicros(t.at_us)},
            {"author",
             {{"id", t.author_id},
              {"name", t.author_name},
              {"role", t.author_role == fb::Role::Customer ? "customer"
                       : t.author_role == fb::Role::System ? "system"
                                                           : "agent"}}}};
  if (t.kind == "message") {
    j["text"] = t.text;
    j["client_message_id"] = t.client_message_id;
  } else if (t.kind == "started") {
    j["topic"] = t.text;
    j["queue"] = t.queue;
  } else if (t.kind == "accepted") {
    j["queue"] = t.queue;
  } else if (t.kind == "transferred") {
    j["from_queue"] = t.from_queue;
    j["queue"] = t.queue;
    if (for_staff) j["note"] = t.text;
  } else if (t.kind == "ended") {
    j["end_reason"] =
        t.end_reason ? json(std::string(aggregates::ChatEndReasonName(*t.end_reason))) : json(nullptr);
  } else if (t.kind == "case_linked") {
    j["case_number"] = t.case_number;
    j["case_opened"] = t.case_opened;
  }  // "transcript_mailed": who asked, and when
  return j;
}

ChatRoutes::ChatRoutes(consumers::ProjectionRunner* chat, ChatRoutesOptions options,
                       ChatCases cases)
    : chat_(chat), options_(std::move(options)), cases_(std::move(cases)) {}

ChatRoutes::~ChatRoutes() = default;

Status ChatRoutes::Register(Router& router, Services& services) {
  s_ = &services;
  DOCKET_RETURN_IF_ERROR(options_.limits.Validate());
  message_limit_ = std::make_unique<RateLimiter>(options_.messages_per_user, services.clock);
  sockets_ = ConcurrencyLimit::Create(static_cast<uint64_t>(options_.max_sockets_per_user),
                                      static_cast<uint64_t>(services.options.http.max_websockets));
  hub_ = std::make_unique<ChatHub>(this);
  hub_->Start();
  using V = http::verb;
  const std::string base = "/api/v1/chat/conversations";
  router.Add(V::get, "/api/v1/chat/queues", Access::kSignedIn,
             [this](Call& c) { return Queues(c); });
  router.Add(V::post, base, Access::kSignedIn, [this](Call& c) { return Start(c); });
  router.Add(V::get, base, Access::kSignedIn, [this](Call& c) { return List(c); });
  router.Add(V::get, base + "/{id}", Access::kSignedIn, [this](Call& c) { return Get(c); });
  router.Add(V::get, base + "/{id}/transcript", Access::kSignedIn,
             [this](Call& c) { return Transcript(c); });
  router.Add(V::post, base + "/{id}/messages", Access::kSignedIn,
             [this](Call& c) { return Post(c); });
  router.Add(V::post, base + "/{id}/accept", Access::kStaff, [this](Call& c) { return Accept(c); });
  router.Add(V::post, base + "/{id}/transfer", Access::kStaff,
             [this](Call& c) { return Transfer(c); });
  router.Add(V::post, base + "/{id}/end", Access::kSignedIn, [this](Call& c) { return End(c); });
  router.Add(V::post, base + "/{id}/cases", Access::kSignedIn,
             [this](Call& c) { return Cases(c); });
  router.Add(V::post, base + "/{id}/transcript/email", Access::kSignedIn,
             [this](Call& c) { return MailTranscript(c); });
  router.Add(V::get, "/api/v1/chat/presence", Access::kStaff,
             [this](Call& c) { return Presence(c); });
  router.Add(V::put, "/api/v1/chat/presence", Access::kStaff,
             [this](Call& c) { return SetPresence(c); });
  router.Add(V::get, "/api/v1/chat/socket", Access::kSignedIn,
             [this](Call& c) { return Socket(c); });
  return Status::Ok();
}

std::string ChatRoutes::QueueName(const std::string& id) const {
  const aggregates::ChatQueue* q = options_.limits.Queue(id);
  return q ? q->name : id;  // a queue no longer configured keeps its id
}

json ChatRoutes::ConversationJson(const ConversationView& c, const ChatQueries& q) const {
  const bool waiting = c.state == fb::ConversationState::Waiting;
  json place = nullptr;
  if (waiting) {
    Result<int64_t> before = q.PlaceInQueue(c.queue, c.queued_at_us, c.id);
    if (before.ok()) place = *before + 1;
  }
  return {{"id", c.id},
          {"queue", c.queue},
          {"queue_name", QueueName(c.queue)},
          {"state", std::string(aggregates::ConversationStateName(c.state))},
          {"topic", c.topic},
          {"customer", {{"id", c.customer_id}, {"name", c.customer_name}}},
          {"account_ids", c.account_ids},
          {"agent", c.agent_id.empty() ? json(nullptr)
                                       : json{{"id", c.agent_id}, {"name", c.agent_name}}},
          {"place_in_queue", place},
          {"waiting_since", waiting ? Time(c.queued_at_us) : json(nullptr)},
          {"waited_s", waiting ? json(std::max<int64_t>(
                                     0, (s_->clock.NowMicros() - c.queued_at_us) / 1'000'000))
                               : json(nullptr)},
          {"started_at", Time(c.started_at_us)},
          {"accepted_at", Time(c.accepted_at_us)},
          {"ended_at", Time(c.ended_at_us)},
          {"end_reason", c.end_reason ? json(std::string(aggregates::ChatEndReasonName(
                                            *c.end_reason)))
                                      : json(nullptr)},
          {"last_activity_at", Time(c.last_activity_us)},
          {"messages", c.messages},
          {"case_numbers", c.case_numbers},
          {"version", c.version}};
}

OrReply<ConversationView> ChatRoutes::Visible(const Call& call, const std::string& id) const {
  if (!aggregates::IsConversationId(id)) return ConversationNotFound(id);
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  DOCKET_ASSIGN_OR_REPLY(std::optional<ConversationView> c, OrProblem(q->Conversation(id)));
  if (!c || (!call.caller().staff && c->customer_id != call.caller().user_id)) {
    return ConversationNotFound(id);
  }
  return std::move(*c);
}

Reply ChatRoutes::SendAndShow(Call& call, fb::CommandEnvelopeT command, int status,
                              const SubmitOptions& options) {
  const std::string id = command.aggregate_id;
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(command), options));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  DOCKET_ASSIGN_OR_REPLY(std::optional<ConversationView> c, OrProblem(q->Conversation(id)));
  if (!c) return CommandClient::Pending(s.result.command_id);
  Reply r = JsonReply(status, ConversationJson(*c, q.queries));
  r.Header("Location", "/api/v1/chat/conversations/" + id);
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

Reply ChatRoutes::Queues(Call& call) {
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  DOCKET_ASSIGN_OR_REPLY(auto agents, OrProblem(AgentsOnline(q.queries)));
  json data = json::array();
  for (const aggregates::ChatQueue& queue : options_.limits.queues) {
    DOCKET_ASSIGN_OR_REPLY(projections::QueueStats stats, OrProblem(q->Queue(queue.id)));
    data.push_back({{"id", queue.id},
                    {"name", queue.name},
                    {"waiting", stats.waiting},
                    {"oldest_waiting_since", Time(stats.oldest_queued_at_us)},
                    {"agents_online", agents[queue.id]}});
  }
  return JsonReply(200, {{"data", data}});
}

Reply ChatRoutes::Start(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"queue", "topic"}));
  fb::StartConversationT c;
  c.queue = b.Str("queue", true, 1, 32);
  c.topic = b.Str("topic", false, 0, options_.limits.max_topic_chars);
  if (!c.queue.empty() && !options_.limits.Queue(c.queue)) {
    b.Fail("queue", "is not a chat queue (GET /api/v1/chat/queues lists them)");
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const Principal& who = call.caller();
  if (who.role == fb::Role::Customer) {
    DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
    const size_t max = static_cast<size_t>(options_.max_open_conversations_per_customer);
    DOCKET_ASSIGN_OR_REPLY(projections::ConversationPage open,
                           OrProblem(q->OfCustomer(who.user_id, max, /*open_only=*/true)));
    if (open.rows.size() >= max) {
      return Problem(409, "conflict",
                     "you have " + std::to_string(max) +
                         " chats open already; end one before you start another",
                     {{"rule", "chat.too_many_conversations"}});
    }
  }
  // With an Idempotency-Key, a repeat must reach the same conversation.
  const std::string key = HeaderValue(call.req, "Idempotency-Key");
  const std::string id = "chat-" + (key.empty() ? RandomHex(12)
                                                : Sha256Hex(who.user_id + "\n" + key).substr(0, 24));
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(who, id);
  cmd.command.Set(std::move(c));
  return SendAndShow(call, std::move(cmd), 201);
}

Reply ChatRoutes::List(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(size_t size, PageSize(call.req, kMaxListSize));
  const std::string view = QueryParam(call.req, "view").value_or("mine");
  const std::string open = QueryParam(call.req, "open").value_or("false");
  const std::optional<std::string> queue = QueryParam(call.req, "queue");
  if (view != "mine" && view != "waiting") return Invalid("view", "must be mine or waiting");
  if (open != "true" && open != "false") return Invalid("open", "must be true or false");
  if (view == "waiting" && !call.caller().staff) {
    return Problem(403, "forbidden", "only agents see the queues' waiting chats");
  }
  if (queue && !options_.limits.Queue(*queue)) return Invalid("queue", "is not a chat queue");
  if (queue && view != "waiting") return Invalid("queue", "is only for view=waiting");
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  json rows = json::array();
  bool more = false;
  if (view == "waiting") {
    // Every queue's waiting chats (or one queue's), longest waiting first.
    std::vector<ConversationView> all;
    for (const aggregates::ChatQueue& each : options_.limits.queues) {
      if (queue && each.id != *queue) continue;
      DOCKET_ASSIGN_OR_REPLY(projections::ConversationPage page,
                             OrProblem(q->Waiting(each.id, size)));
      more = more || page.more;
      for (auto& c : page.rows) all.push_back(std::move(c));
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
      return a.queued_at_us < b.queued_at_us;
    });
    if (all.size() > size) {
      all.resize(size);
      more = true;
    }
    for (const auto& c : all) rows.push_back(ConversationJson(c, q.queries));
  } else {
    const Principal& who = call.caller();
    auto page = who.staff ? q->OfAgent(who.user_id, size, open == "true")
                          : q->OfCustomer(who.user_id, size, open == "true");
    DOCKET_ASSIGN_OR_REPLY(projections::ConversationPage p, OrProblem(std::move(page)));
    more = p.more;
    for (const auto& c : p.rows) rows.push_back(ConversationJson(c, q.queries));
  }
  return JsonReply(200, {{"data", rows}, {"meta", {{"has_more", more}}}});
}

Reply ChatRoutes::Get(Call& call) {
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, call.param(0)));
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  Reply r = JsonReply(200, ConversationJson(c, q.queries));
  r.Header("ETag", ETagOf(c.version));
  return r;
}

Reply ChatRoutes::Transcript(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(size_t size, PageSize(call.req, kMaxTranscriptPage));
  uint64_t after = 0;
  if (auto a = QueryParam(call.req, "after")) {
    if (a->empty() || a->size() > 10 || a->find_first_not_of("0123456789") != std::string::npos) {
      return Invalid("after", "must be the seq of a transcript item (0 or more)");
    }
    after = std::stoull(*a);
  }
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, call.param(0)));
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  DOCKET_ASSIGN_OR_REPLY(std::vector<TranscriptItem> items,
                         OrProblem(q->Transcript(c.id, after, size + 1)));
  const bool more = items.size() > size;
  if (more) items.resize(size);
  json data = json::array();
  for (const auto& t : items) data.push_back(TranscriptItemJson(t, call.caller().staff));
  const uint64_t last = items.empty() ? after : items.back().seq;
  return JsonReply(200, {{"data", data},
                         {"meta", {{"has_more", more}, {"last_seq", last},
                                   {"state", std::string(aggregates::ConversationStateName(
                                                 c.state))}}}});
}

Reply ChatRoutes::Post(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"client_message_id", "text"}));
  std::string client_id = b.Str("client_message_id", true, 1, 64);
  std::string text = b.Str("text", true, 1, options_.limits.max_message_chars);
  if (!client_id.empty() && !aggregates::IsClientMessageId(client_id)) {
    b.Fail("client_message_id", "must be 1..64 printable ASCII characters without spaces");
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  Sent s;
  DOCKET_ASSIGN_OR_REPLY(TranscriptItem item, SendMessage(call, call.param(0), std::move(client_id),
                                                          std::move(text), &s));
  Reply r = JsonReply(201, TranscriptItemJson(item, call.caller().staff));
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

OrReply<TranscriptItem> ChatRoutes::SendMessage(Call& call, const std::string& id,
                                                std::string client_message_id, std::string text,
                                                Sent* sent) {
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, id));
  if (std::optional<int> wait = message_limit_->Take(call.caller().user_id)) {
    return TooMany(*wait, "too many chat messages; slow down");
  }
  fb::PostChatMessageT m;
  m.client_message_id = std::move(client_message_id);
  m.text = std::move(text);
  SubmitOptions options;
  options.idempotency_key = "message\n" + m.client_message_id;
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), c.id);
  cmd.command.Set(std::move(m));
  DOCKET_ASSIGN_OR_REPLY(*sent, s_->commands.Submit(call, std::move(cmd), options));
  if (!s_->commands.AwaitApplied(*sent)) return CommandClient::Pending(sent->result.command_id);
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  const uint64_t seq = sent->result.version;
  DOCKET_ASSIGN_OR_REPLY(std::vector<TranscriptItem> items,
                         OrProblem(q->Transcript(c.id, seq == 0 ? 0 : seq - 1, 1)));
  if (items.empty() || items[0].seq != seq) return CommandClient::Pending(sent->result.command_id);
  return std::move(items[0]);
}

Reply ChatRoutes::Socket(Call& call) {
  const std::string upgrade = HeaderValue(call.req, "Upgrade");
  if (upgrade.size() != 9 || strncasecmp(upgrade.c_str(), "websocket", 9) != 0) {
    return BadRequest("this route is a WebSocket: send a GET with Upgrade: websocket");
  }
  // A socket sends commands: its handshake passes the check of mutating
  // requests (a page of another site cannot open one with the cookie).
  Request as_mutation = call.req;
  as_mutation.method = http::verb::post;
  if (std::optional<Reply> refused = RefuseCrossSite(as_mutation, s_->options.allowed_origins)) {
    return *refused;
  }
  std::shared_ptr<void> place = sockets_->Acquire(call.caller().user_id);
  if (!place) return TooMany(5, "too many chat sockets of yours, or of everyone, are open");
  Request credentials;
  credentials.headers = call.req.headers;
  credentials.client_address = call.req.client_address;
  Reply r;
  r.websocket = std::make_shared<ChatSocket>(this, hub_.get(), call.caller(),
                                             std::move(credentials), std::move(place));
  return r;
}

Reply ChatRoutes::Accept(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {}, /*optional=*/true));
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, call.param(0)));
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), c.id);
  cmd.command.Set(fb::AcceptConversationT{});
  return SendAndShow(call, std::move(cmd), 200);
}

Reply ChatRoutes::Transfer(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"queue", "note"}));
  fb::TransferConversationT t;
  t.queue = b.Str("queue", true, 1, 32);
  t.note = b.Str("note", false, 0, options_.limits.max_note_chars);
  if (!t.queue.empty() && !options_.limits.Queue(t.queue)) b.Fail("queue", "is not a chat queue");
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, call.param(0)));
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), c.id);
  cmd.command.Set(std::move(t));
  return SendAndShow(call, std::move(cmd), 200);
}

Reply ChatRoutes::MailTranscript(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {}, /*optional=*/true));
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, call.param(0)));
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), c.id);
  cmd.command.Set(fb::RequestChatTranscriptT{});
  return SendAndShow(call, std::move(cmd), 200);
}

Reply ChatRoutes::End(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {}, /*optional=*/true));
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, call.param(0)));
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), c.id);
  cmd.command.Set(fb::EndConversationT{});
  return SendAndShow(call, std::move(cmd), 200);
}

}  // namespace docket::api
