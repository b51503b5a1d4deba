#include "projections/cases/case_rows.h"

#include <flatbuffers/flatbuffers.h>

#include "aggregates/cases/case.h"
#include "common/time_format.h"
#include "events/codec.h"

namespace docket::projections {
namespace {

using nlohmann::json;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

std::string Finish(FlatBufferBuilder& fbb) {
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

Offset<flatbuffers::String> OptString(FlatBufferBuilder& fbb, const std::optional<std::string>& s) {
  return s ? fbb.CreateString(*s) : Offset<flatbuffers::String>();
}

// The actor as rows keep it: no account list (null for none).
Offset<fb::Actor> PackActor(FlatBufferBuilder& fbb, const fb::ActorT* a) {
  if (!a) return Offset<fb::Actor>();
  const auto user = fbb.CreateString(a->user_id);
  const auto name = fbb.CreateString(a->display_name);
  return fb::CreateActor(fbb, user, a->role, /*account_ids=*/0, name);
}

json ActorRowJson(const fb::Actor* a) {
  if (!a) return docket::projections::ActorJson(static_cast<const fb::ActorT*>(nullptr));
  return json{{"user_id", a->user_id() ? a->user_id()->str() : ""},
              {"display_name", a->display_name() ? a->display_name()->str() : ""},
              {"role", events::RoleName(a->role())}};
}

// The root table of `row` (copied to `buf`, which FlatBuffers' alignment
// rules need: a RocksDB block's bytes may sit anywhere); null when the
// bytes are not a `T`.
template <typename T>
const T* Root(std::string_view row, std::string& buf) {
  buf.assign(row);
  flatbuffers::Verifier v(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
  if (!v.VerifyBuffer<T>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<T>(buf.data());
}

std::string Str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

template <typename T>
std::optional<T> Std(const flatbuffers::Optional<T>& v) {
  return v ? std::optional<T>(*v) : std::nullopt;
}

json OptTime(std::optional<int64_t> us) { return us ? json(FormatMicros(*us)) : json(); }

const char* KindName(fb::ActivityKind k) {
  switch (k) {
    case fb::ActivityKind::Opened: return "opened";
    case fb::ActivityKind::Comment: return "comment";
    case fb::ActivityKind::InternalNote: return "internal_note";
    case fb::ActivityKind::AttachmentAdded: return "attachment_added";
    case fb::ActivityKind::AttachmentRenamed: return "attachment_renamed";
    case fb::ActivityKind::AttachmentRemoved: return "attachment_removed";
    case fb::ActivityKind::WatcherAdded: return "watcher_added";
    case fb::ActivityKind::WatcherRemoved: return "watcher_removed";
    case fb::ActivityKind::StateChanged: return "state_changed";
  }
  return "unknown";
}

}  // namespace

json ActorJson(const fb::ActorT* a) {
  if (!a) return json{{"user_id", ""}, {"display_name", ""}, {"role", "unknown"}};
  return json{{"user_id", a->user_id}, {"display_name", a->display_name},
              {"role", events::RoleName(a->role)}};
}

std::string CaseHead::Encode() const {
  FlatBufferBuilder fbb(256);
  const auto account = fbb.CreateString(account_id);
  const auto type = fbb.CreateString(case_type);
  const auto cat = fbb.CreateString(category);
  const auto res = OptString(fbb, resolution);
  fb::CaseHeadRowBuilder b(fbb);
  b.add_version(version);
  b.add_state(state);
  b.add_account_id(account);
  b.add_case_type(type);
  b.add_category(cat);
  b.add_opened_at_us(opened_at_us);
  b.add_updated_at_us(updated_at_us);
  if (resolved_at_us) b.add_resolved_at_us(*resolved_at_us);
  if (closed_at_us) b.add_closed_at_us(*closed_at_us);
  if (cancelled_at_us) b.add_cancelled_at_us(*cancelled_at_us);
  if (resolution) b.add_resolution(res);
  b.add_comment_count(comment_count);
  b.add_attachment_count(attachment_count);
  b.add_watcher_count(watcher_count);
  fbb.Finish(b.Finish());
  return Finish(fbb);
}

Result<CaseHead> CaseHead::Decode(std::string_view row) {
  std::string buf;
  const fb::CaseHeadRow* r = Root<fb::CaseHeadRow>(row, buf);
  if (!r) return DataLossError("read store: a case head row does not verify");
  CaseHead h;
  h.version = r->version();
  h.state = r->state();
  h.account_id = Str(r->account_id());
  h.case_type = Str(r->case_type());
  h.category = Str(r->category());
  h.opened_at_us = r->opened_at_us();
  h.updated_at_us = r->updated_at_us();
  h.resolved_at_us = Std(r->resolved_at_us());
  h.closed_at_us = Std(r->closed_at_us());
  h.cancelled_at_us = Std(r->cancelled_at_us());
  if (r->resolution()) h.resolution = r->resolution()->str();
  h.comment_count = r->comment_count();
  h.attachment_count = r->attachment_count();
  h.watcher_count = r->watcher_count();
  return h;
}

std::string EncodeCaseBody(const fb::CaseOpenedT& o, const fb::ActorT* by) {
  FlatBufferBuilder fbb(512);
  const auto address = fbb.CreateString(o.service_address);
  const auto subject = fbb.CreateString(o.subject);
  const auto description = fbb.CreateString(o.description);
  std::vector<Offset<fb::Field>> fields;
  for (const auto& f : o.fields) {
    if (!f) continue;
    const auto key = fbb.CreateString(f->key);
    const auto value = fbb.CreateString(f->value);
    fields.push_back(fb::CreateField(fbb, key, value));
  }
  const auto field_vec = fbb.CreateVector(fields);
  const auto actor = PackActor(fbb, by);
  fbb.Finish(fb::CreateCaseBodyRow(fbb, address, subject, description, field_vec, actor));
  return Finish(fbb);
}

std::string ActivityItem::Encode() const {
  FlatBufferBuilder fbb(256);
  const auto a = PackActor(fbb, actor);
  const auto s_subject = OptString(fbb, subject);
  const auto s_comment = OptString(fbb, comment_id);
  const auto s_note = OptString(fbb, note_id);
  const auto s_attachment = OptString(fbb, attachment_id);
  const auto s_file = OptString(fbb, file_name);
  const auto s_previous = OptString(fbb, previous_file_name);
  const auto s_email = OptString(fbb, email);
  const auto s_body = OptString(fbb, body);
  const auto s_message = OptString(fbb, message);
  const auto s_resolution = OptString(fbb, resolution);
  const auto s_reason = OptString(fbb, reason);
  fb::ActivityRowBuilder b(fbb);
  b.add_kind(kind);
  b.add_version(version);
  b.add_at_us(at_us);
  b.add_actor(a);
  b.add_internal(internal);
  if (from) b.add_from(*from);
  if (to) b.add_to(*to);
  b.add_subject(s_subject);
  b.add_comment_id(s_comment);
  b.add_note_id(s_note);
  b.add_attachment_id(s_attachment);
  b.add_file_name(s_file);
  b.add_previous_file_name(s_previous);
  b.add_email(s_email);
  b.add_body(s_body);
  b.add_message(s_message);
  b.add_resolution(s_resolution);
  b.add_reason(s_reason);
  fbb.Finish(b.Finish());
  return Finish(fbb);
}

Result<json> SummaryJson(std::string_view number, std::string_view head_row,
                         std::string_view body_row) {
  DOCKET_ASSIGN_OR_RETURN(const CaseHead h, CaseHead::Decode(head_row));
  std::string buf;
  const fb::CaseBodyRow* b = Root<fb::CaseBodyRow>(body_row, buf);
  if (!b) return DataLossError("read store: the body row of case " + std::string(number) +
                               " does not verify");
  json fields = json::object();
  if (b->fields()) {
    for (const fb::Field* f : *b->fields()) {
      if (f) fields[Str(f->key())] = Str(f->value());
    }
  }
  return json{{"number", number},
              {"state", aggregates::StateName(h.state)},
              {"account_id", h.account_id},
              {"service_address", Str(b->service_address())},
              {"case_type", h.case_type},
              {"category", h.category},
              {"subject", Str(b->subject())},
              {"description", Str(b->description())},
              {"fields", std::move(fields)},
              {"opened_at", FormatMicros(h.opened_at_us)},
              {"opened_at_us", h.opened_at_us},
              {"opened_by", ActorRowJson(b->opened_by())},
              {"updated_at", FormatMicros(h.updated_at_us)},
              {"updated_at_us", h.updated_at_us},
              {"resolved_at", OptTime(h.resolved_at_us)},
              {"closed_at", OptTime(h.closed_at_us)},
              {"cancelled_at", OptTime(h.cancelled_at_us)},
              {"resolution", h.resolution ? json(*h.resolution) : json()},
              {"comment_count", h.comment_count},
              {"attachment_count", h.attachment_count},
              {"watcher_count", h.watcher_count},
              {"version", h.version}};
}

Result<std::string> BodySubject(std::string_view body_row) {
  std::string buf;
  const fb::CaseBodyRow* b = Root<fb::CaseBodyRow>(body_row, buf);
  if (!b) return DataLossError("read store: a case body row does not verify");
  return Str(b->subject());
}

Result<json> ActivityJson(std::string_view row) {
  std::string buf;
  const fb::ActivityRow* r = Root<fb::ActivityRow>(row, buf);
  if (!r) return DataLossError("read store: an activity row does not verify");
  json item{{"type", KindName(r->kind())},
            {"version", r->version()},
            {"at", FormatMicros(r->at_us())},
            {"actor", ActorRowJson(r->actor())},
            {"internal", r->internal()}};
  if (r->from()) item["from"] = aggregates::StateName(*r->from());
  if (r->to()) item["to"] = aggregates::StateName(*r->to());
  const std::pair<const char*, const flatbuffers::String*> texts[] = {
      {"subject", r->subject()},
      {"comment_id", r->comment_id()},
      {"note_id", r->note_id()},
      {"attachment_id", r->attachment_id()},
      {"file_name", r->file_name()},
      {"previous_file_name", r->previous_file_name()},
      {"email", r->email()},
      {"body", r->body()},
      {"message", r->message()},
      {"resolution", r->resolution()},
      {"reason", r->reason()}};
  for (const auto& [name, text] : texts) {
    if (text) item[name] = text->str();
  }
  // A removed attachment's name is null when its row was unreadable.
  if (r->kind() == fb::ActivityKind::AttachmentRemoved && !r->file_name()) {
    item["file_name"] = nullptr;
  }
  return item;
}

}  // namespace docket::projections
