#include "aggregates/cases/case.h"

#include "aggregates/rules.h"
#include "common/text.h"
#include "events/envelope.h"

#include <utf8proc.h>

#include <algorithm>
#include <cctype>

namespace docket::aggregates {
namespace {

using fb::CaseState;
using fb::ResultCode;
using fb::Role;

constexpr std::string_view kStateNames[] = {"NEW",      "OPEN",   "AWAITING_INFO",
                                            "RESOLVED", "CLOSED", "CANCELLED"};

std::optional<Rejection> FileNameRule(const std::string& name, size_t max_bytes) {
  if (name.empty() || name.size() > max_bytes) {
    return Invalid("attachment.file_name", "file_name",
                   "must be 1.." + std::to_string(max_bytes) + " bytes");
  }
  if (Utf8Length(name) < 0) return Invalid("text.utf8", "file_name", "is not valid UTF-8");
  if (name == "." || name == "..") {
    return Invalid("attachment.file_name", "file_name", "must not be . or ..");
  }
  for (unsigned char c : name) {
    if (c == '/' || c == '\\') {
      return Invalid("attachment.file_name", "file_name",
                     "must not contain path separators or control characters");
    }
  }
  // Control and format characters (C0, C1, bidi overrides such as U+202E
  // that disguise "exe" as "fdp").
  auto p = reinterpret_cast<const utf8proc_uint8_t*>(name.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(name.size());
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t len = utf8proc_iterate(p, left, &cp);
    utf8proc_category_t cat = utf8proc_category(cp);
    if (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF) {
      return Invalid("attachment.file_name", "file_name",
                     "must not contain path separators or control characters");
    }
    p += len;
    left -= len;
  }
  return std::nullopt;
}

bool IsLowerHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsStaff(const fb::ActorT& a) { return a.role == Role::Staff || a.role == Role::Admin; }

bool MayAccessAccount(const fb::ActorT& a, const std::string& account) {
  if (a.role != Role::Customer) return true;
  return std::find(a.account_ids.begin(), a.account_ids.end(), account) !=
         a.account_ids.end();
}

template <typename T>
Events One(T payload) {
  Events e(1);
  e[0].Set(std::move(payload));
  return e;
}

// Commands that carry one text and turn into one event carrying it.
template <typename EventT>
Decision TextEvent(const std::string& text, const std::string& field, size_t min,
                   size_t max, const std::string& rule, std::string EventT::*member) {
  if (auto r = CheckText(text, field, min, max, rule)) return *r;
  EventT e;
  e.*member = text;
  return One(std::move(e));
}

// Staff-only commands and the customer-only ones.
bool StaffOnly(fb::Command t) {
  switch (t) {
    case fb::Command::AddInternalNote:
    case fb::Command::AcceptCase:
    case fb::Command::RequestInformation:
    case fb::Command::ResolveCase:
    case fb::Command::ReopenCase:
      return true;
    default:
      return false;
  }
}
bool CustomerOnly(fb::Command t) {
  return t == fb::Command::AcceptResolution || t == fb::Command::RejectResolution;
}

// The lifecycle table (docs/case-lifecycle.md): which states a state-changing
// command may start from.
bool AllowedFrom(fb::Command t, CaseState s) {
  switch (t) {
    case fb::Command::AcceptCase:
      return s == CaseState::New;
    case fb::Command::RequestInformation:
      return s == CaseState::New || s == CaseState::Open;
    case fb::Command::ResolveCase:
      return s == CaseState::New || s == CaseState::Open || s == CaseState::AwaitingInfo;
    case fb::Command::AcceptResolution:
    case fb::Command::RejectResolution:
    case fb::Command::ReopenCase:
      return s == CaseState::Resolved;
    case fb::Command::CloseCase:  // the auto-close timer: RESOLVED only (below)
      return s != CaseState::Closed && s != CaseState::Cancelled;
    case fb::Command::CancelCase:
      return s == CaseState::New || s == CaseState::Open || s == CaseState::AwaitingInfo;
    default:
      return true;  // not a state change
  }
}

Decision DecideOpen(const CaseSnapshot& state, const fb::CommandEnvelopeT& cmd,
                    const fb::OpenCaseT& c, const DecideContext& ctx) {
  if (!state.case_number.empty()) {
    return Reject(ResultCode::AlreadyExists, "case.already_exists",
                  "case " + state.case_number + " already exists");
  }
  if (cmd.actor->role == Role::Customer && !MayAccessAccount(*cmd.actor, c.account_id)) {
    return Reject(ResultCode::NotFound, "case.account_access",
                  "account " + c.account_id + " not found");
  }
  if (cmd.actor->role == Role::System) {
    return Reject(ResultCode::PermissionDenied, "case.system_actor",
                  "the system actor only closes resolved cases");
  }
  if (c.account_id.empty()) return Invalid("case.account_required", "account_id", "is required");
  const CatalogRequestType* type = ctx.catalog->FindType(c.case_type);
  if (!type) {
    return Invalid("case.catalog", "case_type",
                   "'" + c.case_type + "' is not a request type of catalog v" +
                       std::to_string(ctx.catalog->version()));
  }
  const CatalogCategory* cat = ctx.catalog->FindCategory(c.case_type, c.category);
  if (!cat) {
    return Invalid("case.catalog", "category",
                   "'" + c.category + "' is not a category of " + type->name);
  }
  for (size_t i = 0; i < c.fields.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (c.fields[j]->key == c.fields[i]->key) {
        return Invalid("case.catalog", "fields." + c.fields[i]->key, "is given twice");
      }
    }
  }
  for (const auto& f : c.fields) {
    bool known = std::any_of(cat->fields.begin(), cat->fields.end(),
                             [&](const CatalogField& cf) { return cf.key == f->key; });
    if (!known) {
      return Invalid("case.catalog", "fields." + f->key,
                     "is not a field of category " + cat->name);
    }
    if (auto r = CheckText(f->value, "fields." + f->key, 0,
                           ctx.limits->max_comment_chars, "case.field_length")) {
      return *r;
    }
  }
  for (const auto& cf : cat->fields) {
    if (!cf.required) continue;
    bool present = std::any_of(c.fields.begin(), c.fields.end(), [&](const auto& f) {
      return f->key == cf.key && !f->value.empty();
    });
    if (!present) {
      return Invalid("case.catalog", "fields." + cf.key,
                     "is required for category " + cat->name);
    }
  }
  if (auto r = CheckText(c.subject, "subject", 1, ctx.limits->max_subject_chars,
                         "case.subject_length")) {
    return *r;
  }
  if (auto r = CheckText(c.description, "description", 1,
                         ctx.limits->max_description_chars, "case.description_length")) {
    return *r;
  }
  if (auto r = CheckText(c.service_address, "service_address", 0,
                         ctx.limits->max_subject_chars, "case.service_address_length")) {
    return *r;
  }
  fb::CaseOpenedT e;
  e.case_number = ctx.new_case_number;
  e.account_id = c.account_id;
  e.case_type = c.case_type;
  e.category = c.category;
  e.subject = c.subject;
  e.description = c.description;
  e.service_address = c.service_address;
  for (const auto& f : c.fields) e.fields.push_back(std::make_unique<fb::FieldT>(*f));
  e.catalog_version = ctx.catalog->version();
  return One(std::move(e));
}

// Who may send a command to an existing case and which states it may start
// from (docs/case-lifecycle.md); nullopt when the command may go on.
std::optional<Rejection> CheckActorAndState(const CaseSnapshot& s, const fb::ActorT& actor,
                                            fb::Command type) {
  if (StaffOnly(type) && !IsStaff(actor)) {
    return Reject(ResultCode::PermissionDenied, "case.staff_only",
                  std::string(events::CommandTypeName(type)) + " is for staff only");
  }
  if (CustomerOnly(type) && actor.role != Role::Customer) {
    return Reject(ResultCode::PermissionDenied, "case.customer_only",
                  std::string(events::CommandTypeName(type)) +
                      " is for the customer who owns the case");
  }
  if (type == fb::Command::CloseCase && !IsStaff(actor) && actor.role != Role::System) {
    return Reject(ResultCode::PermissionDenied, "case.staff_only",
                  "CloseCase is for staff only");
  }
  if (actor.role == Role::System && type != fb::Command::CloseCase) {
    return Reject(ResultCode::PermissionDenied, "case.system_actor",
                  "the system actor only closes resolved cases");
  }
  if (s.state == CaseState::Closed || s.state == CaseState::Cancelled) {
    return Reject(ResultCode::FailedPrecondition, "case.final_state",
                  "case " + s.case_number + " is " + std::string(StateName(s.state)) +
                      ": a final state takes no comments, attachments, watchers or "
                      "state changes");
  }
  if (!AllowedFrom(type, s.state) ||
      (actor.role == Role::System && s.state != CaseState::Resolved)) {
    return Reject(ResultCode::FailedPrecondition, "case.invalid_transition",
                  std::string(events::CommandTypeName(type)) + " is not allowed in state " +
                      std::string(StateName(s.state)));
  }
  return std::nullopt;
}

// The id suffix of what the next event adds: the version that event gets.
std::string NextId(const CaseSnapshot& s) { return std::to_string(s.version + 1); }

// AddComment; a customer's comment on a case awaiting info also provides it.
Decision DecideAddComment(const CaseSnapshot& s, const fb::ActorT& actor,
                          const fb::AddCommentT& c, const CaseLimits& lim) {
  if (auto r = CheckText(c.body, "body", 1, lim.max_comment_chars, "comment.length")) {
    return *r;
  }
  const std::string next_id = NextId(s);
  fb::CommentAddedT e;
  e.comment_id = "c" + next_id;
  e.body = c.body;
  Events out = One(std::move(e));
  if (s.state == CaseState::AwaitingInfo && actor.role == Role::Customer) {
    fb::InformationProvidedT ip;
    ip.comment_id = "c" + next_id;
    out.emplace_back().Set(std::move(ip));
  }
  return out;
}

// AddInternalNote (staff only, checked before).
Decision DecideAddInternalNote(const CaseSnapshot& s, const fb::AddInternalNoteT& c,
                               const CaseLimits& lim) {
  if (auto r = CheckText(c.body, "body", 1, lim.max_comment_chars, "comment.length")) {
    return *r;
  }
  fb::InternalNoteAddedT e;
  e.note_id = "n" + NextId(s);
  e.body = c.body;
  return One(std::move(e));
}

// AddAttachment: the case's attachment limit, then size, digest and name.
Decision DecideAddAttachment(const CaseSnapshot& s, const fb::AddAttachmentT& c,
                             const CaseLimits& lim) {
  if (auto r = CheckAttachmentCount(s.attachments.size(), lim)) return *r;
  if (auto r = CheckAttachmentSize(c.size_bytes, lim)) return *r;
  if (!IsLowerHex64(c.sha256)) {
    return Invalid("attachment.sha256", "sha256", "must be 64 lower-case hex digits");
  }
  if (auto r = CheckAttachmentFileName(c.file_name, lim)) return *r;
  fb::AttachmentAddedT e;
  e.attachment_id = "a" + NextId(s);
  e.sha256 = c.sha256;
  e.file_name = c.file_name;
  e.size_bytes = c.size_bytes;
  e.content_type = c.content_type.empty() ? "application/octet-stream" : c.content_type;
  return One(std::move(e));
}

// RenameAttachment and RemoveAttachment: both need the attachment to exist.
Decision DecideAttachmentChange(const CaseSnapshot& s, const fb::CommandEnvelopeT& cmd,
                                const CaseLimits& lim) {
  const fb::Command type = cmd.command.type;
  const std::string& id = type == fb::Command::RenameAttachment
                              ? cmd.command.AsRenameAttachment()->attachment_id
                              : cmd.command.AsRemoveAttachment()->attachment_id;
  auto it = std::find_if(s.attachments.begin(), s.attachments.end(),
                         [&](const auto& a) { return a->attachment_id == id; });
  if (it == s.attachments.end()) {
    return Reject(ResultCode::NotFound, "attachment.not_found",
                  "attachment '" + id + "' does not exist on case " + s.case_number);
  }
  if (type == fb::Command::RemoveAttachment) {
    fb::AttachmentRemovedT e;
    e.attachment_id = id;
    return One(std::move(e));
  }
  const std::string& name = cmd.command.AsRenameAttachment()->file_name;
  if (auto r = CheckAttachmentFileName(name, lim)) return *r;
  fb::AttachmentRenamedT e;
  e.attachment_id = id;
  e.file_name = name;
  e.previous_file_name = (*it)->file_name;
  return One(std::move(e));
}

// AddWatcher: a valid, new address while the watch list has room.
Decision DecideAddWatcher(const CaseSnapshot& s, const fb::AddWatcherT& c,
                          const CaseLimits& lim) {
  const std::string email = Lower(c.email);
  if (!ValidEmail(email)) {
    return Invalid("watcher.email_invalid", "email", "is not a valid e-mail address");
  }
  if (std::find(s.watchers.begin(), s.watchers.end(), email) != s.watchers.end()) {
    return Reject(ResultCode::AlreadyExists, "watcher.duplicate",
                  email + " is already on the watch list");
  }
  if (s.watchers.size() >= lim.max_watchers) {
    return Reject(ResultCode::FailedPrecondition, "watcher.limit",
                  "a watch list holds at most " + std::to_string(lim.max_watchers) +
                      " addresses");
  }
  fb::WatcherAddedT e;
  e.email = email;
  return One(std::move(e));
}

// RemoveWatcher: the address must be on the watch list.
Decision DecideRemoveWatcher(const CaseSnapshot& s, const fb::RemoveWatcherT& c) {
  const std::string email = Lower(c.email);
  if (std::find(s.watchers.begin(), s.watchers.end(), email) == s.watchers.end()) {
    return Reject(ResultCode::NotFound, "watcher.not_found",
                  email + " is not on the watch list");
  }
  fb::WatcherRemovedT e;
  e.email = email;
  return One(std::move(e));
}

// CloseCase: by staff any time it is allowed, by the system (auto-close) only
// once it is due.
Decision DecideClose(const CaseSnapshot& s, const fb::ActorT& actor,
                     const DecideContext& ctx) {
  fb::CaseClosedT e;
  if (actor.role == Role::System) {
    if (!AutoCloseDue(s, ctx.now_us, *ctx.limits)) {
      return Reject(ResultCode::FailedPrecondition, "case.auto_close_not_due",
                    "case " + s.case_number + " is not due for auto-close");
    }
    e.reason = fb::CloseReason::AutoClose;
  } else {
    e.reason = fb::CloseReason::Staff;
  }
  return One(std::move(e));
}

// Every command but OpenCase, on a case that exists and the actor may see:
// the common checks, then the command's own rules.
Decision DecideExisting(const CaseSnapshot& s, const fb::CommandEnvelopeT& cmd,
                        const DecideContext& ctx) {
  const fb::ActorT& actor = *cmd.actor;
  const fb::Command type = cmd.command.type;
  const CaseLimits& lim = *ctx.limits;
  if (auto r = CheckActorAndState(s, actor, type)) return *r;

  switch (type) {
    case fb::Command::AddComment:
      return DecideAddComment(s, actor, *cmd.command.AsAddComment(), lim);
    case fb::Command::AddInternalNote:
      return DecideAddInternalNote(s, *cmd.command.AsAddInternalNote(), lim);
    case fb::Command::AddAttachment:
      return DecideAddAttachment(s, *cmd.command.AsAddAttachment(), lim);
    case fb::Command::RenameAttachment:
    case fb::Command::RemoveAttachment:
      return DecideAttachmentChange(s, cmd, lim);
    case fb::Command::AddWatcher:
      return DecideAddWatcher(s, *cmd.command.AsAddWatcher(), lim);
    case fb::Command::RemoveWatcher:
      return DecideRemoveWatcher(s, *cmd.command.AsRemoveWatcher());
    case fb::Command::AcceptCase:
      return One(fb::CaseAcceptedT{});
    case fb::Command::RequestInformation:
      return TextEvent(cmd.command.AsRequestInformation()->message, "message", 0,
                       lim.max_comment_chars, "comment.length",
                       &fb::InformationRequestedT::message);
    case fb::Command::ResolveCase:
      return TextEvent(cmd.command.AsResolveCase()->resolution, "resolution", 1,
                       lim.max_comment_chars, "resolution.length",
                       &fb::CaseResolvedT::resolution);
    case fb::Command::AcceptResolution:
      return One(fb::ResolutionAcceptedT{});
    case fb::Command::RejectResolution:
      return TextEvent(cmd.command.AsRejectResolution()->reason, "reason", 0,
                       lim.max_comment_chars, "comment.length",
                       &fb::ResolutionRejectedT::reason);
    case fb::Command::CloseCase:
      return DecideClose(s, actor, ctx);
    case fb::Command::CancelCase:
      return TextEvent(cmd.command.AsCancelCase()->reason, "reason", 0,
                       lim.max_comment_chars, "comment.length", &fb::CaseCancelledT::reason);
    case fb::Command::ReopenCase:
      return TextEvent(cmd.command.AsReopenCase()->reason, "reason", 0,
                       lim.max_comment_chars, "comment.length", &fb::CaseReopenedT::reason);
    default:
      return Reject(ResultCode::InvalidArgument, "command.unknown",
                    "command type " + std::to_string(static_cast<int>(type)) +
                        " is not a cases command");
  }
}

}  // namespace

Status CaseLimits::Validate() const {
  if (max_subject_chars == 0 || max_description_chars == 0 || max_comment_chars == 0) {
    return InvalidArgumentError("case limits: text limits must be > 0");
  }
  if (auto_close_after.count() <= 0) {
    return InvalidArgumentError("case limits: auto_close_after must be > 0");
  }
  return Status::Ok();
}

Decision DecideCase(const CaseSnapshot& state, const fb::CommandEnvelopeT& cmd,
                    const DecideContext& ctx) {
  if (cmd.command.type == fb::Command::OpenCase) {
    return DecideOpen(state, cmd, *cmd.command.AsOpenCase(), ctx);
  }
  if (state.case_number.empty() || !MayAccessAccount(*cmd.actor, state.account_id)) {
    // Another account's case looks exactly like a missing one.
    return Reject(ResultCode::NotFound,
                  state.case_number.empty() ? "case.not_found" : "case.account_access",
                  "case " + cmd.aggregate_id + " not found");
  }
  if (auto r = CheckExpectedVersion(state.case_number, state.version, cmd.expected_version)) {
    return *r;
  }
  return DecideExisting(state, cmd, ctx);
}

void ApplyCase(CaseSnapshot* s, const fb::EventEnvelopeT& env) {
  const fb::EventUnion& e = env.event;
  switch (e.type) {
    case fb::Event::CaseOpened: {
      const auto& p = *e.AsCaseOpened();
      s->case_number = p.case_number;
      s->account_id = p.account_id;
      s->state = CaseState::New;
      s->opened_at_us = env.occurred_at_us;
      break;
    }
    case fb::Event::CaseAccepted:
    case fb::Event::ResolutionRejected:
    case fb::Event::CaseReopened:
    case fb::Event::InformationProvided:
      s->state = CaseState::Open;
      break;
    case fb::Event::InformationRequested:
      s->state = CaseState::AwaitingInfo;
      break;
    case fb::Event::CaseResolved:
      s->state = CaseState::Resolved;
      s->resolved_at_us = env.occurred_at_us;
      break;
    case fb::Event::ResolutionAccepted:
    case fb::Event::CaseClosed:
      s->state = CaseState::Closed;
      break;
    case fb::Event::CaseCancelled:
      s->state = CaseState::Cancelled;
      break;
    case fb::Event::AttachmentAdded: {
      const auto& p = *e.AsAttachmentAdded();
      auto a = std::make_unique<fb::AttachmentSnapshotT>();
      a->attachment_id = p.attachment_id;
      a->sha256 = p.sha256;
      a->file_name = p.file_name;
      a->size_bytes = p.size_bytes;
      a->content_type = p.content_type;
      s->attachments.push_back(std::move(a));
      break;
    }
    case fb::Event::AttachmentRenamed: {
      const auto& p = *e.AsAttachmentRenamed();
      for (auto& a : s->attachments) {
        if (a->attachment_id == p.attachment_id) a->file_name = p.file_name;
      }
      break;
    }
    case fb::Event::AttachmentRemoved: {
      const auto& id = e.AsAttachmentRemoved()->attachment_id;
      std::erase_if(s->attachments, [&](const auto& a) { return a->attachment_id == id; });
      break;
    }
    case fb::Event::WatcherAdded:
      s->watchers.push_back(e.AsWatcherAdded()->email);
      break;
    case fb::Event::WatcherRemoved:
      std::erase(s->watchers, e.AsWatcherRemoved()->email);
      break;
    default:
      break;  // comments and notes do not change the decision state
  }
  s->version = env.version;
  s->schema_version = events::kSnapshotSchemaVersion;
}

std::string_view StateName(fb::CaseState state) {
  const auto i = static_cast<size_t>(state);
  return i < std::size(kStateNames) ? kStateNames[i] : "UNKNOWN";
}

std::optional<fb::CaseState> ParseStateName(std::string_view name) {
  for (size_t i = 0; i < std::size(kStateNames); ++i) {
    if (std::equal(name.begin(), name.end(), kStateNames[i].begin(), kStateNames[i].end(),
                   [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; })) {
      return static_cast<fb::CaseState>(i);
    }
  }
  return std::nullopt;
}

bool AutoCloseDue(const CaseSnapshot& s, int64_t now_us, const CaseLimits& limits) {
  return s.state == CaseState::Resolved &&
         now_us - s.resolved_at_us >= limits.auto_close_after.count();
}

fb::CommandEnvelopeT MakeAutoCloseCommand(const CaseSnapshot& s) {
  fb::CommandEnvelopeT c = events::MakeCommand(s.case_number, events::SystemActor("auto-close"),
                                               /*issued_at_us=*/0);
  c.command_id = "auto-close/" + s.case_number + "/" + std::to_string(s.version);
  c.expected_version = static_cast<int64_t>(s.version);
  c.correlation_id = c.command_id;
  c.command.Set(fb::CloseCaseT{});
  return c;
}

std::string FormatCaseNumber(uint64_t counter, int32_t partition, int32_t partitions) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "CS%011llu",
                static_cast<unsigned long long>(counter * partitions + partition));
  return buf;
}

Result<uint64_t> ParseCaseNumber(std::string_view n) {
  if (n.size() != 13 || n[0] != 'C' || n[1] != 'S' ||
      !std::all_of(n.begin() + 2, n.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidArgumentError("'" + std::string(n) +
                                "' is not a case number (CS followed by 11 digits)");
  }
  return std::stoull(std::string(n.substr(2)));
}

Result<int32_t> CasePartition(std::string_view number, int32_t partitions) {
  DOCKET_ASSIGN_OR_RETURN(uint64_t n, ParseCaseNumber(number));
  return static_cast<int32_t>(n % static_cast<uint64_t>(partitions));
}

std::optional<Rejection> CheckExpectedVersion(const std::string& number, uint64_t version,
                                              int64_t expected) {
  if (expected < 0 || static_cast<uint64_t>(expected) == version) return std::nullopt;
  return Rejection{ResultCode::VersionConflict, "case.version_conflict",
                   "case " + number + " is at version " + std::to_string(version) +
                       ", expected " + std::to_string(expected),
                   {}};
}

std::optional<Rejection> CheckAttachmentCount(size_t attachments, const CaseLimits& lim) {
  if (attachments < lim.max_attachments) return std::nullopt;
  return Rejection{ResultCode::FailedPrecondition, "attachment.limit",
                   "a case holds at most " + std::to_string(lim.max_attachments) + " attachments",
                   {}};
}

std::optional<Rejection> CheckAttachmentSize(uint64_t size_bytes, const CaseLimits& lim) {
  if (size_bytes > 0 && size_bytes <= lim.max_attachment_bytes) return std::nullopt;
  return Invalid("attachment.size", "size_bytes",
                 "must be 1.." + std::to_string(lim.max_attachment_bytes) + " bytes");
}

std::optional<Rejection> CheckAttachmentFileName(const std::string& name, const CaseLimits& lim) {
  return FileNameRule(name, lim.max_file_name_bytes);
}

}  // namespace docket::aggregates
