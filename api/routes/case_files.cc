// The cases context's per-case lists: attachments (upload into the blob
// store, download, rename, remove) and the watch list (api/routes/cases.h).
#include <spdlog/spdlog.h>

#include <regex>
#include <set>

#include "aggregates/rules.h"
#include "api/problem.h"
#include "api/request.h"
#include "api/routes/cases.h"
#include "common/text.h"

namespace docket::api {

using nlohmann::json;

namespace {

// A file name safe inside a quoted Content-Disposition parameter.
std::string SafeFileName(const std::string& name) {
  std::string out;
  for (unsigned char c : name) {
    out += (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == ' ') ? static_cast<char>(c)
                                                                              : '_';
  }
  if (out.empty() || out == "." || out == "..") out = "file";
  return out;
}

// A well-formed media type that a browser will not run as active content
// from our origin (HTML, SVG, XML and scripts are sent as octet-stream).
bool SafeContentType(const std::string& t) {
  static const std::regex re("^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$");
  static const std::set<std::string> active = {
      "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml",
      "text/javascript", "application/javascript", "application/ecmascript", "text/ecmascript"};
  return std::regex_match(t, re) && !active.count(t);
}

// What a download is served as: its type only when a browser is known to
// show it inertly (an allowlist; a denylist misses the next active type,
// e.g. application/rss+xml with an XSLT), else application/octet-stream.
std::string ServedContentType(const std::string& t) {
  static const std::set<std::string> inert = {
      "application/pdf", "image/png",  "image/jpeg", "image/gif",
      "image/webp",      "text/plain", "text/csv",   "application/zip"};
  return inert.count(t) ? t : "application/octet-stream";
}

// The aggregate's answer to `r`, as the command's direct answer would be.
Reply ProblemOfRule(const aggregates::Rejection& r) {
  return ProblemFromResult(aggregates::ResultOf(r));
}

// An upload the blob store refused, as a problem.
Reply UploadProblem(const Status& s) {
  if (s.code() == StatusCode::kFailedPrecondition) {
    return Problem(413, "payload-too-large", s.message());
  }
  if (s.code() == StatusCode::kInvalidArgument) return BadRequest(s.message());
  return ProblemFromStatus(s);
}

}  // namespace

void CaseRoutes::RegisterFiles(Router& router) {
  using V = http::verb;
  const std::string c = "/api/v1/cases/{number}";
  router.Add(V::get, c + "/attachments", Access::kSignedIn,
             [this](Call& call) { return CaseRows(call, &projections::CaseQueries::Attachments); });
  router.Add(V::post, c + "/attachments", Access::kSignedIn,
             [this](Call& call) { return Upload(call); }, BodyKind::kFile);
  router.Add(V::get, c + "/attachments/{id}", Access::kSignedIn,
             [this](Call& call) { return Download(call); });
  router.Add(V::patch, c + "/attachments/{id}", Access::kSignedIn,
             [this](Call& call) { return RenameAttachment(call); });
  router.Add(V::delete_, c + "/attachments/{id}", Access::kSignedIn, [this](Call& call) {
    fb::RemoveAttachmentT r;
    r.attachment_id = call.param(1);
    return Removal(call, SendCase(call, std::move(r)));
  });
  router.Add(V::get, c + "/watchers", Access::kSignedIn,
             [this](Call& call) { return CaseRows(call, &projections::CaseQueries::Watchers); });
  router.Add(V::post, c + "/watchers", Access::kSignedIn,
             [this](Call& call) { return AddWatcher(call); });
  router.Add(V::delete_, c + "/watchers/{email}", Access::kSignedIn, [this](Call& call) {
    fb::RemoveWatcherT r;
    r.email = call.param(1);
    return Removal(call, SendCase(call, std::move(r)));
  });
}

// GET of a per-case list (attachments, watchers): {"data": [...]}.
Reply CaseRoutes::CaseRows(Call& call, RowsFn rows) {
  const std::string& number = call.param(0);
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  if (!IsCaseNumber(number)) return CaseNotFound(number);
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  auto list = (q.queries.*rows)(ScopeOf(call.caller()), number);
  if (!list.ok()) {
    if (list.status().code() == StatusCode::kNotFound) return CaseNotFound(number);
    return ProblemFromStatus(list.status());
  }
  return JsonReply(200, {{"data", *list}});
}

std::optional<Reply> CaseRoutes::RefuseUploadEarly(const Call& call, const json& visible) const {
  const std::string state = visible.value("state", "");
  if (state == "CLOSED" || state == "CANCELLED") {
    return Problem(409, "conflict",
                   "case " + call.param(0) + " is " + state +
                       ": a final state takes no attachments",
                   {{"rule", "case.final_state"}});
  }
  DOCKET_ASSIGN_OR_REPLY(const int64_t expected,
                         CommandClient::ExpectedVersion(call, /*versioned=*/true));
  if (auto r = aggregates::CheckExpectedVersion(call.param(0),
                                                visible.value("version", uint64_t{0}), expected)) {
    return ProblemOfRule(*r);
  }
  if (auto r = aggregates::CheckAttachmentCount(visible.value("attachment_count", size_t{0}),
                                                limits_)) {
    return ProblemOfRule(*r);
  }
  return std::nullopt;
}

Reply CaseRoutes::Upload(Call& call) {
  const std::string& number = call.param(0);
  const std::string ct = HeaderValue(call.req, "Content-Type");
  if (!MediaTypeIs(ct, "multipart/form-data")) {
    return Problem(415, "unsupported-media-type",
                   "upload a file as multipart/form-data with a part named \"file\"");
  }
  // Visibility first: another account's case is not found before any byte
  // is stored.
  DOCKET_ASSIGN_OR_REPLY(json cj, VisibleCase(call, number));
  DOCKET_RETURN_IF_REPLY(RefuseUploadEarly(call, cj));
  // Size and name are known once the part's header is read: refused before
  // a byte is stored, with the aggregate's own rules.
  std::optional<aggregates::Rejection> refused;
  auto admit = [&](const std::string& file_name, uint64_t size) -> Status {
    refused = aggregates::CheckAttachmentSize(size, limits_);
    if (!refused) refused = aggregates::CheckAttachmentFileName(file_name, limits_);
    return refused ? AbortedError(refused->message) : Status::Ok();
  };
  Result<StoredBlob> blob =
      blobs_->ExtractUpload(call.req.body_file, ct, s_->options.max_upload_bytes, admit);
  if (refused) return ProblemOfRule(*refused);
  if (!blob.ok()) return UploadProblem(blob.status());
  fb::AddAttachmentT a;
  a.sha256 = blob->sha256;
  a.file_name = blob->file_name;
  a.size_bytes = blob->size;
  const std::string type = Lower(blob->content_type);
  a.content_type = SafeContentType(type) ? type : "application/octet-stream";
  DOCKET_ASSIGN_OR_REPLY(Sent s, SendCase(call, std::move(a)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  const std::string id = "a" + std::to_string(s.result.version);
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  auto att = q->Attachment(ScopeOf(call.caller()), number, id);
  if (!att.ok()) return CommandClient::Pending(s.result.command_id);
  Reply r = JsonReply(201, *att);
  r.Header("Location", "/api/v1/cases/" + number + "/attachments/" + id);
  r.Header("ETag", ETagOf(s.result.version));
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

OrReply<json> CaseRoutes::VisibleAttachment(const Call& call) const {
  const std::string& number = call.param(0);
  const std::string& id = call.param(1);
  DOCKET_ASSIGN_OR_REPLY(json c, VisibleCase(call, number));
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  auto att = q->Attachment(ScopeOf(call.caller()), number, id);
  if (!att.ok()) {
    if (att.status().code() == StatusCode::kNotFound) return NotFound("attachment " + id.substr(0, 64));
    return ProblemFromStatus(att.status());
  }
  return std::move(*att);
}

Reply CaseRoutes::Download(Call& call) {
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(json a, VisibleAttachment(call));
  Result<std::string> path = blobs_->PathOf(a.value("sha256", ""));
  if (!path.ok()) {
    spdlog::error("gateway: attachment {} of {}: {}", call.param(1), call.param(0),
                  path.status().ToString());
    return Problem(404, "not-found", "the attachment's content is missing from the blob store");
  }
  const std::string name = a.value("file_name", "file");
  const std::string type = a.value("content_type", "");
  Reply r;
  r.Header("Content-Type", ServedContentType(type));
  r.Header("Content-Disposition", "attachment; filename=\"" + SafeFileName(name) +
                                      "\"; filename*=UTF-8''" + PercentEncode(name));
  r.Header("X-Content-Type-Options", "nosniff");
  r.Header("Content-Security-Policy", "default-src 'none'; sandbox");
  r.Header("ETag", "\"" + a.value("sha256", "") + "\"");
  r.file_path = *path;
  return r;
}

Reply CaseRoutes::RenameAttachment(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"file_name"}));
  fb::RenameAttachmentT c;
  c.attachment_id = call.param(1);
  c.file_name = b.Str("file_name", true, 1, 255);
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  DOCKET_ASSIGN_OR_REPLY(Sent s, SendCase(call, std::move(c)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(json att, VisibleAttachment(call));
  Reply r = JsonReply(200, att);
  r.Header("ETag", ETagOf(s.result.version));
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

// The answer to a removal (attachment, watcher): 204 with the new ETag.
Reply CaseRoutes::Removal(Call& call, OrReply<Sent> sent) {
  DOCKET_ASSIGN_OR_REPLY(Sent s, std::move(sent));
  s_->commands.AwaitApplied(s);
  Reply r = EmptyReply(204);
  r.Header("ETag", ETagOf(s.result.version));
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

Reply CaseRoutes::AddWatcher(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"email"}));
  fb::AddWatcherT c;
  c.email = b.Str("email", true, 3, 254);
  if (b.errors.empty() && !ValidEmail(c.email)) b.Fail("email", "is not an e-mail address");
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  const std::string email = Lower(c.email);
  const std::string& number = call.param(0);
  DOCKET_ASSIGN_OR_REPLY(Sent s, SendCase(call, std::move(c)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(QueryHandle q, Queries());
  auto list = q->Watchers(ScopeOf(call.caller()), number);
  if (!list.ok()) return CommandClient::Pending(s.result.command_id);
  for (const json& w : *list) {
    if (Lower(w.value("email", "")) != email) continue;
    Reply r = JsonReply(201, w);
    r.Header("Location", "/api/v1/cases/" + number + "/watchers/" +
                             PercentEncode(w.value("email", "")));
    r.Header("ETag", ETagOf(s.result.version));
    CommandClient::AddCommandHeaders(r, s);
    return r;
  }
  return CommandClient::Pending(s.result.command_id);
}

}  // namespace docket::api
