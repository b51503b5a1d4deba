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
#include "projections/cases/search_index.h"

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

// Moves the case between the filter bitmaps (account, state, case type,
// category) when those fields change: the list filters' sets.
Status MoveFilterBits(Txn& txn, const std::optional<IndexedFields>& before,
                      const IndexedFields& after, const std::string& number) {
  DOCKET_ASSIGN_OR_RETURN(const uint32_t doc, DocId(number));
  auto move = [&](const std::string& old_key, const std::string& new_key) {
    if (before && old_key == new_key) return;
    if (before) txn.SetBit(Cf::kPostings, old_key, doc, false);
    txn.SetBit(Cf::kPostings, new_key, doc, true);
  };
  auto field = [&](auto key_of) {
    move(before ? key_of(*before) : std::string(), key_of(after));
  };
  field([](const IndexedFields& f) { return keys::AccountBitsKey(f.account); });
  field([](const IndexedFields& f) { return keys::StateBitsKey(StateChar(f.state)); });
  field([](const IndexedFields& f) { return keys::TypeBitsKey(f.case_type); });
  field([](const IndexedFields& f) { return keys::CategoryBitsKey(f.case_type, f.category); });
  return Status::Ok();
}

Status CountState(Txn& txn, const std::string& account, fb::CaseState state, int64_t delta) {
  txn.Merge(Cf::kCounts, keys::CountKey(account, StateChar(state)), delta);
  txn.Merge(Cf::kCounts, keys::CountKey("", StateChar(state)), delta);
  return Status::Ok();
}

// One event being applied to one case: the event, the case's summary (edited
// in place) and what the event adds beyond the summary.
struct CaseUpdate {
  const fb::EventEnvelopeT& event;
  const std::string& number;            // event.aggregate_id
  const std::string at_text;            // event.occurred_at_us, formatted
  json summary;                         // null until CaseOpened fills it in
  std::optional<IndexedFields> before;  // the stored summary's; none for a new case
  json item;                            // the activity item
  bool internal = false;                // staff only: not in the feed or the index
  std::optional<fb::CaseState> new_state;
  std::vector<std::string> search_texts;  // words the event adds to the index
};

// Reads the case's stored summary: nullopt when the case has no row yet.
// kDataLoss when the row does not parse or has no version.
Result<std::optional<json>> ReadSummary(Txn& txn, const std::string& number) {
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(Cf::kCases, number));
  if (!row) return std::optional<json>();
  json s = json::parse(*row, nullptr, /*allow_exceptions=*/false);
  if (s.is_discarded() || !s.is_object() || !s.contains("version")) {
    return DataLossError("read store: summary of " + number + " does not parse");
  }
  return std::optional<json>(std::move(s));
}

// Checks that `e` is the next event of a case at version `have` (an event
// at or below `have` is the caller's kAlreadyApplied): no version gap, the
// first event opens the case and no later one does. kFailedPrecondition
// otherwise.
Status CheckSequence(const fb::EventEnvelopeT& e, uint64_t have) {
  const std::string& number = e.aggregate_id;
  const Event type = e.event.type;
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
  return Status::Ok();
}

// CaseOpened: the new summary (state NEW) and its words. kFailedPrecondition
// when the case has no account.
Status ApplyCaseOpened(CaseUpdate& u) {
  const fb::EventEnvelopeT& e = u.event;
  const auto* o = e.event.AsCaseOpened();
  if (o->account_id.empty()) {
    return FailedPreconditionError("CaseOpened of " + u.number + " has no account");
  }
  json fields = json::object();
  for (const auto& f : o->fields) {
    if (f) fields[f->key] = f->value;
  }
  const int64_t at = e.occurred_at_us;
  u.summary = json{{"number", u.number},
                   {"state", aggregates::StateName(fb::CaseState::New)},
                   {"account_id", o->account_id},
                   {"service_address", o->service_address},
                   {"case_type", o->case_type},
                   {"category", o->category},
                   {"subject", o->subject},
                   {"description", o->description},
                   {"fields", fields},
                   {"opened_at", u.at_text},
                   {"opened_at_us", at},
                   {"opened_by", ActorJson(e.actor.get())},
                   {"updated_at", u.at_text},
                   {"updated_at_us", at},
                   {"resolved_at", nullptr},
                   {"closed_at", nullptr},
                   {"cancelled_at", nullptr},
                   {"resolution", nullptr},
                   {"comment_count", 0},
                   {"attachment_count", 0},
                   {"watcher_count", 0},
                   {"version", 0}};
  u.item["type"] = "opened";
  u.item["to"] = aggregates::StateName(fb::CaseState::New);
  u.item["subject"] = o->subject;
  u.new_state = fb::CaseState::New;
  u.search_texts = {o->subject, o->description, o->category, o->case_type,
                    o->service_address, o->account_id};
  for (const auto& f : o->fields) {
    if (f) u.search_texts.push_back(f->value);
  }
  return Status::Ok();
}

// CommentAdded: a public comment, counted and indexed.
void ApplyCommentAdded(CaseUpdate& u) {
  const auto* c = u.event.event.AsCommentAdded();
  u.item["type"] = "comment";
  u.item["comment_id"] = c->comment_id;
  u.item["body"] = c->body;
  u.summary["comment_count"] = u.summary["comment_count"].get<int64_t>() + 1;
  u.search_texts = {c->body};
}

// InternalNoteAdded: staff only, so never in the updates feed or the search
// index.
void ApplyInternalNoteAdded(CaseUpdate& u) {
  const auto* n = u.event.event.AsInternalNoteAdded();
  u.item["type"] = "internal_note";
  u.item["note_id"] = n->note_id;
  u.item["body"] = n->body;
  u.internal = true;
}

// AttachmentAdded: writes the attachment row (counted when new).
Status ApplyAttachmentAdded(CaseUpdate& u, Txn& txn) {
  const auto* a = u.event.event.AsAttachmentAdded();
  u.item["type"] = "attachment_added";
  u.item["attachment_id"] = a->attachment_id;
  u.item["file_name"] = a->file_name;
  json att = {{"id", a->attachment_id},     {"file_name", a->file_name},
              {"sha256", a->sha256},        {"size_bytes", a->size_bytes},
              {"content_type", a->content_type}, {"added_at", u.at_text},
              {"added_by", ActorJson(u.event.actor.get())}};
  const std::string key = u.number + a->attachment_id;
  DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kAttachments, key));
  if (!existing) u.summary["attachment_count"] = u.summary["attachment_count"].get<int64_t>() + 1;
  txn.Put(Cf::kAttachments, key, att.dump());
  return Status::Ok();
}

// The row of an attachment an event names; kFailedPrecondition (the log's
// invariant broke) for an attachment the case never had.
Result<std::string> AttachmentRow(const CaseUpdate& u, Txn& txn, const std::string& key,
                                  std::string_view event, const std::string& attachment_id) {
  DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kAttachments, key));
  if (!existing) {
    return FailedPreconditionError(std::string(event) + " of unknown attachment " +
                                   attachment_id + " of case " + u.number);
  }
  return std::move(*existing);
}

// AttachmentRenamed: rewrites the attachment row's file name.
// kFailedPrecondition for an unknown attachment, kDataLoss for a bad row.
Status ApplyAttachmentRenamed(CaseUpdate& u, Txn& txn) {
  const auto* a = u.event.event.AsAttachmentRenamed();
  const std::string key = u.number + a->attachment_id;
  DOCKET_ASSIGN_OR_RETURN(std::string existing,
                          AttachmentRow(u, txn, key, "AttachmentRenamed", a->attachment_id));
  json att = json::parse(existing, nullptr, false);
  if (att.is_discarded()) return DataLossError("read store: attachment row does not parse");
  u.item["type"] = "attachment_renamed";
  u.item["attachment_id"] = a->attachment_id;
  u.item["file_name"] = a->file_name;
  u.item["previous_file_name"] = att["file_name"];
  att["file_name"] = a->file_name;
  txn.Put(Cf::kAttachments, key, att.dump());
  return Status::Ok();
}

// AttachmentRemoved: deletes the attachment row. kFailedPrecondition for an
// unknown attachment.
Status ApplyAttachmentRemoved(CaseUpdate& u, Txn& txn) {
  const auto* a = u.event.event.AsAttachmentRemoved();
  const std::string key = u.number + a->attachment_id;
  DOCKET_ASSIGN_OR_RETURN(std::string existing,
                          AttachmentRow(u, txn, key, "AttachmentRemoved", a->attachment_id));
  json att = json::parse(existing, nullptr, false);
  u.item["type"] = "attachment_removed";
  u.item["attachment_id"] = a->attachment_id;
  u.item["file_name"] = att.is_discarded() ? json() : att["file_name"];
  txn.Delete(Cf::kAttachments, key);
  u.summary["attachment_count"] = u.summary["attachment_count"].get<int64_t>() - 1;
  return Status::Ok();
}

// WatcherAdded: writes the watcher row (counted when new).
Status ApplyWatcherAdded(CaseUpdate& u, Txn& txn) {
  const auto* w = u.event.event.AsWatcherAdded();
  const std::string key = u.number + w->email;
  DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kWatchers, key));
  if (!existing) u.summary["watcher_count"] = u.summary["watcher_count"].get<int64_t>() + 1;
  txn.Put(Cf::kWatchers, key,
          json{{"email", w->email}, {"added_at", u.at_text},
               {"added_by", ActorJson(u.event.actor.get())}}
              .dump());
  u.item["type"] = "watcher_added";
  u.item["email"] = w->email;
  return Status::Ok();
}

// WatcherRemoved: deletes the watcher row, if there is one.
Status ApplyWatcherRemoved(CaseUpdate& u, Txn& txn) {
  const auto* w = u.event.event.AsWatcherRemoved();
  const std::string key = u.number + w->email;
  DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kWatchers, key));
  if (existing) {
    txn.Delete(Cf::kWatchers, key);
    u.summary["watcher_count"] = u.summary["watcher_count"].get<int64_t>() - 1;
  }
  u.item["type"] = "watcher_removed";
  u.item["email"] = w->email;
  return Status::Ok();
}

// Makes the activity item a state change to `to`, with `reason` under
// `field` when both are given, and records the new state.
void ChangeState(CaseUpdate& u, fb::CaseState to, const char* field, std::string reason) {
  u.item["type"] = "state_changed";
  u.item["from"] = aggregates::StateName(u.before->state);
  u.item["to"] = aggregates::StateName(to);
  if (field && !reason.empty()) u.item[field] = reason;
  u.new_state = to;
}

// The lifecycle events after CaseOpened: a state change, plus the summary's
// timestamps and resolution. Returns false for any other event.
bool ApplyLifecycleEvent(CaseUpdate& u) {
  const fb::EventUnion& ev = u.event.event;
  json& s = u.summary;
  switch (ev.type) {
    case Event::CaseAccepted:
      ChangeState(u, fb::CaseState::Open, nullptr, "");
      return true;
    case Event::InformationRequested:
      ChangeState(u, fb::CaseState::AwaitingInfo, "message", ev.AsInformationRequested()->message);
      u.search_texts = {ev.AsInformationRequested()->message};
      return true;
    case Event::InformationProvided:
      ChangeState(u, fb::CaseState::Open, nullptr, "");
      u.item["comment_id"] = ev.AsInformationProvided()->comment_id;
      return true;
    case Event::CaseResolved: {
      const std::string& resolution = ev.AsCaseResolved()->resolution;
      ChangeState(u, fb::CaseState::Resolved, "resolution", resolution);
      s["resolved_at"] = u.at_text;
      s["resolution"] = resolution;
      u.search_texts = {resolution};
      return true;
    }
    case Event::ResolutionAccepted:
      ChangeState(u, fb::CaseState::Closed, nullptr, "");
      s["closed_at"] = u.at_text;
      return true;
    case Event::ResolutionRejected:
      ChangeState(u, fb::CaseState::Open, "reason", ev.AsResolutionRejected()->reason);
      s["resolved_at"] = nullptr;
      return true;
    case Event::CaseClosed:
      ChangeState(u, fb::CaseState::Closed, "reason",
                  ev.AsCaseClosed()->reason == fb::CloseReason::AutoClose ? "auto_close" : "staff");
      s["closed_at"] = u.at_text;
      return true;
    case Event::CaseCancelled:
      ChangeState(u, fb::CaseState::Cancelled, "reason", ev.AsCaseCancelled()->reason);
      s["cancelled_at"] = u.at_text;
      return true;
    case Event::CaseReopened:
      ChangeState(u, fb::CaseState::Open, "reason", ev.AsCaseReopened()->reason);
      s["resolved_at"] = nullptr;
      s["closed_at"] = nullptr;
      return true;
    default:
      return false;
  }
}

// Applies the event's payload to the summary, the activity item and the
// per-case rows (attachments, watchers). kFailedPrecondition for an event
// without a payload or of another context.
Status ApplyPayload(CaseUpdate& u, Txn& txn) {
  const Event type = u.event.event.type;
  switch (type) {
    case Event::CaseOpened:
      return ApplyCaseOpened(u);
    case Event::CommentAdded:
      ApplyCommentAdded(u);
      return Status::Ok();
    case Event::InternalNoteAdded:
      ApplyInternalNoteAdded(u);
      return Status::Ok();
    case Event::AttachmentAdded:
      return ApplyAttachmentAdded(u, txn);
    case Event::AttachmentRenamed:
      return ApplyAttachmentRenamed(u, txn);
    case Event::AttachmentRemoved:
      return ApplyAttachmentRemoved(u, txn);
    case Event::WatcherAdded:
      return ApplyWatcherAdded(u, txn);
    case Event::WatcherRemoved:
      return ApplyWatcherRemoved(u, txn);
    case Event::NONE:
      return FailedPreconditionError("event without a payload for case " + u.number);
    default:
      if (ApplyLifecycleEvent(u)) return Status::Ok();
      // Another context's event on the cases topic.
      return FailedPreconditionError(std::string(fb::EnumNameEvent(type)) +
                                     " is not a cases event (case " + u.number + ")");
  }
}

// Stamps the summary with the event (state, version, update time), writes
// it and moves its list entries and state counts. Returns its index fields.
Result<IndexedFields> WriteSummary(CaseUpdate& u, Txn& txn) {
  json& s = u.summary;
  if (u.new_state) s["state"] = aggregates::StateName(*u.new_state);
  s["version"] = u.event.version;
  s["updated_at"] = u.at_text;
  s["updated_at_us"] = u.event.occurred_at_us;
  IndexedFields after = FieldsOf(s);
  MoveListKeys(txn, u.before, after, u.number);
  DOCKET_RETURN_IF_ERROR(MoveFilterBits(txn, u.before, after, u.number));
  if (!u.before) txn.Put(Cf::kLists, keys::NumberPrefix(after.account) + u.number, "");
  if (!u.before || u.before->state != after.state) {
    if (u.before) DOCKET_RETURN_IF_ERROR(CountState(txn, after.account, u.before->state, -1));
    DOCKET_RETURN_IF_ERROR(CountState(txn, after.account, after.state, +1));
  }
  txn.Put(Cf::kCases, u.number, s.dump());
  return after;
}

// Writes the activity item, and the updates feed entries (the account's and
// the all-accounts one) when customers may see it.
void WriteActivity(CaseUpdate& u, Txn& txn, const std::string& account) {
  json& item = u.item;
  const uint64_t version = u.event.version;
  item["internal"] = u.internal;
  txn.Put(Cf::kActivity, u.number + keys::Version(version), item.dump());
  if (u.internal) return;
  item["case_number"] = u.number;
  item["subject"] = u.summary["subject"];
  const std::string suffix =
      keys::InvTime(u.event.occurred_at_us) + u.number + keys::Version(version);
  const std::string dumped = item.dump();
  txn.Put(Cf::kUpdates, keys::UpdatesPrefix(account) + suffix, dumped);
  txn.Put(Cf::kUpdates, keys::UpdatesPrefix("") + suffix, dumped);
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
  DOCKET_ASSIGN_OR_RETURN(std::optional<json> stored, ReadSummary(txn, number));
  const uint64_t have = stored ? (*stored)["version"].get<uint64_t>() : 0;
  if (e.version <= have) return ApplyOutcome::kAlreadyApplied;
  DOCKET_RETURN_IF_ERROR(CheckSequence(e, have));

  const int64_t at = e.occurred_at_us;
  CaseUpdate u{.event = e, .number = number, .at_text = FormatMicros(at)};
  u.item = {{"version", e.version}, {"at", u.at_text}, {"actor", ActorJson(e.actor.get())}};
  if (stored) {
    u.summary = std::move(*stored);
    u.before = FieldsOf(u.summary);
  }
  DOCKET_RETURN_IF_ERROR(ApplyPayload(u, txn));

  DOCKET_ASSIGN_OR_RETURN(const IndexedFields after, WriteSummary(u, txn));
  WriteActivity(u, txn, after.account);
  // Every event refreshes the search document's recency; some add words.
  DOCKET_RETURN_IF_ERROR(
      IndexText(txn, text, number, after.account, at, after.opened_us, u.search_texts));
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
