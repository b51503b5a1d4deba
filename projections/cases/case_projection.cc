#include "projections/cases/case_projection.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <vector>

#include "aggregates/cases/case.h"
#include "common/time_format.h"
#include "projections/cases/keys.h"

namespace docket::projections {
namespace {

using nlohmann::json;
using fb::Event;


char StateChar(fb::CaseState s) { return static_cast<char>('0' + static_cast<int>(s)); }

json ActorJson(const fb::ActorT* a) {
  if (!a) return json{{"user_id", ""}, {"display_name", ""}, {"role", "unknown"}};
  return json{{"user_id", a->user_id}, {"display_name", a->display_name},
              {"role", events::RoleName(a->role)}};
}

// Reads "<a> <b>" pairs of decimals (search doc entries and stats).
bool ParsePair(std::string_view v, int64_t* a, int64_t* b) {
  const char* end = v.data() + v.size();
  auto r1 = std::from_chars(v.data(), end, *a);
  if (r1.ec != std::errc() || r1.ptr == end || *r1.ptr != ' ') return false;
  auto r2 = std::from_chars(r1.ptr + 1, end, *b);
  return r2.ec == std::errc() && r2.ptr == end;
}

// Adds `texts` to the case's search document: postings (term frequencies),
// document frequencies (a term new to the case), the document's length and
// last update (for recency), and the collection statistics. Counters are
// merges (no reads, and no key shared between partitions is ever read and
// written, so partitions can be applied in parallel); the case's term set
// is one read.
Status IndexText(Txn& txn, TextAnalyzer& analyzer, const std::string& number,
                 const std::string& account, int64_t updated_us,
                 const std::vector<std::string>& texts) {
  std::map<std::string, int64_t> tf;
  int64_t added = 0;
  for (const auto& t : texts) {
    for (auto& term : analyzer.Terms(t)) {
      ++tf[std::move(term)];
      ++added;
    }
  }
  if (!tf.empty()) {
    const std::string terms_key = keys::DocTermsKey(number);
    DOCKET_ASSIGN_OR_RETURN(auto known_text, txn.Get(Cf::kSearch, terms_key));
    std::set<std::string> known;
    if (known_text) {
      std::string_view rest = *known_text;
      while (!rest.empty()) {
        const size_t nl = rest.find('\n');
        known.emplace(rest.substr(0, nl));
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      }
    }
    bool grew = false;
    for (const auto& [term, n] : tf) {
      txn.Merge(Cf::kSearch, keys::PostingKey(term, account, number), n);
      if (known.insert(term).second) {
        txn.Merge(Cf::kSearch, keys::DocFreqKey(term), 1);
        txn.Merge(Cf::kSearch, keys::VocabKey(account, term), 1);
        grew = true;
      }
    }
    if (grew) {
      std::string joined;
      for (const auto& k : known) {
        if (!joined.empty()) joined.push_back('\n');
        joined.append(k);
      }
      txn.Put(Cf::kSearch, terms_key, joined);
    }
  }
  const std::string doc_key = keys::DocKey(number);
  DOCKET_ASSIGN_OR_RETURN(auto doc, txn.Get(Cf::kSearch, doc_key));
  int64_t length = 0, old_updated = 0;
  if (doc && !ParsePair(*doc, &length, &old_updated)) {
    return DataLossError("read store: search document of " + number + " is malformed");
  }
  txn.Put(Cf::kSearch, doc_key,
          std::to_string(length + added) + " " + std::to_string(updated_us));
  if (!doc) {
    txn.Merge(Cf::kSearch, keys::kSearchDocsKey, 1);
    txn.Merge(Cf::kSearch, keys::AccountDocsKey(account), 1);
  }
  if (added) {
    txn.Merge(Cf::kSearch, keys::kSearchLengthKey, added);
    txn.Merge(Cf::kSearch, keys::AccountLengthKey(account), added);
  }
  return Status::Ok();
}

// The parts of a summary that index keys are made of.
struct IndexedFields {
  fb::CaseState state;
  std::string account, case_type, category;
  int64_t opened_us = 0, updated_us = 0;
};

IndexedFields FieldsOf(const json& s) {
  IndexedFields f;
  f.state = *aggregates::ParseStateName(s.at("state").get<std::string>());
  f.account = s.at("account_id").get<std::string>();
  f.case_type = s.at("case_type").get<std::string>();
  f.category = s.at("category").get<std::string>();
  f.opened_us = s.at("opened_at_us").get<int64_t>();
  f.updated_us = s.at("updated_at_us").get<int64_t>();
  return f;
}

// Moves the case's list entries from `before` (none for a new case) to
// `after`: the by-updated entries move on every event, the by-opened ones
// are rewritten only when their value (state) changes.
void MoveListKeys(Txn& txn, const std::optional<IndexedFields>& before,
                  const IndexedFields& after, const std::string& number) {
  const std::string entry = ListEntry{after.state, after.case_type, after.category}.Encode();
  const bool state_changed = !before || before->state != after.state;
  for (const std::string& account : {after.account, std::string()}) {
    if (before && before->updated_us != after.updated_us) {
      txn.Delete(Cf::kLists, keys::ListKey(account, 'u', before->updated_us, number));
    }
    txn.Put(Cf::kLists, keys::ListKey(account, 'u', after.updated_us, number), entry);
    if (state_changed) {
      txn.Put(Cf::kLists, keys::ListKey(account, 'o', after.opened_us, number), entry);
    }
  }
}

Status CountState(Txn& txn, const std::string& account, fb::CaseState state, int64_t delta) {
  txn.Merge(Cf::kCounts, keys::CountKey(account, StateChar(state)), delta);
  txn.Merge(Cf::kCounts, keys::CountKey("", StateChar(state)), delta);
  return Status::Ok();
}

}  // namespace

bool IsOpenState(fb::CaseState s) {
  return s != fb::CaseState::Closed && s != fb::CaseState::Cancelled;
}

std::string ListEntry::Encode() const {
  std::string out(1, StateChar(state));
  out.push_back('\x1f');
  out.append(case_type);
  out.push_back('\x1f');
  out.append(category);
  return out;
}

std::optional<ListEntry> ListEntry::Decode(std::string_view v) {
  if (v.size() < 3 || v[1] != '\x1f') return std::nullopt;
  const int s = v[0] - '0';
  if (s < 0 || s > static_cast<int>(fb::CaseState::MAX)) return std::nullopt;
  const size_t sep = v.find('\x1f', 2);
  if (sep == std::string_view::npos) return std::nullopt;
  ListEntry e;
  e.state = static_cast<fb::CaseState>(s);
  e.case_type = std::string(v.substr(2, sep - 2));
  e.category = std::string(v.substr(sep + 1));
  return e;
}

Result<ApplyOutcome> ApplyCaseEvent(const fb::EventEnvelopeT& e, Txn& txn,
                                    TextAnalyzer& text) {
  const std::string& number = e.aggregate_id;
  if (!aggregates::ParseCaseNumber(number).ok() || number.size() != keys::kNumberWidth) {
    return FailedPreconditionError("aggregate id '" + number + "' is not a case number");
  }
  const Event type = e.event.type;
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(Cf::kCases, number));
  json s;
  uint64_t have = 0;
  if (row) {
    s = json::parse(*row, nullptr, /*allow_exceptions=*/false);
    if (s.is_discarded() || !s.is_object() || !s.contains("version")) {
      return DataLossError("read store: summary of " + number + " does not parse");
    }
    have = s["version"].get<uint64_t>();
  }
  if (e.version <= have) return ApplyOutcome::kAlreadyApplied;
  if (e.version != have + 1) {
    return FailedPreconditionError("version gap: case " + number + " is at version " +
                                   std::to_string(have) + ", the event has version " +
                                   std::to_string(e.version));
  }
  if (have == 0 && type != Event::CaseOpened) {
    return FailedPreconditionError(std::string(fb::EnumNameEvent(type)) + " for case " +
                                   number + ", which was never opened");
  }
  if (have != 0 && type == Event::CaseOpened) {
    return FailedPreconditionError("CaseOpened for case " + number +
                                   ", which is already open");
  }

  const int64_t at = e.occurred_at_us;
  const std::string at_text = FormatMicros(at);
  json item = {{"version", e.version}, {"at", at_text}, {"actor", ActorJson(e.actor.get())}};
  bool internal = false;
  std::optional<IndexedFields> before;
  if (row) before = FieldsOf(s);
  std::optional<fb::CaseState> new_state;
  std::vector<std::string> search_texts;

  auto change_state = [&](fb::CaseState to, const char* field, std::string reason) {
    item["type"] = "state_changed";
    item["from"] = aggregates::StateName(before->state);
    item["to"] = aggregates::StateName(to);
    if (field && !reason.empty()) item[field] = reason;
    new_state = to;
  };

  switch (type) {
    case Event::CaseOpened: {
      const auto* o = e.event.AsCaseOpened();
      if (o->account_id.empty()) {
        return FailedPreconditionError("CaseOpened of " + number + " has no account");
      }
      json fields = json::object();
      for (const auto& f : o->fields) {
        if (f) fields[f->key] = f->value;
      }
      s = json{{"number", number},
               {"state", aggregates::StateName(fb::CaseState::New)},
               {"account_id", o->account_id},
               {"service_address", o->service_address},
               {"case_type", o->case_type},
               {"category", o->category},
               {"subject", o->subject},
               {"description", o->description},
               {"fields", fields},
               {"opened_at", at_text},
               {"opened_at_us", at},
               {"opened_by", ActorJson(e.actor.get())},
               {"updated_at", at_text},
               {"updated_at_us", at},
               {"resolved_at", nullptr},
               {"closed_at", nullptr},
               {"cancelled_at", nullptr},
               {"resolution", nullptr},
               {"comment_count", 0},
               {"attachment_count", 0},
               {"watcher_count", 0},
               {"version", 0}};
      item["type"] = "opened";
      item["to"] = aggregates::StateName(fb::CaseState::New);
      item["subject"] = o->subject;
      new_state = fb::CaseState::New;
      search_texts = {o->subject, o->description, o->category, o->case_type,
                      o->service_address, o->account_id};
      for (const auto& f : o->fields) {
        if (f) search_texts.push_back(f->value);
      }
      break;
    }
    case Event::CommentAdded: {
      const auto* c = e.event.AsCommentAdded();
      item["type"] = "comment";
      item["comment_id"] = c->comment_id;
      item["body"] = c->body;
      s["comment_count"] = s["comment_count"].get<int64_t>() + 1;
      search_texts = {c->body};
      break;
    }
    case Event::InternalNoteAdded: {
      const auto* n = e.event.AsInternalNoteAdded();
      item["type"] = "internal_note";
      item["note_id"] = n->note_id;
      item["body"] = n->body;
      internal = true;  // staff only: never in the updates feed or the search index
      break;
    }
    case Event::AttachmentAdded: {
      const auto* a = e.event.AsAttachmentAdded();
      item["type"] = "attachment_added";
      item["attachment_id"] = a->attachment_id;
      item["file_name"] = a->file_name;
      json att = {{"id", a->attachment_id},     {"file_name", a->file_name},
                  {"sha256", a->sha256},        {"size_bytes", a->size_bytes},
                  {"content_type", a->content_type}, {"added_at", at_text},
                  {"added_by", ActorJson(e.actor.get())}};
      const std::string key = number + a->attachment_id;
      DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kAttachments, key));
      if (!existing) s["attachment_count"] = s["attachment_count"].get<int64_t>() + 1;
      txn.Put(Cf::kAttachments, key, att.dump());
      break;
    }
    case Event::AttachmentRenamed: {
      const auto* a = e.event.AsAttachmentRenamed();
      const std::string key = number + a->attachment_id;
      DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kAttachments, key));
      if (!existing) {
        return FailedPreconditionError("AttachmentRenamed of unknown attachment " +
                                       a->attachment_id + " of case " + number);
      }
      json att = json::parse(*existing, nullptr, false);
      if (att.is_discarded()) return DataLossError("read store: attachment row does not parse");
      item["type"] = "attachment_renamed";
      item["attachment_id"] = a->attachment_id;
      item["file_name"] = a->file_name;
      item["previous_file_name"] = att["file_name"];
      att["file_name"] = a->file_name;
      txn.Put(Cf::kAttachments, key, att.dump());
      break;
    }
    case Event::AttachmentRemoved: {
      const auto* a = e.event.AsAttachmentRemoved();
      const std::string key = number + a->attachment_id;
      DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kAttachments, key));
      if (!existing) {
        return FailedPreconditionError("AttachmentRemoved of unknown attachment " +
                                       a->attachment_id + " of case " + number);
      }
      json att = json::parse(*existing, nullptr, false);
      item["type"] = "attachment_removed";
      item["attachment_id"] = a->attachment_id;
      item["file_name"] = att.is_discarded() ? json() : att["file_name"];
      txn.Delete(Cf::kAttachments, key);
      s["attachment_count"] = s["attachment_count"].get<int64_t>() - 1;
      break;
    }
    case Event::WatcherAdded: {
      const auto* w = e.event.AsWatcherAdded();
      const std::string key = number + w->email;
      DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kWatchers, key));
      if (!existing) s["watcher_count"] = s["watcher_count"].get<int64_t>() + 1;
      txn.Put(Cf::kWatchers, key,
              json{{"email", w->email}, {"added_at", at_text},
                   {"added_by", ActorJson(e.actor.get())}}
                  .dump());
      item["type"] = "watcher_added";
      item["email"] = w->email;
      break;
    }
    case Event::WatcherRemoved: {
      const auto* w = e.event.AsWatcherRemoved();
      const std::string key = number + w->email;
      DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kWatchers, key));
      if (existing) {
        txn.Delete(Cf::kWatchers, key);
        s["watcher_count"] = s["watcher_count"].get<int64_t>() - 1;
      }
      item["type"] = "watcher_removed";
      item["email"] = w->email;
      break;
    }
    case Event::CaseAccepted:
      change_state(fb::CaseState::Open, nullptr, "");
      break;
    case Event::InformationRequested:
      change_state(fb::CaseState::AwaitingInfo, "message",
                   e.event.AsInformationRequested()->message);
      search_texts = {e.event.AsInformationRequested()->message};
      break;
    case Event::InformationProvided:
      change_state(fb::CaseState::Open, nullptr, "");
      item["comment_id"] = e.event.AsInformationProvided()->comment_id;
      break;
    case Event::CaseResolved: {
      const std::string& resolution = e.event.AsCaseResolved()->resolution;
      change_state(fb::CaseState::Resolved, "resolution", resolution);
      s["resolved_at"] = at_text;
      s["resolution"] = resolution;
      search_texts = {resolution};
      break;
    }
    case Event::ResolutionAccepted:
      change_state(fb::CaseState::Closed, nullptr, "");
      s["closed_at"] = at_text;
      break;
    case Event::ResolutionRejected:
      change_state(fb::CaseState::Open, "reason", e.event.AsResolutionRejected()->reason);
      s["resolved_at"] = nullptr;
      break;
    case Event::CaseClosed:
      change_state(fb::CaseState::Closed, "reason",
                   e.event.AsCaseClosed()->reason == fb::CloseReason::AutoClose ? "auto_close"
                                                                                : "staff");
      s["closed_at"] = at_text;
      break;
    case Event::CaseCancelled:
      change_state(fb::CaseState::Cancelled, "reason", e.event.AsCaseCancelled()->reason);
      s["cancelled_at"] = at_text;
      break;
    case Event::CaseReopened:
      change_state(fb::CaseState::Open, "reason", e.event.AsCaseReopened()->reason);
      s["resolved_at"] = nullptr;
      s["closed_at"] = nullptr;
      break;
    case Event::NONE:
      return FailedPreconditionError("event without a payload for case " + number);
    default:  // another context's event on the cases topic
      return FailedPreconditionError(std::string(fb::EnumNameEvent(type)) +
                                     " is not a cases event (case " + number + ")");
  }

  // Summary and indexes.
  if (new_state) s["state"] = aggregates::StateName(*new_state);
  s["version"] = e.version;
  s["updated_at"] = at_text;
  s["updated_at_us"] = at;
  const IndexedFields after = FieldsOf(s);
  MoveListKeys(txn, before, after, number);
  if (!before) txn.Put(Cf::kLists, keys::NumberPrefix(after.account) + number, "");
  if (!before || before->state != after.state) {
    if (before) DOCKET_RETURN_IF_ERROR(CountState(txn, after.account, before->state, -1));
    DOCKET_RETURN_IF_ERROR(CountState(txn, after.account, after.state, +1));
  }
  txn.Put(Cf::kCases, number, s.dump());

  // Activity, and the updates feed when customers may see it.
  item["internal"] = internal;
  txn.Put(Cf::kActivity, number + keys::Version(e.version), item.dump());
  if (!internal) {
    item["case_number"] = number;
    item["subject"] = s["subject"];
    const std::string suffix = keys::InvTime(at) + number + keys::Version(e.version);
    const std::string dumped = item.dump();
    txn.Put(Cf::kUpdates, keys::UpdatesPrefix(after.account) + suffix, dumped);
    txn.Put(Cf::kUpdates, keys::UpdatesPrefix("") + suffix, dumped);
  }

  // Every event refreshes the search document's recency; some add words.
  DOCKET_RETURN_IF_ERROR(IndexText(txn, text, number, after.account, at, search_texts));
  return ApplyOutcome::kApplied;
}

}  // namespace docket::projections

namespace docket::projections {
namespace {

class CaseApplier final : public EventApplier {
 public:
  Result<ApplyOutcome> Apply(const fb::EventEnvelopeT& event, Txn& txn) override {
    return ApplyCaseEvent(event, txn, text_);
  }

 private:
  TextAnalyzer text_;  // not thread-safe: one per lane
};

}  // namespace

std::unique_ptr<EventApplier> CaseProjection::NewApplier() const {
  return std::make_unique<CaseApplier>();
}

}  // namespace docket::projections
