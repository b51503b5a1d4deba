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
#include "projections/cases/case_rows.h"
#include "projections/cases/keys.h"
#include "projections/cases/search_index.h"

namespace docket::projections {
namespace {

using nlohmann::json;
using fb::Event;


char StateChar(fb::CaseState s) { return static_cast<char>('0' + static_cast<int>(s)); }

// The parts of a case that index keys are made of.
struct IndexedFields {
  fb::CaseState state;
  std::string account, case_type, category;
  int64_t opened_us = 0, updated_us = 0;
};

IndexedFields FieldsOf(const CaseHead& h) {
  return IndexedFields{h.state, h.account_id, h.case_type, h.category, h.opened_at_us,
                       h.updated_at_us};
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

void CountState(Txn& txn, const std::string& account, fb::CaseState state, int64_t delta) {
  txn.Merge(Cf::kCounts, keys::CountKey(account, StateChar(state)), delta);
  txn.Merge(Cf::kCounts, keys::CountKey("", StateChar(state)), delta);
}

// One event being applied to one case: the event, the case's head (edited
// in place) and what the event adds beyond it.
struct CaseUpdate {
  const fb::EventEnvelopeT& event;
  const std::string& number;            // event.aggregate_id
  CaseHead head;                        // empty until CaseOpened fills it in
  std::optional<IndexedFields> before;  // the stored head's; none for a new case
  ActivityItem item;                    // the activity item
  std::vector<std::string> search_texts;  // words the event adds to the index
};

// Reads the case's stored head: nullopt when the case has no row yet.
// kDataLoss when the row does not verify.
Result<std::optional<CaseHead>> ReadHead(Txn& txn, const std::string& number) {
  DOCKET_ASSIGN_OR_RETURN(auto row, txn.Get(Cf::kCases, number));
  if (!row) return std::optional<CaseHead>();
  auto head = CaseHead::Decode(*row);
  if (!head.ok()) return DataLossError("read store: the head row of case " + number +
                                       " does not verify");
  return std::optional<CaseHead>(std::move(*head));
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

// CaseOpened: the new head (state NEW), the body (written once) and its
// words. kFailedPrecondition when the case has no account.
Status ApplyCaseOpened(CaseUpdate& u, Txn& txn) {
  const fb::EventEnvelopeT& e = u.event;
  const auto* o = e.event.AsCaseOpened();
  if (o->account_id.empty()) {
    return FailedPreconditionError("CaseOpened of " + u.number + " has no account");
  }
  CaseHead& h = u.head;
  h.state = fb::CaseState::New;
  h.account_id = o->account_id;
  h.case_type = o->case_type;
  h.category = o->category;
  h.opened_at_us = e.occurred_at_us;
  txn.Put(Cf::kBodies, u.number, EncodeCaseBody(*o, e.actor.get()));
  u.item.kind = fb::ActivityKind::Opened;
  u.item.to = fb::CaseState::New;
  u.item.subject = o->subject;
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
  u.item.kind = fb::ActivityKind::Comment;
  u.item.comment_id = c->comment_id;
  u.item.body = c->body;
  ++u.head.comment_count;
  u.search_texts = {c->body};
}

// InternalNoteAdded: staff only, so never in the updates feed or the search
// index.
void ApplyInternalNoteAdded(CaseUpdate& u) {
  const auto* n = u.event.event.AsInternalNoteAdded();
  u.item.kind = fb::ActivityKind::InternalNote;
  u.item.note_id = n->note_id;
  u.item.body = n->body;
  u.item.internal = true;
}

// AttachmentAdded: writes the attachment row (counted when new).
Status ApplyAttachmentAdded(CaseUpdate& u, Txn& txn) {
  const auto* a = u.event.event.AsAttachmentAdded();
  u.item.kind = fb::ActivityKind::AttachmentAdded;
  u.item.attachment_id = a->attachment_id;
  u.item.file_name = a->file_name;
  json att = {{"id", a->attachment_id},     {"file_name", a->file_name},
              {"sha256", a->sha256},        {"size_bytes", a->size_bytes},
              {"content_type", a->content_type}, {"added_at", FormatMicros(u.event.occurred_at_us)},
              {"added_by", ActorJson(u.event.actor.get())}};
  const std::string key = u.number + a->attachment_id;
  DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kAttachments, key));
  if (!existing) ++u.head.attachment_count;
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
  u.item.kind = fb::ActivityKind::AttachmentRenamed;
  u.item.attachment_id = a->attachment_id;
  u.item.file_name = a->file_name;
  u.item.previous_file_name = att.value("file_name", "");
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
  u.item.kind = fb::ActivityKind::AttachmentRemoved;
  u.item.attachment_id = a->attachment_id;
  if (!att.is_discarded() && att.contains("file_name") && att["file_name"].is_string()) {
    u.item.file_name = att["file_name"].get<std::string>();
  }
  txn.Delete(Cf::kAttachments, key);
  --u.head.attachment_count;
  return Status::Ok();
}

// WatcherAdded: writes the watcher row (counted when new).
Status ApplyWatcherAdded(CaseUpdate& u, Txn& txn) {
  const auto* w = u.event.event.AsWatcherAdded();
  const std::string key = u.number + w->email;
  DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kWatchers, key));
  if (!existing) ++u.head.watcher_count;
  txn.Put(Cf::kWatchers, key,
          json{{"email", w->email}, {"added_at", FormatMicros(u.event.occurred_at_us)},
               {"added_by", ActorJson(u.event.actor.get())}}
              .dump());
  u.item.kind = fb::ActivityKind::WatcherAdded;
  u.item.email = w->email;
  return Status::Ok();
}

// WatcherRemoved: deletes the watcher row, if there is one.
Status ApplyWatcherRemoved(CaseUpdate& u, Txn& txn) {
  const auto* w = u.event.event.AsWatcherRemoved();
  const std::string key = u.number + w->email;
  DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(Cf::kWatchers, key));
  if (existing) {
    txn.Delete(Cf::kWatchers, key);
    --u.head.watcher_count;
  }
  u.item.kind = fb::ActivityKind::WatcherRemoved;
  u.item.email = w->email;
  return Status::Ok();
}

// Makes the activity item a state change to `to`, with `reason` in `field`
// when both are given, and moves the head to `to`.
void ChangeState(CaseUpdate& u, fb::CaseState to,
                 std::optional<std::string> ActivityItem::*field = nullptr,
                 const std::string& reason = "") {
  u.item.kind = fb::ActivityKind::StateChanged;
  u.item.from = u.before->state;
  u.item.to = to;
  if (field && !reason.empty()) u.item.*field = reason;
  u.head.state = to;
}

// The lifecycle events after CaseOpened: a state change, plus the head's
// timestamps and resolution. Returns false for any other event.
bool ApplyLifecycleEvent(CaseUpdate& u) {
  const fb::EventUnion& ev = u.event.event;
  CaseHead& h = u.head;
  const int64_t at = u.event.occurred_at_us;
  switch (ev.type) {
    case Event::CaseAccepted:
      ChangeState(u, fb::CaseState::Open);
      return true;
    case Event::InformationRequested:
      ChangeState(u, fb::CaseState::AwaitingInfo, &ActivityItem::message,
                  ev.AsInformationRequested()->message);
      u.search_texts = {ev.AsInformationRequested()->message};
      return true;
    case Event::InformationProvided:
      ChangeState(u, fb::CaseState::Open);
      u.item.comment_id = ev.AsInformationProvided()->comment_id;
      return true;
    case Event::CaseResolved: {
      const std::string& resolution = ev.AsCaseResolved()->resolution;
      ChangeState(u, fb::CaseState::Resolved, &ActivityItem::resolution, resolution);
      h.resolved_at_us = at;
      h.resolution = resolution;
      u.search_texts = {resolution};
      return true;
    }
    case Event::ResolutionAccepted:
      ChangeState(u, fb::CaseState::Closed);
      h.closed_at_us = at;
      return true;
    case Event::ResolutionRejected:
      ChangeState(u, fb::CaseState::Open, &ActivityItem::reason,
                  ev.AsResolutionRejected()->reason);
      h.resolved_at_us.reset();
      return true;
    case Event::CaseClosed:
      ChangeState(u, fb::CaseState::Closed, &ActivityItem::reason,
                  ev.AsCaseClosed()->reason == fb::CloseReason::AutoClose ? "auto_close" : "staff");
      h.closed_at_us = at;
      return true;
    case Event::CaseCancelled:
      ChangeState(u, fb::CaseState::Cancelled, &ActivityItem::reason,
                  ev.AsCaseCancelled()->reason);
      h.cancelled_at_us = at;
      return true;
    case Event::CaseReopened:
      ChangeState(u, fb::CaseState::Open, &ActivityItem::reason, ev.AsCaseReopened()->reason);
      h.resolved_at_us.reset();
      h.closed_at_us.reset();
      return true;
    default:
      return false;
  }
}

// Applies the event's payload to the head, the activity item and the
// per-case rows (body, attachments, watchers). kFailedPrecondition for an
// event without a payload or of another context.
Status ApplyPayload(CaseUpdate& u, Txn& txn) {
  const Event type = u.event.event.type;
  switch (type) {
    case Event::CaseOpened:
      return ApplyCaseOpened(u, txn);
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

// Stamps the head with the event (version, update time), writes it and
// moves its list entries, filter bits and state counts. Returns its index
// fields.
Result<IndexedFields> WriteHead(CaseUpdate& u, Txn& txn) {
  CaseHead& h = u.head;
  h.version = u.event.version;
  h.updated_at_us = u.event.occurred_at_us;
  IndexedFields after = FieldsOf(h);
  MoveListKeys(txn, u.before, after, u.number);
  DOCKET_RETURN_IF_ERROR(MoveFilterBits(txn, u.before, after, u.number));
  if (!u.before) txn.Put(Cf::kLists, keys::NumberPrefix(after.account) + u.number, "");
  if (!u.before || u.before->state != after.state) {
    if (u.before) CountState(txn, after.account, u.before->state, -1);
    CountState(txn, after.account, after.state, +1);
  }
  txn.Put(Cf::kCases, u.number, h.Encode());
  return after;
}

// Writes the activity item and, when customers may see it, the updates
// feed's pointers to it (the account's and the all-accounts one).
void WriteActivity(CaseUpdate& u, Txn& txn, const std::string& account) {
  const uint64_t version = u.event.version;
  u.item.version = version;
  u.item.at_us = u.event.occurred_at_us;
  u.item.actor = u.event.actor.get();
  txn.Put(Cf::kActivity, u.number + keys::Version(version), u.item.Encode());
  if (u.item.internal) return;
  const std::string suffix =
      keys::InvTime(u.event.occurred_at_us) + u.number + keys::Version(version);
  txn.Put(Cf::kUpdates, keys::UpdatesPrefix(account) + suffix, "");
  txn.Put(Cf::kUpdates, keys::UpdatesPrefix("") + suffix, "");
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
  DOCKET_ASSIGN_OR_RETURN(std::optional<CaseHead> stored, ReadHead(txn, number));
  const uint64_t have = stored ? stored->version : 0;
  if (e.version <= have) return ApplyOutcome::kAlreadyApplied;
  DOCKET_RETURN_IF_ERROR(CheckSequence(e, have));

  CaseUpdate u{.event = e, .number = number};
  if (stored) {
    u.before = FieldsOf(*stored);
    u.head = std::move(*stored);
  }
  DOCKET_RETURN_IF_ERROR(ApplyPayload(u, txn));

  DOCKET_ASSIGN_OR_RETURN(const IndexedFields after, WriteHead(u, txn));
  WriteActivity(u, txn, after.account);
  // Every event refreshes the search document's recency; some add words.
  DOCKET_RETURN_IF_ERROR(
      IndexText(txn, text, number, after.account, e.occurred_at_us, after.opened_us,
                u.search_texts));
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

std::string_view CaseProjection::model_format() const { return kCaseRowsFormat; }

}  // namespace docket::projections
