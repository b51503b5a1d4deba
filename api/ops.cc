#include "api/ops.h"

#include <spdlog/spdlog.h>

#include "api/problem.h"

namespace docket::api {

Status Ops::Start(const kafka::KafkaOptions& kafka) {
  kafka::Consumer::Options co;
  co.kafka = kafka;
  co.kafka.client_id = "docket-gateway-health";
  co.kafka.timeout = std::min(co.kafka.timeout, std::chrono::milliseconds(2000));
  DOCKET_ASSIGN_OR_RETURN(probe_, kafka::Consumer::Create(co));
  return Status::Ok();
}

void Ops::Register(Router& router) {
  for (std::string base : {"/api/v1", ""}) {
    router.Add(http::verb::get, base + "/healthz", Access::kPublic,
               [](Call&) { return JsonReply(200, {{"status", "ok"}}); });
    router.Add(http::verb::get, base + "/readyz", Access::kPublic,
               [this](Call&) { return Readyz(); });
    router.Add(http::verb::get, base + "/metrics", Access::kPublic,
               [this](Call&) { return MetricsText(); });
  }
}

Status Ops::BrokerHealth() {
  std::unique_lock<std::mutex> lock(check_mu_, std::try_to_lock);
  if (!lock.owns_lock()) {
    std::lock_guard<std::mutex> status_lock(status_mu_);
    return checked_us_ == 0 ? UnavailableError("checking") : status_;
  }
  const int64_t now = clock_.NowMicros();
  {
    std::lock_guard<std::mutex> status_lock(status_mu_);
    if (checked_us_ != 0 && now - checked_us_ < 1'000'000) return status_;
  }
  auto wm = probe_->Watermarks(layout_.ResultsTopic(), 0);
  if (!wm.ok()) spdlog::warn("gateway: readiness: broker: {}", wm.status().ToString());
  std::lock_guard<std::mutex> status_lock(status_mu_);
  status_ = wm.ok() ? Status::Ok() : wm.status();
  checked_us_ = now;
  return status_;
}

Reply Ops::Readyz() {
  nlohmann::json checks = nlohmann::json::object();
  const bool broker = BrokerHealth().ok();
  checks["broker"] = broker ? "ok" : "unavailable";
  bool ready = broker;
  for (const auto& [context, model] : positions_->models()) {
    if (model.check.empty() || !model.readiness) continue;
    const std::string answer = model.readiness();
    checks[model.check] = answer;
    ready = ready && answer == "ok";
  }
  Reply r = JsonReply(ready ? 200 : 503,
                      {{"status", ready ? "ok" : "unavailable"}, {"checks", checks}});
  if (!ready) r.Header("Retry-After", "1");
  return r;
}

int64_t Ops::ParkedCommands() {
  std::unique_lock<std::mutex> lock(parked_check_mu_, std::try_to_lock);
  const int64_t now = clock_.NowMicros();
  {
    std::lock_guard<std::mutex> parked_lock(parked_mu_);
    if (!lock.owns_lock() || (parked_checked_us_ != 0 && now - parked_checked_us_ < 10'000'000)) {
      return parked_;
    }
  }
  auto wm = probe_->Watermarks(layout_.ParkedCommandsTopic(), 0);
  std::lock_guard<std::mutex> parked_lock(parked_mu_);
  parked_checked_us_ = now;
  if (wm.ok()) parked_ = wm->second;
  return parked_;
}

Reply Ops::MetricsText() {
  std::string text = metrics_->Render();
  if (const int64_t parked = ParkedCommands(); parked >= 0) {
    text += "# HELP docket_commands_parked_total Command records no decider could read "
            "(docketctl commands parked).\n"
            "# TYPE docket_commands_parked_total counter\n"
            "docket_commands_parked_total " + std::to_string(parked) + "\n";
  }
  for (const auto& [context, model] : positions_->models()) {
    if (model.metrics) text += model.metrics();
  }
  for (const auto& source : sources_) text += source();
  Reply r;
  r.body = std::move(text);
  r.Header("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  return r;
}

}  // namespace docket::api
