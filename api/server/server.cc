#include "api/server/server.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/projector_model.h"
#include "common/exit_code.h"
#include "common/key_file.h"
#include "events/topics.h"

namespace docket::server {

Server::Server(const DocketdConfig& config, std::vector<Context> contexts,
               std::atomic<bool>* stop, const Clock& clock)
    : config_(config), contexts_(std::move(contexts)), stop_(stop), clock_(clock) {
  for (const Context& c : contexts_) {
    consumers::ProjectorOptions o = config_.projector;
    o.context = std::string(c.name());
    runners_.push_back(std::make_unique<consumers::ProjectionRunner>(*c.projection, std::move(o)));
  }
}

Server::~Server() {
  *stop_ = true;
  WakeLoops();
  if (gateway_) gateway_->Stop();
  if (notifier_) notifier_->Stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void Server::WakeLoops() {
  for (auto& d : deciders_) d->Wake();
  for (auto& r : runners_) r->Wake();
}

void Server::Fail(const std::string& role, const Status& s) {
  std::cerr << "docketd: " << role << ": " << s.ToString() << "\n";
  int expected = 0;
  exit_code_.compare_exchange_strong(expected, ExitCodeOf(s));  // fenced: 75, EX_TEMPFAIL
  *stop_ = true;
}

consumers::ProjectionRunner* Server::FindRunner(std::string_view context) const {
  for (const auto& r : runners_) {
    if (r->projection().context() == context) return r.get();
  }
  return nullptr;
}

Status Server::Start() {
  if (config_.ensure_topics) {
    DOCKET_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Create(config_.decider.kafka));
    Status s = admin->EnsureTopics(events::AllTopicSpecs(config_.layout));
    if (!s.ok()) return Status(s.code(), "topics: " + s.message());
  }
  if (config_.Runs("projector")) {
    for (const Context& c : contexts_) {
      consumers::ProjectorOptions o = config_.projector;
      o.context = std::string(c.name());
      DOCKET_RETURN_IF_ERROR(o.Validate());
    }
  }
  if (config_.Runs("decider")) StartDeciders();
  if (config_.Runs("projector")) StartProjectors();
  if (config_.Runs("notifier")) DOCKET_RETURN_IF_ERROR(StartNotifier());
  if (config_.Runs("gateway")) DOCKET_RETURN_IF_ERROR(StartGateway());
  return Status::Ok();
}

void Server::StartDeciders() {
  spdlog::info("docketd: deciders {} on {} (data in {})", config_.instance_id, config_.brokers,
               config_.data_dir);
  for (const Context& c : contexts_) {
    deciders_.push_back(std::make_unique<consumers::Decider>(config_.decider, *c.handler, clock_));
    consumers::Decider* decider = deciders_.back().get();
    const std::string role = "decider " + std::string(c.name());
    threads_.emplace_back([this, decider, role] {
      Status s = decider->Run(*stop_);
      if (!s.ok()) Fail(role, s);
    });
  }
}

void Server::StartProjectors() {
  for (auto& runner : runners_) {
    consumers::ProjectionRunner* r = runner.get();
    const std::string context(r->projection().context());
    spdlog::info("docketd: projector {} on {} (read models in {}/projections)", context,
                 config_.brokers, config_.data_dir);
    threads_.emplace_back([this, r, context] {
      Status s = r->Run(*stop_);
      if (!s.ok()) Fail("projector " + context, s);
    });
  }
}

Status Server::StartNotifier() {
  std::vector<const notifier::MailRules*> rules;
  for (const Context& c : contexts_) {
    if (c.mails) rules.push_back(c.mails.get());
  }
  const std::string key_file = config_.gateway.command_id_key_file.empty()
                                   ? config_.data_dir + "/command-id.key"
                                   : config_.gateway.command_id_key_file;
  std::error_code ec;
  std::filesystem::create_directories(config_.data_dir, ec);
  DOCKET_ASSIGN_OR_RETURN(std::string secret, LoadOrCreateKey(key_file));
  const RunnerOf runners = [this](std::string_view context) { return FindRunner(context); };
  notifier_ = std::make_unique<notifier::Notifier>(config_.notifier, std::move(rules),
                                                   MailDirectory(runners), MailLinks(secret),
                                                   clock_);
  DOCKET_RETURN_IF_ERROR(notifier_->Start());
  spdlog::info("docketd: notifier mailing through {}:{} (store {})", config_.notifier.smtp.host,
               config_.notifier.smtp.port, config_.notifier.dir);
  return Status::Ok();
}

Status Server::StartGateway() {
  consumers::CommandBusOptions bo;
  bo.kafka = config_.gateway.kafka;
  bo.layout = config_.layout;
  std::vector<const aggregates::AggregateHandler*> handlers;
  for (const Context& c : contexts_) handlers.push_back(c.handler.get());
  DOCKET_ASSIGN_OR_RETURN(bus_, consumers::CommandBus::Create(bo, handlers));
  gateway_ = std::make_unique<api::Gateway>(config_.gateway, bus_.get(), clock_);
  const api::ReadinessBounds bounds{config_.layout.partitions,
                                    config_.gateway.ready_max_lag_events,
                                    config_.gateway.ready_max_lag_seconds};
  const RunnerOf runners = [this](std::string_view context) { return FindRunner(context); };
  for (const Context& c : contexts_) {
    gateway_->AddReadModel(api::ProjectorReadModel(std::string(c.name()), FindRunner(c.name()),
                                                   c.readiness_check, bounds));
    gateway_->AddModule(c.routes(runners));
  }
  if (notifier_) {
    notifier::Notifier* n = notifier_.get();
    gateway_->AddMetrics([n] { return n->MetricsText(); });
  }
  gateway_->AddMetrics([this] { return WritePathMetrics(); });
  DOCKET_RETURN_IF_ERROR(gateway_->Start());
  const std::string& listen = config_.gateway.http.listen;
  spdlog::info("docketd: gateway on http://{}:{}/api/v1", listen.substr(0, listen.rfind(':')),
               gateway_->port());
  if (!config_.port_file.empty()) {
    std::ofstream pf(config_.port_file + ".tmp");
    pf << gateway_->port() << "\n";
    pf.close();
    std::rename((config_.port_file + ".tmp").c_str(), config_.port_file.c_str());
  }
  return Status::Ok();
}

// Where a command's time goes: the bus's stages here, and those of the
// deciders when they run in this process (docs/decider.md).
std::string Server::WritePathMetrics() const {
  std::string out =
      "# HELP docket_command_bus_seconds A command's time in the gateway's bus, by stage "
      "(written: acknowledged on the log; answered: its result read back).\n"
      "# TYPE docket_command_bus_seconds histogram\n";
  out += bus_->stats().written.Render("docket_command_bus_seconds", "stage=\"written\"");
  out += bus_->stats().answered.Render("docket_command_bus_seconds", "stage=\"answered\"");
  if (deciders_.empty()) return out;
  out +=
      "# HELP docket_decider_stage_seconds The decider's stages: in_log per command, the "
      "others per transaction.\n"
      "# TYPE docket_decider_stage_seconds histogram\n";
  for (size_t i = 0; i < deciders_.size(); ++i) {
    const auto& stats = deciders_[i]->stats();
    for (int s = 0; s < consumers::Decider::Stats::kStageCount; ++s) {
      out += stats.stages[s].Render(
          "docket_decider_stage_seconds",
          "context=\"" + std::string(contexts_[i].name()) + "\",stage=\"" +
              consumers::Decider::Stats::kStageNames[s] + "\"");
    }
  }
  return out;
}

int Server::Wait() {
  while (!*stop_) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  WakeLoops();
  if (gateway_) gateway_->Stop();
  if (notifier_) notifier_->Stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  return exit_code_.load();
}

}  // namespace docket::server
