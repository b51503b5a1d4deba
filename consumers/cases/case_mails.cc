#include "consumers/cases/case_mails.h"

#include <algorithm>

#include "common/text.h"

namespace docket::notifier {
namespace {

using nlohmann::json;

struct CaseInfo {
  std::string number;
  std::string subject;
  std::string opener;  // user id
  std::vector<std::string> watchers;  // e-mail addresses
};

Result<std::optional<CaseInfo>> Load(RuleState& state, const std::string& number) {
  DOCKET_ASSIGN_OR_RETURN(auto row, state.Get("case/" + number));
  if (!row) return std::optional<CaseInfo>();
  json j = json::parse(*row, nullptr, false);
  if (!j.is_object()) return DataLossError("notifier: case state of " + number + " is not JSON");
  try {
    return std::optional<CaseInfo>(CaseInfo{j.at("number"), j.at("subject"), j.at("opener"),
                                            j.at("watchers").get<std::vector<std::string>>()});
  } catch (const json::exception& e) {
    return DataLossError("notifier: case state of " + number + ": " + e.what());
  }
}

void Save(RuleState& state, const CaseInfo& c) {
  state.Put("case/" + c.number, json{{"number", c.number},
                                     {"subject", c.subject},
                                     {"opener", c.opener},
                                     {"watchers", c.watchers}}
                                    .dump());
}

// One mail per person who follows the case (opener, watchers).
std::vector<MailIntent> ToFollowers(const CaseInfo& c, const fb::EventEnvelopeT& e,
                                    const std::string& template_name, json vars) {
  vars["case_number"] = c.number;
  vars["case_subject"] = c.subject;
  vars["case_path"] = "/cases/" + c.number;
  vars["actor_name"] = e.actor && !e.actor->display_name.empty() ? e.actor->display_name
                                                                 : std::string("Support");
  std::vector<std::string> to;
  if (!c.opener.empty()) to.push_back(c.opener);
  for (const std::string& w : c.watchers) to.push_back(w);
  std::vector<MailIntent> out;
  for (const std::string& r : to) {
    MailIntent m;
    m.recipient = r;
    m.template_name = template_name;
    m.vars = vars;
    m.skip_user_id = e.actor ? e.actor->user_id : "";
    out.push_back(std::move(m));
  }
  return out;
}

// The state a case reaches by an event, as the portal names it.
const char* StateAfter(fb::Event type) {
  switch (type) {
    case fb::Event::CaseAccepted: return "Open";
    case fb::Event::InformationRequested: return "Awaiting information";
    case fb::Event::ResolutionAccepted: return "Closed";
    case fb::Event::ResolutionRejected: return "Open";
    case fb::Event::CaseClosed: return "Closed";
    case fb::Event::CaseReopened: return "Open";
    default: return nullptr;
  }
}

MailIntent ToWatcher(const CaseInfo& c, const fb::EventEnvelopeT& e, const std::string& email,
                     const char* template_name) {
  MailIntent m;
  m.recipient = email;
  m.template_name = template_name;
  m.vars = {{"case_number", c.number},
            {"case_subject", c.subject},
            {"case_path", "/cases/" + c.number},
            {"actor_name", e.actor ? e.actor->display_name : std::string()}};
  m.skip_user_id = e.actor ? e.actor->user_id : "";
  return m;
}

}  // namespace

Result<std::vector<MailIntent>> CaseMails::Mails(const fb::EventEnvelopeT& e,
                                                 RuleState& state) const {
  const fb::EventUnion& ev = e.event;
  if (ev.type == fb::Event::CaseOpened) {
    const auto* o = ev.AsCaseOpened();
    Save(state, CaseInfo{o->case_number, o->subject, e.actor ? e.actor->user_id : "", {}});
    return std::vector<MailIntent>{};
  }
  DOCKET_ASSIGN_OR_RETURN(std::optional<CaseInfo> c, Load(state, e.aggregate_id));
  if (!c) return std::vector<MailIntent>{};  // opened before this notifier started
  switch (ev.type) {
    case fb::Event::CommentAdded:
      return ToFollowers(*c, e, "case_comment", {{"body", ev.AsCommentAdded()->body}});
    case fb::Event::AttachmentAdded:
      return ToFollowers(*c, e, "case_attachment",
                         {{"file_name", ev.AsAttachmentAdded()->file_name}});
    case fb::Event::CaseResolved:
      return ToFollowers(*c, e, "case_resolved",
                         {{"resolution", ev.AsCaseResolved()->resolution}});
    case fb::Event::CaseCancelled:
      return ToFollowers(*c, e, "case_cancelled", {{"reason", ev.AsCaseCancelled()->reason}});
    case fb::Event::WatcherAdded: {
      const std::string email = ev.AsWatcherAdded()->email;
      std::vector<MailIntent> out{ToWatcher(*c, e, email, "watcher_added")};
      if (std::none_of(c->watchers.begin(), c->watchers.end(),
                       [&](const std::string& w) { return Lower(w) == Lower(email); })) {
        c->watchers.push_back(email);
        Save(state, *c);
      }
      return out;
    }
    case fb::Event::WatcherRemoved: {
      const std::string email = ev.AsWatcherRemoved()->email;
      std::erase_if(c->watchers, [&](const std::string& w) { return Lower(w) == Lower(email); });
      Save(state, *c);
      return std::vector<MailIntent>{ToWatcher(*c, e, email, "watcher_removed")};
    }
    default:
      break;
  }
  if (const char* state_name = StateAfter(ev.type)) {
    json vars = {{"state", state_name}, {"message", ""}};
    if (ev.type == fb::Event::InformationRequested) {
      vars["message"] = ev.AsInformationRequested()->message;
    }
    return ToFollowers(*c, e, "case_state", vars);
  }
  return std::vector<MailIntent>{};  // internal notes, renames, removals: no mail
}

}  // namespace docket::notifier
