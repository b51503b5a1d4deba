#include "api/routes/status.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "aggregates/status/status.h"
#include "api/problem.h"
#include "api/projector_model.h"
#include "api/request.h"
#include "common/hash.h"
#include "common/time_format.h"
#include "projections/status/status_queries.h"

namespace docket::api {
namespace {

using nlohmann::json;

// The JSON document in `path`; kInvalidArgument naming the file and `flag`.
Result<json> ReadJsonFile(const std::string& path, const char* flag) {
  std::ifstream in(path);
  if (!in) return InvalidArgumentError(path + ": cannot be read (" + flag + ")");
  json doc = json::parse(in, nullptr, false);
  if (doc.is_discarded()) return InvalidArgumentError(path + ": is not JSON (" + flag + ")");
  return doc;
}

bool IsString(const json& o, const char* key) { return o.contains(key) && o[key].is_string(); }

}  // namespace

Status StatusRoutes::Register(Router& router, Services& services) {
  s_ = &services;
  DOCKET_RETURN_IF_ERROR(LoadQuickLinks());
  DOCKET_RETURN_IF_ERROR(LoadServices());
  DOCKET_RETURN_IF_ERROR(LoadPortal());
  using V = http::verb;
  router.Add(V::get, "/api/v1/system-status", Access::kSignedIn,
             [this](Call& c) { return GetSystemStatus(c); });
  router.Add(V::put, "/api/v1/system-status/{service}", Access::kStaff,
             [this](Call& c) { return PutSystemStatus(c); });
  router.Add(V::get, "/api/v1/quick-links", Access::kSignedIn,
             [this](Call&) { return JsonReply(200, {{"data", quick_links_}}); });
  router.Add(V::post, "/api/v1/feedback", Access::kSignedIn,
             [this](Call& c) { return Feedback(c); });
  router.Add(V::get, "/api/v1/feedback", Access::kStaff,
             [this](Call& c) { return ListFeedback(c); });
  router.Add(V::get, "/api/v1/portal", Access::kPublic, [this](Call&) {
    Reply r = JsonReply(200, portal_);
    r.Header("Cache-Control", "no-cache");
    return r;
  });
  return Status::Ok();
}

Status StatusRoutes::LoadQuickLinks() {
  if (options_.quick_links_path.empty()) return Status::Ok();
  DOCKET_ASSIGN_OR_RETURN(json links, ReadJsonFile(options_.quick_links_path, "--quick-links"));
  bool ok = links.is_array();
  if (ok) {
    for (auto& l : links) {
      ok = ok && l.is_object() && IsString(l, "title") && IsString(l, "url") &&
           (!l.contains("description") || l["description"].is_string()) &&
           l.size() == (l.contains("description") ? 3u : 2u);
      if (ok && !l.contains("description")) l["description"] = "";  // always present
    }
  }
  if (!ok) {
    return InvalidArgumentError(options_.quick_links_path +
                                ": must be a JSON array of {\"title\", \"description\", "
                                "\"url\"} strings (--quick-links)");
  }
  quick_links_ = std::move(links);
  return Status::Ok();
}

Status StatusRoutes::LoadServices() {
  if (options_.services_path.empty()) return Status::Ok();
  DOCKET_ASSIGN_OR_RETURN(json list, ReadJsonFile(options_.services_path, "--status-services"));
  bool ok = list.is_array();
  std::set<std::string> seen;
  for (const auto& svc : ok ? list : json::array()) {
    ok = ok && svc.is_object() && svc.size() == 2 && IsString(svc, "id") &&
         IsString(svc, "name") && aggregates::IsServiceName(svc["id"].get<std::string>()) &&
         !svc["name"].get<std::string>().empty() &&
         seen.insert(svc["id"].get<std::string>()).second;
    if (ok) services_.emplace_back(svc["id"].get<std::string>(), svc["name"].get<std::string>());
  }
  if (!ok) {
    return InvalidArgumentError(options_.services_path +
                                ": must be a JSON array of {\"id\", \"name\"}, ids unique, "
                                "1..64 of a-z, 0-9 and '-' (--status-services)");
  }
  return Status::Ok();
}

Status StatusRoutes::LoadPortal() {
  if (options_.portal_path.empty()) return Status::Ok();
  DOCKET_ASSIGN_OR_RETURN(json portal, ReadJsonFile(options_.portal_path, "--portal-config"));
  if (!portal.is_object() || !IsString(portal, "product_name")) {
    return InvalidArgumentError(options_.portal_path +
                                ": must be a JSON object with \"product_name\" (--portal-config)");
  }
  portal_ = std::move(portal);
  return Status::Ok();
}

json StatusRoutes::ServiceJson(const projections::ServiceView& s) const {
  std::string name = s.service;
  for (const auto& [id, display] : services_) {
    if (id == s.service) name = display;
  }
  return {{"service", s.service},
          {"name", name},
          {"status", std::string(aggregates::ServiceStateName(s.status))},
          {"message", s.message},
          {"updated_at", s.updated_at_us ? json(FormatMicros(s.updated_at_us)) : json(nullptr)}};
}

OrReply<std::vector<projections::ServiceView>> StatusRoutes::ServiceRows() const {
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<projections::StatusQueries>(*status_));
  return OrProblem(q->Services());
}

Reply StatusRoutes::GetSystemStatus(Call&) {
  DOCKET_ASSIGN_OR_REPLY(std::vector<projections::ServiceView> posted, ServiceRows());
  // The configured services in their order (operational until a status is
  // posted), then any other service with a status.
  json data = json::array();
  for (const auto& [id, name] : services_) {
    projections::ServiceView v;
    v.service = id;
    for (const auto& p : posted) {
      if (p.service == id) v = p;
    }
    data.push_back(ServiceJson(v));
  }
  for (const auto& p : posted) {
    if (std::none_of(services_.begin(), services_.end(),
                     [&](const auto& s) { return s.first == p.service; })) {
      data.push_back(ServiceJson(p));
    }
  }
  return JsonReply(200, {{"data", data}});
}

Reply StatusRoutes::PutSystemStatus(Call& call) {
  const std::string& service = call.param(0);
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"status", "message"}));
  fb::SetServiceStatusT c;
  c.service = service;
  const std::string status = b.Str("status", true, 1, 16);
  c.message = b.Str("message", false, 0, 1000);
  auto st = aggregates::ParseServiceState(status);
  if (!st && b.Has("status") && b.doc["status"].is_string()) {
    b.Fail("status", "must be OPERATIONAL, DEGRADED, OUTAGE or MAINTENANCE");
  }
  if (!aggregates::IsServiceName(service)) b.Fail("service", "must be 1..64 of a-z, 0-9 and '-'");
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  c.status = *st;
  fb::CommandEnvelopeT cmd =
      s_->commands.NewCommand(call.caller(), aggregates::ServiceAggregateId(service));
  cmd.command.Set(std::move(c));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  if (!s_->commands.AwaitApplied(s)) return CommandClient::Pending(s.result.command_id);
  DOCKET_ASSIGN_OR_REPLY(std::vector<projections::ServiceView> services, ServiceRows());
  for (const auto& v : services) {
    if (v.service == service) {
      Reply r = JsonReply(200, ServiceJson(v));
      CommandClient::AddCommandHeaders(r, s);
      return r;
    }
  }
  return CommandClient::Pending(s.result.command_id);
}

Reply StatusRoutes::Feedback(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(Body b, ReadBody(call.req, {"message", "rating", "page"}));
  fb::SubmitFeedbackT c;
  c.message = b.Str("message", true, 1, 5000);
  c.page = b.Str("page", false, 0, 500);
  c.rating = static_cast<uint8_t>(b.Int("rating", 1, 5).value_or(0));
  DOCKET_RETURN_IF_REPLY(BodyErrors(b));
  // With an Idempotency-Key the repeat must reach the same aggregate.
  const std::string key = HeaderValue(call.req, "Idempotency-Key");
  const std::string id =
      "fb-" + (key.empty() ? RandomHex(12)
                           : Sha256Hex(call.caller().user_id + "\n" + key).substr(0, 24));
  fb::CommandEnvelopeT cmd = s_->commands.NewCommand(call.caller(), id);
  cmd.command.Set(std::move(c));
  DOCKET_ASSIGN_OR_REPLY(Sent s, s_->commands.Submit(call, std::move(cmd)));
  Reply r = JsonReply(201, {{"id", s.result.aggregate_id.empty() ? id : s.result.aggregate_id}});
  CommandClient::AddCommandHeaders(r, s);
  return r;
}

Reply StatusRoutes::ListFeedback(Call& call) {
  DOCKET_ASSIGN_OR_REPLY(size_t size, PageSize(call.req, 100));
  const std::string after = QueryParam(call.req, "page[after]").value_or("");
  DOCKET_RETURN_IF_REPLY(s_->positions.AwaitMinPosition(call.req, call.caller().user_id));
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<projections::StatusQueries>(*status_));
  Result<projections::FeedbackPage> page = q->Feedback(size, after);
  if (!page.ok()) {
    if (page.status().code() == StatusCode::kInvalidArgument) {
      return Invalid("page[after]", page.status().message());
    }
    return ProblemFromStatus(page.status());
  }
  json data = json::array();
  for (const auto& f : page->rows) {
    data.push_back({{"id", f.id},
                    {"user_id", f.user_id},
                    {"user_name", f.user_name},
                    {"message", f.message},
                    {"rating", f.rating ? json(f.rating) : json(nullptr)},
                    {"page", f.page},
                    {"created_at", FormatMicros(f.created_at_us)}});
  }
  const bool more = !page->after.empty();
  const std::string next =
      more ? "/api/v1/feedback?page%5Bsize%5D=" + std::to_string(size) +
                 "&page%5Bafter%5D=" + PercentEncode(page->after)
           : "";
  return JsonReply(200, {{"data", data},
                         {"meta", {{"has_more", more},
                                   {"after_cursor", more ? json(page->after) : json(nullptr)}}},
                         {"links", {{"next", more ? json(next) : json(nullptr)}}}});
}

}  // namespace docket::api

