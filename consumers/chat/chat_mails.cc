#include "consumers/chat/chat_mails.h"

#include "common/time_format.h"

namespace docket::notifier {
namespace {

using nlohmann::json;

std::string Who(const fb::EventEnvelopeT& e) {
  if (!e.actor) return "Support";
  return e.actor->display_name.empty() ? e.actor->user_id : e.actor->display_name;
}

// The line an event adds to the transcript; "" for none.
std::string LineOf(const fb::EventEnvelopeT& e) {
  const std::string at = "[" + FormatMicros(e.occurred_at_us) + "] ";
  switch (e.event.type) {
    case fb::Event::ConversationStarted: {
      const auto* s = e.event.AsConversationStarted();
      return at + "Chat started" + (s->topic.empty() ? "" : ": " + s->topic);
    }
    case fb::Event::ChatMessagePosted:
      return at + Who(e) + ": " + e.event.AsChatMessagePosted()->text;
    case fb::Event::ConversationAccepted:
      return at + Who(e) + " joined";
    case fb::Event::ConversationTransferred:
      return at + "Transferred to another team";
    case fb::Event::ConversationEnded:
      return at + "Chat ended";
    case fb::Event::ConversationCaseLinked:
      return at + "Case " + e.event.AsConversationCaseLinked()->case_number +
             (e.event.AsConversationCaseLinked()->opened ? " opened" : " linked");
    default:
      return "";
  }
}

}  // namespace

Result<std::vector<MailIntent>> ChatMails::Mails(const fb::EventEnvelopeT& e,
                                                 RuleState& state) const {
  if (e.event.type == fb::Event::AgentPresenceChanged) return std::vector<MailIntent>{};
  const std::string key = "chat/" + e.aggregate_id;
  DOCKET_ASSIGN_OR_RETURN(auto row, state.Get(key));
  json c = json::object();
  if (row) {
    c = json::parse(*row, nullptr, false);
    if (!c.is_object() || !c.contains("text") || !c["text"].is_string()) {
      return DataLossError("notifier: chat state of " + e.aggregate_id + " is not JSON");
    }
  } else {
    c = {{"customer", ""}, {"topic", ""}, {"text", ""}, {"cut", false}};
  }
  if (e.event.type == fb::Event::ConversationStarted) {
    c["customer"] = e.actor ? e.actor->user_id : "";
    c["topic"] = e.event.AsConversationStarted()->topic;
  }
  if (e.event.type == fb::Event::ChatTranscriptRequested) {
    MailIntent m;
    m.recipient = c.value("customer", "");
    m.template_name = "chat_transcript";
    const std::string topic = c.value("topic", "");
    m.vars = {{"chat_topic", topic.empty() ? std::string("your chat") : topic},
              {"transcript", c.value("text", "") + (c.value("cut", false) ? "…\n" : "")}};
    if (m.recipient.empty()) return std::vector<MailIntent>{};  // a start never seen
    return std::vector<MailIntent>{std::move(m)};
  }
  const std::string line = LineOf(e);
  if (!line.empty() && !c.value("cut", false)) {
    std::string text = c.value("text", "");
    if (text.size() + line.size() + 1 > kMaxTranscriptChars) {
      c["cut"] = true;
    } else {
      c["text"] = text + line + "\n";
    }
  }
  state.Put(key, c.dump());
  return std::vector<MailIntent>{};
}

}  // namespace docket::notifier
