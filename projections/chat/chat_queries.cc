#include "projections/chat/chat_queries.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <cstdio>
#include <string>

namespace docket::projections {
namespace {

using nlohmann::json;

std::string Hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

json OptionalReason(const std::optional<fb::ChatEndReason>& r) {
  return r ? json(static_cast<int>(*r)) : json(nullptr);
}

// A stored end reason: null or an enum value in range.
Result<std::optional<fb::ChatEndReason>> ReasonOf(const json& j, const char* what) {
  if (j.is_null()) return std::optional<fb::ChatEndReason>();
  const int r = j.get<int>();
  if (r < static_cast<int>(fb::ChatEndReason::MIN) ||
      r > static_cast<int>(fb::ChatEndReason::MAX)) {
    return DataLossError(std::string("chat: stored ") + what + " has end reason " +
                         std::to_string(r));
  }
  return std::optional<fb::ChatEndReason>(static_cast<fb::ChatEndReason>(r));
}

}  // namespace

std::string EncodeConversation(const ConversationView& c) {
  return json{{"id", c.id},
              {"queue", c.queue},
              {"state", static_cast<int>(c.state)},
              {"topic", c.topic},
              {"customer_id", c.customer_id},
              {"customer_name", c.customer_name},
              {"account_ids", c.account_ids},
              {"agent_id", c.agent_id},
              {"agent_name", c.agent_name},
              {"started_at_us", c.started_at_us},
              {"queued_at_us", c.queued_at_us},
              {"accepted_at_us", c.accepted_at_us},
              {"ended_at_us", c.ended_at_us},
              {"end_reason", OptionalReason(c.end_reason)},
              {"last_activity_us", c.last_activity_us},
              {"messages", c.messages},
              {"case_numbers", c.case_numbers},
              {"version", c.version}}
      .dump();
}

Result<ConversationView> DecodeConversation(std::string_view row) {
  json j = json::parse(row, nullptr, false);
  if (!j.is_object()) return DataLossError("chat: stored conversation is not JSON");
  try {
    ConversationView c;
    c.id = j.at("id").get<std::string>();
    c.queue = j.at("queue").get<std::string>();
    const int state = j.at("state").get<int>();
    if (state < static_cast<int>(fb::ConversationState::MIN) ||
        state > static_cast<int>(fb::ConversationState::MAX)) {
      return DataLossError("chat: stored conversation has state " + std::to_string(state));
    }
    c.state = static_cast<fb::ConversationState>(state);
    c.topic = j.at("topic").get<std::string>();
    c.customer_id = j.at("customer_id").get<std::string>();
    c.customer_name = j.at("customer_name").get<std::string>();
    c.account_ids = j.at("account_ids").get<std::vector<std::string>>();
    c.agent_id = j.at("agent_id").get<std::string>();
    c.agent_name = j.at("agent_name").get<std::string>();
    c.started_at_us = j.at("started_at_us").get<int64_t>();
    c.queued_at_us = j.at("queued_at_us").get<int64_t>();
    c.accepted_at_us = j.at("accepted_at_us").get<int64_t>();
    c.ended_at_us = j.at("ended_at_us").get<int64_t>();
    DOCKET_ASSIGN_OR_RETURN(c.end_reason, ReasonOf(j.at("end_reason"), "conversation"));
    c.last_activity_us = j.at("last_activity_us").get<int64_t>();
    c.messages = j.at("messages").get<int64_t>();
    c.case_numbers = j.at("case_numbers").get<std::vector<std::string>>();
    c.version = j.at("version").get<uint64_t>();
    return c;
  } catch (const json::exception& e) {
    return DataLossError(std::string("chat: stored conversation: ") + e.what());
  }
}

std::string EncodeTranscriptItem(const TranscriptItem& t) {
  return json{{"seq", t.seq},
              {"kind", t.kind},
              {"author_id", t.author_id},
              {"author_name", t.author_name},
              {"author_role", static_cast<int>(t.author_role)},
              {"text", t.text},
              {"client_message_id", t.client_message_id},
              {"queue", t.queue},
              {"from_queue", t.from_queue},
              {"case_number", t.case_number},
              {"case_opened", t.case_opened},
              {"end_reason", OptionalReason(t.end_reason)},
              {"at_us", t.at_us}}
      .dump();
}

Result<TranscriptItem> DecodeTranscriptItem(std::string_view row) {
  json j = json::parse(row, nullptr, false);
  if (!j.is_object()) return DataLossError("chat: stored transcript item is not JSON");
  try {
    TranscriptItem t;
    t.seq = j.at("seq").get<uint64_t>();
    t.kind = j.at("kind").get<std::string>();
    t.author_id = j.at("author_id").get<std::string>();
    t.author_name = j.at("author_name").get<std::string>();
    const int role = j.at("author_role").get<int>();
    if (role < static_cast<int>(fb::Role::MIN) || role > static_cast<int>(fb::Role::MAX)) {
      return DataLossError("chat: stored transcript item has role " + std::to_string(role));
    }
    t.author_role = static_cast<fb::Role>(role);
    t.text = j.at("text").get<std::string>();
    t.client_message_id = j.at("client_message_id").get<std::string>();
    t.queue = j.at("queue").get<std::string>();
    t.from_queue = j.at("from_queue").get<std::string>();
    t.case_number = j.at("case_number").get<std::string>();
    t.case_opened = j.at("case_opened").get<bool>();
    DOCKET_ASSIGN_OR_RETURN(t.end_reason, ReasonOf(j.at("end_reason"), "transcript item"));
    t.at_us = j.at("at_us").get<int64_t>();
    return t;
  } catch (const json::exception& e) {
    return DataLossError(std::string("chat: stored transcript item: ") + e.what());
  }
}

bool AgentPresenceView::Takes(std::string_view queue) const {
  for (const std::string& q : queues) {
    if (q == queue) return true;
  }
  return false;
}

std::string EncodeAgentPresence(const AgentPresenceView& a) {
  return json{{"user_id", a.user_id},     {"name", a.name},
              {"online", a.online},       {"queues", a.queues},
              {"until_us", a.until_us},   {"changed_at_us", a.changed_at_us},
              {"version", a.version}}
      .dump();
}

Result<AgentPresenceView> DecodeAgentPresence(std::string_view row) {
  json j = json::parse(row, nullptr, false);
  if (!j.is_object()) return DataLossError("chat: stored agent presence is not JSON");
  try {
    AgentPresenceView a;
    a.user_id = j.at("user_id").get<std::string>();
    a.name = j.at("name").get<std::string>();
    a.online = j.at("online").get<bool>();
    a.queues = j.at("queues").get<std::vector<std::string>>();
    a.until_us = j.at("until_us").get<int64_t>();
    a.changed_at_us = j.at("changed_at_us").get<int64_t>();
    a.version = j.at("version").get<uint64_t>();
    return a;
  } catch (const json::exception& e) {
    return DataLossError(std::string("chat: stored agent presence: ") + e.what());
  }
}

std::string TranscriptKey(std::string_view id, uint64_t seq) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010llu", static_cast<unsigned long long>(seq));
  std::string k(id);
  k.push_back('\0');  // so that no id's items run into a longer id's
  return k + buf;
}

std::string WaitingKey(std::string_view queue, int64_t queued_at_us, std::string_view id) {
  std::string k(queue);
  k.push_back('\0');
  return k + Hex16(static_cast<uint64_t>(queued_at_us)) + std::string(id);
}

std::string PersonKey(std::string_view user_id, int64_t at_us, std::string_view id) {
  std::string k(user_id);
  k.push_back('\0');
  return k + Hex16(~static_cast<uint64_t>(at_us)) + std::string(id);
}

Result<std::optional<ConversationView>> ChatQueries::Conversation(std::string_view id) const {
  DOCKET_ASSIGN_OR_RETURN(auto row, store_->Get(ChatCf::kConversations, id));
  if (!row) return std::optional<ConversationView>();
  DOCKET_ASSIGN_OR_RETURN(ConversationView c, DecodeConversation(*row));
  return std::optional<ConversationView>(std::move(c));
}

Result<std::vector<TranscriptItem>> ChatQueries::Transcript(std::string_view id, uint64_t after,
                                                            size_t limit) const {
  std::vector<TranscriptItem> out;
  std::string prefix(id);
  prefix.push_back('\0');
  auto it = store_->NewIterator(ChatCf::kTranscript);
  for (it->Seek(TranscriptKey(id, after + 1)); it->Valid() && out.size() < limit; it->Next()) {
    if (!it->key().starts_with(prefix)) break;
    DOCKET_ASSIGN_OR_RETURN(TranscriptItem t, DecodeTranscriptItem(it->value().ToStringView()));
    out.push_back(std::move(t));
  }
  if (!it->status().ok()) return UnavailableError("chat: " + it->status().ToString());
  return out;
}

Result<ConversationPage> ChatQueries::Waiting(std::string_view queue, size_t limit) const {
  std::string prefix(queue);
  prefix.push_back('\0');
  ConversationPage page;
  auto it = store_->NewIterator(ChatCf::kWaiting);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (page.rows.size() == limit) {
      page.more = true;
      break;
    }
    const std::string_view id = it->key().ToStringView().substr(prefix.size() + 16);
    DOCKET_ASSIGN_OR_RETURN(std::optional<ConversationView> c, Conversation(id));
    if (!c) return DataLossError("chat: waiting entry of a missing conversation " + std::string(id));
    page.rows.push_back(std::move(*c));
  }
  if (!it->status().ok()) return UnavailableError("chat: " + it->status().ToString());
  return page;
}

Result<QueueStats> ChatQueries::Queue(std::string_view queue) const {
  std::string prefix(queue);
  prefix.push_back('\0');
  QueueStats stats;
  auto it = store_->NewIterator(ChatCf::kWaiting);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (stats.waiting++ == 0) {
      const std::string_view hex = it->key().ToStringView().substr(prefix.size(), 16);
      uint64_t at = 0;
      auto [end, ec] = std::from_chars(hex.data(), hex.data() + hex.size(), at, 16);
      if (ec != std::errc() || end != hex.data() + hex.size() || hex.size() != 16) {
        return DataLossError("chat: a waiting entry of queue " + std::string(queue) +
                             " has no time");
      }
      stats.oldest_queued_at_us = static_cast<int64_t>(at);
    }
  }
  if (!it->status().ok()) return UnavailableError("chat: " + it->status().ToString());
  return stats;
}

Result<int64_t> ChatQueries::PlaceInQueue(std::string_view queue, int64_t queued_at_us,
                                          std::string_view id) const {
  std::string prefix(queue);
  prefix.push_back('\0');
  const std::string mine = WaitingKey(queue, queued_at_us, id);
  int64_t before = 0;
  auto it = store_->NewIterator(ChatCf::kWaiting);
  for (it->Seek(prefix); it->Valid() && it->key().ToStringView() < mine; it->Next()) {
    ++before;
  }
  if (!it->status().ok()) return UnavailableError("chat: " + it->status().ToString());
  return before;
}

Result<ConversationPage> ChatQueries::Indexed(ChatCf cf, std::string_view user_id, size_t limit,
                                              bool open_only) const {
  std::string prefix(user_id);
  prefix.push_back('\0');
  ConversationPage page;
  auto it = store_->NewIterator(cf);
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    const std::string_view id = it->key().ToStringView().substr(prefix.size() + 16);
    DOCKET_ASSIGN_OR_RETURN(std::optional<ConversationView> c, Conversation(id));
    if (!c) return DataLossError("chat: index entry of a missing conversation " + std::string(id));
    if (open_only && c->state == fb::ConversationState::Ended) continue;
    if (page.rows.size() == limit) {
      page.more = true;
      break;
    }
    page.rows.push_back(std::move(*c));
  }
  if (!it->status().ok()) return UnavailableError("chat: " + it->status().ToString());
  return page;
}

Result<ConversationPage> ChatQueries::OfCustomer(std::string_view user_id, size_t limit,
                                                 bool open_only) const {
  return Indexed(ChatCf::kByCustomer, user_id, limit, open_only);
}

Result<ConversationPage> ChatQueries::OfAgent(std::string_view user_id, size_t limit,
                                              bool open_only) const {
  return Indexed(ChatCf::kByAgent, user_id, limit, open_only);
}

Result<std::optional<AgentPresenceView>> ChatQueries::Agent(std::string_view user_id) const {
  DOCKET_ASSIGN_OR_RETURN(auto row, store_->Get(ChatCf::kAgents, user_id));
  if (!row) return std::optional<AgentPresenceView>();
  DOCKET_ASSIGN_OR_RETURN(AgentPresenceView a, DecodeAgentPresence(*row));
  return std::optional<AgentPresenceView>(std::move(a));
}

Result<std::vector<AgentPresenceView>> ChatQueries::AgentsOnline(int64_t now_us) const {
  std::vector<AgentPresenceView> out;
  auto it = store_->NewIterator(ChatCf::kAgents);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    DOCKET_ASSIGN_OR_RETURN(AgentPresenceView a, DecodeAgentPresence(it->value().ToStringView()));
    if (a.OnlineAt(now_us)) out.push_back(std::move(a));
  }
  if (!it->status().ok()) return UnavailableError("chat: " + it->status().ToString());
  return out;
}

}  // namespace docket::projections
