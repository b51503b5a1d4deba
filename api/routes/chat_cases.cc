// The chat's cases (POST /api/v1/chat/conversations/{id}/cases): linking a
// case of the customer's accounts, or opening one from the conversation
// (also what "leave a message" does when no agent is online). Either way
// the transcript goes to the case: as a comment on a linked case, as the
// description of an opened one.
#include <algorithm>

#include "api/problem.h"
#include "api/projector_model.h"
#include "api/routes/chat.h"
#include "common/time_format.h"

namespace docket::api {
namespace {

using projections::ChatQueries;
using projections::ConversationView;
using projections::TranscriptItem;

constexpr size_t kMaxTranscriptItems = 5000;  // read for a case's transcript

bool Has(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

std::string ChatRoutes::TranscriptText(const ConversationView& c,
                                       const std::vector<TranscriptItem>& items) const {
  std::string text = "Chat transcript (" + c.id + ", " + QueueName(c.queue) + ")\n";
  for (const auto& t : items) {
    std::string line = "[" + FormatMicros(t.at_us) + "] ";
    if (t.kind == "message") {
      line += t.author_name.empty() ? t.author_id : t.author_name;
      line += ": " + t.text;
    } else if (t.kind == "started") {
      line += "Chat started in " + QueueName(t.queue) + (t.text.empty() ? "" : ": " + t.text);
    } else if (t.kind == "accepted") {
      line += (t.author_name.empty() ? t.author_id : t.author_name) + " joined";
    } else if (t.kind == "transferred") {
      line += "Transferred to " + QueueName(t.queue);
    } else if (t.kind == "ended") {
      line += "Chat ended";
    } else {
      continue;  // links are the case's own business
    }
    text += line + "\n";
  }
  // Cut at a code point boundary, within the cases' comment limit.
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++chars > options_.max_transcript_chars - 1) return text.substr(0, i) + "…";
  }
  return text;
}

OrReply<std::string> ChatRoutes::TranscriptOf(const ConversationView& c) const {
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<ChatQueries>(*chat_));
  DOCKET_ASSIGN_OR_REPLY(std::vector<TranscriptItem> items,
                         OrProblem(q->Transcript(c.id, 0, kMaxTranscriptItems)));
  return TranscriptText(c, items);
}

Reply ChatRoutes::Cases(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"case_number", "account_id", "case_type",
                                                      "category", "subject", "end"}));
  if (b.Has("case_number")) {
    for (const char* m : {"account_id", "case_type", "category", "subject", "end"}) {
      if (b.Has(m)) b.Fail(m, "is for opening a case; a link names only case_number");
    }
    return LinkCase(call, b);
  }
  return OpenCase(call, b);
}

Reply ChatRoutes::LinkCase(Call& call, Body& b) {
  const std::string number = b.Str("case_number", true, 1, 13);
  if (!number.empty() && !aggregates::IsCaseNumberShape(number)) {
    b.Fail("case_number", "must be CS and 11 digits");
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, call.param(0)));
  // Only a case of the customer's accounts, whoever links it.
  Status in_accounts = cases_.check(c.account_ids, number);
  if (in_accounts.code() == StatusCode::kNotFound) return NotFound("case " + number);
  if (!in_accounts.ok()) return ProblemFromStatus(in_accounts);
  // The transcript first, as a comment on the case: a retry after a failed
  // link sends the same comment command again, which its id deduplicates.
  // A case linked already gets no second transcript (the link command then
  // answers a repeat with its first outcome, anyone else with
  // chat.case_linked).
  if (!Has(c.case_numbers, number)) {
    DOCKET_ASSIGN_OR_REPLY(std::string text, TranscriptOf(c));
    fb::CommandEnvelopeT comment = s_->commands.NewCommand(call.caller(), number);
    cases_.comment(comment, std::move(text));
    SubmitOptions once;
    once.idempotency_key = "transcript\n" + number;
    DOCKET_ASSIGN_OR_REPLY(Sent commented, s_->commands.Submit(call, std::move(comment), once));
    // Whoever reads the case after this answer sees the transcript there.
    if (!s_->commands.AwaitApplied(commented)) {
      return CommandClient::Pending(commented.result.command_id);
    }
  }
  return Link(call, c, number, /*opened=*/false);
}

Reply ChatRoutes::Link(Call& call, const ConversationView& c, const std::string& number,
                       bool opened) {
  fb::LinkConversationCaseT l;
  l.case_number = number;
  l.opened = opened;
  fb::CommandEnvelopeT link = s_->commands.NewCommand(call.caller(), c.id);
  link.command.Set(std::move(l));
  SubmitOptions link_once;
  link_once.idempotency_key = "link\n" + number;
  return SendAndShow(call, std::move(link), 201, link_once);
}

Reply ChatRoutes::OpenCase(Call& call, Body& b) {
  ChatNewCase n;
  n.account_id = b.Str("account_id", false, 1, 32);
  n.case_type = b.Str("case_type", false, 1, 64);
  n.category = b.Str("category", false, 1, 64);
  n.subject = b.Str("subject", false, 1, 200);
  const bool end = b.Bool("end", false).value_or(false);
  if (n.case_type.empty() != n.category.empty()) {
    b.Fail(n.case_type.empty() ? "case_type" : "category",
           "is given together with case_type and category, or neither (the queue's own)");
  }
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(ConversationView c, Visible(call, call.param(0)));
  if (n.account_id.empty()) {
    if (c.account_ids.size() != 1) {
      return Invalid("account_id", "is required: the chat's customer has " +
                                       std::to_string(c.account_ids.size()) + " accounts");
    }
    n.account_id = c.account_ids[0];
  } else if (!Has(c.account_ids, n.account_id)) {
    return Invalid("account_id", "is not one of the chat's customer's accounts");
  }
  if (n.case_type.empty()) {
    auto kind = options_.case_kinds.find(c.queue);
    if (kind == options_.case_kinds.end()) {
      return Invalid("case_type", "is required: queue " + c.queue + " opens no kind of case");
    }
    n.case_type = kind->second.case_type;
    n.category = kind->second.category;
  }
  if (n.subject.empty()) n.subject = c.topic.empty() ? "Live chat: " + QueueName(c.queue) : c.topic;
  DOCKET_ASSIGN_OR_REPLY(n.description, TranscriptOf(c));
  // One case per conversation and caller: a retry (a lost answer) gets the
  // same case. Another Idempotency-Key opens another.
  fb::CommandEnvelopeT open = s_->commands.NewCommand(call.caller(), "");
  cases_.open(open, n);
  SubmitOptions once;
  once.idempotency_key = "open-case";
  DOCKET_ASSIGN_OR_REPLY(Sent opened, s_->commands.Submit(call, std::move(open), once));
  if (!s_->commands.AwaitApplied(opened)) return CommandClient::Pending(opened.result.command_id);
  const std::string number = opened.result.aggregate_id;
  // A repeat links (and ends) again with the same command ids: the first
  // outcomes come back, nothing is written twice.
  Reply r = Link(call, c, number, /*opened=*/true);
  if (r.status == http::status::created && end && c.state != fb::ConversationState::Ended) {
    // Leaving a message: the conversation ends once its case holds it.
    fb::CommandEnvelopeT finish = s_->commands.NewCommand(call.caller(), c.id);
    finish.command.Set(fb::EndConversationT{});
    SubmitOptions end_once;
    end_once.idempotency_key = "end\n" + number;
    r = SendAndShow(call, std::move(finish), 201, end_once);
  }
  if (r.status != http::status::created) return r;
  for (auto& [name, value] : r.headers) {
    if (name == "Location") value = "/api/v1/cases/" + number;  // what was created
  }
  return r;
}

}  // namespace docket::api
