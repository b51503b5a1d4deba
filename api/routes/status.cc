#include "api/routes/status.h"

#include <fstream>

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

json ServiceJson(const projections::ServiceView& s) {
  return {{"service", s.service},
          {"status", std::string(aggregates::ServiceStateName(s.status))},
          {"message", s.message},
          {"updated_at", FormatMicros(s.updated_at_us)}};
}

}  // namespace

Status StatusRoutes::Register(Router& router, Services& services) {
  s_ = &services;
  DOCKET_RETURN_IF_ERROR(LoadQuickLinks());
  using V = http::verb;
  router.Add(V::get, "/api/v1/system-status", Access::kSignedIn,
             [this](Call& c) { return GetSystemStatus(c); });
  router.Add(V::put, "/api/v1/system-status/{service}", Access::kStaff,
             [this](Call& c) { return PutSystemStatus(c); });
  router.Add(V::get, "/api/v1/quick-links", Access::kSignedIn,
             [this](Call&) { return JsonReply(200, {{"data", quick_links_}}); });
  router.Add(V::post, "/api/v1/feedback", Access::kSignedIn,
             [this](Call& c) { return Feedback(c); });
  return Status::Ok();
}

Status StatusRoutes::LoadQuickLinks() {
  if (quick_links_path_.empty()) return Status::Ok();
  std::ifstream in(quick_links_path_);
  if (!in) {
    return InvalidArgumentError("quick links " + quick_links_path_ +
                                ": cannot be read (--quick-links)");
  }
  json links = json::parse(in, nullptr, false);
  bool ok = (in.good() || in.eof()) && links.is_array();
  for (const auto& l : ok ? links : json::array()) {
    ok = ok && l.is_object() && l.size() == 2 && l.contains("title") && l["title"].is_string() &&
         l.contains("url") && l["url"].is_string();
  }
  if (!ok) {
    return InvalidArgumentError("quick links " + quick_links_path_ +
                                ": must be a JSON array of {\"title\", \"url\"} strings");
  }
  quick_links_ = std::move(links);
  return Status::Ok();
}

OrReply<std::vector<projections::ServiceView>> StatusRoutes::ServiceRows() const {
  DOCKET_ASSIGN_OR_REPLY(auto q, QueriesOf<projections::StatusQueries>(*status_));
  return OrProblem(q->Services());
}

Reply StatusRoutes::GetSystemStatus(Call&) {
  DOCKET_ASSIGN_OR_REPLY(std::vector<projections::ServiceView> services, ServiceRows());
  json data = json::array();
  for (const auto& s : services) data.push_back(ServiceJson(s));
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

}  // namespace docket::api
