// docketd: the Docket server process. One process runs every role by
// default; --roles selects some:
//   gateway    the HTTP/JSON API (docs/api.md); needs the projector role's
//              read models, so it runs it in-process too
//   decider    consumes the cases, identity and status commands and appends
//              their events exactly once
//   projector  keeps the read models (RocksDB) of every context (cases,
//              identity, status) current from their events, one runner each
//
// Settings come from flags, or from a config file (--config, TOML `key =
// value` lines named like the long flags; flags win). `docketd
// --print-config` prints every setting with its default; docs/configuration.md
// documents them.
//
//   docketd --config config/docketd.toml --listen 127.0.0.1:8080
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

#include "aggregates/cases/case_handler.h"
#include "aggregates/portal.h"
#include "api/gateway.h"
#include "api/portal_reads.h"
#include "consumers/command_bus.h"
#include "consumers/decider.h"
#include "consumers/projection_runner.h"
#include "projections/cases/case_projection.h"
#include "projections/identity/identity_projection.h"
#include "projections/status/status_projection.h"

namespace {
std::atomic<bool> g_stop{false};
}

int main(int argc, char** argv) {
  CLI::App app{"docketd: the Docket server (gateway, decider and projector roles)"};
  app.set_config("--config", "", "Config file (TOML key = value; flags override it)");
  bool print_config = false;
  app.add_flag("--print-config", print_config, "Print every setting with its value and exit");
  docket::consumers::DeciderOptions d;
  std::string roles = "gateway,decider,projector";
  docket::consumers::ProjectorOptions proj;
  docket::api::GatewayOptions gw;
  int64_t projector_batch = static_cast<int64_t>(proj.max_batch);
  std::string catalog_path = "config/catalog.json";
  std::string quick_links = "config/quick-links.json";
  std::string port_file;
  bool ensure_topics = true;
  int timeout_ms = 10000;
  int64_t auto_close_seconds = 7 * 24 * 3600;
  std::string log_level = "info";
  app.add_option("--brokers", d.kafka.brokers, "Kafka bootstrap servers")
      ->capture_default_str()
      ->envname("DOCKET_BROKERS");
  app.add_option("--data-dir", d.data_dir, "Directory of state stores, read models, blobs")
      ->capture_default_str();
  app.add_option("--roles", roles, "Comma list of roles to run (gateway, decider, projector)")
      ->capture_default_str();
  app.add_option("--instance-id", d.instance_id,
                 "Stable id of this process: its transactional.id and static group "
                 "membership; give each process its own")
      ->capture_default_str();
  app.add_option("--partitions", d.layout.partitions, "Partitions per topic")
      ->capture_default_str();
  app.add_option("--topic-prefix", d.layout.prefix, "Topic name prefix")->capture_default_str();
  app.add_option("--ensure-topics", ensure_topics, "Create missing topics at start (true/false)")
      ->capture_default_str();
  app.add_option("--catalog", catalog_path, "Request catalog (JSON)")->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "Bound on every broker wait")->capture_default_str();
  app.add_option("--session-timeout-ms", d.session_timeout_ms, "Consumer group session timeout")
      ->capture_default_str();
  app.add_option("--max-batch", d.max_batch, "Commands per transaction at most")
      ->capture_default_str();
  int64_t transaction_timeout_ms = d.transaction_timeout.count();
  app.add_option("--transaction-timeout-ms", transaction_timeout_ms,
                 "How long a crashed owner's open transaction can hold up failover")
      ->capture_default_str();
  app.add_option("--auto-close-after-s", auto_close_seconds,
                 "Seconds after which a RESOLVED case closes itself")
      ->capture_default_str();
  app.add_option("--projector-max-batch", projector_batch,
                 "Events per read-model WriteBatch at most")
      ->capture_default_str();
  // Gateway.
  app.add_option("--listen", gw.http.listen, "HTTP address (host:port; port 0 picks one)")
      ->capture_default_str();
  app.add_option("--port-file", port_file, "Write the bound HTTP port to this file");
  app.add_option("--http-io-threads", gw.http.io_threads, "Threads doing HTTP I/O")
      ->capture_default_str();
  app.add_option("--http-worker-threads", gw.http.worker_threads,
                 "Threads handling requests (they may wait on the broker)")
      ->capture_default_str();
  app.add_option("--max-header-bytes", gw.http.max_header_bytes, "Request header size limit")
      ->capture_default_str();
  int64_t request_timeout_ms = gw.http.request_timeout.count();
  app.add_option("--request-timeout-ms", request_timeout_ms,
                 "Time a request (header and body) may take to arrive")
      ->capture_default_str();
  app.add_option("--max-body-bytes", gw.max_body_bytes, "JSON body size limit")
      ->capture_default_str();
  app.add_option("--max-upload-bytes", gw.max_upload_bytes, "Attachment size limit")
      ->capture_default_str();
  app.add_option("--rate-ip-per-s", gw.per_address.per_second,
                 "Requests per second per client address (0: unlimited)")
      ->capture_default_str();
  app.add_option("--rate-ip-burst", gw.per_address.burst, "Burst per client address")
      ->capture_default_str();
  app.add_option("--rate-user-per-s", gw.per_user.per_second,
                 "Requests per second per signed-in user (0: unlimited)")
      ->capture_default_str();
  app.add_option("--rate-user-burst", gw.per_user.burst, "Burst per user")->capture_default_str();
  app.add_option("--login-per-min", gw.login_per_minute,
                 "Login attempts per minute per client address (0: unlimited)")
      ->capture_default_str();
  int64_t command_wait_ms = gw.command_wait.count();
  app.add_option("--command-wait-ms", command_wait_ms,
                 "How long a command waits for its result before answering 202")
      ->capture_default_str();
  int64_t min_position_wait_ms = gw.min_position_wait.count();
  app.add_option("--min-position-wait-ms", min_position_wait_ms,
                 "How long a query waits for Docket-Min-Position")
      ->capture_default_str();
  int64_t session_idle_s = gw.sessions.idle.count();
  int64_t session_absolute_s = gw.sessions.absolute.count();
  app.add_option("--session-idle-s", session_idle_s, "A session ends after this idle time")
      ->capture_default_str();
  app.add_option("--session-absolute-s", session_absolute_s,
                 "A session ends this long after login, whatever happens")
      ->capture_default_str();
  app.add_flag("--secure-cookies", gw.secure_cookies, "Mark the session cookie Secure (HTTPS)")
      ->capture_default_str();
  app.add_option("--max-concurrent-hashes", gw.max_concurrent_hashes,
                 "Argon2id hashes running at once (each takes 64 MiB)")
      ->capture_default_str();
  app.add_option("--ready-max-lag-events", gw.ready_max_lag_events,
                 "/readyz fails while a read-model partition is more events behind")
      ->capture_default_str();
  app.add_option("--ready-max-lag-s", gw.ready_max_lag_seconds,
                 "/readyz fails while a read model's oldest unapplied event is older")
      ->capture_default_str();
  std::string trusted_proxies;
  app.add_option("--trusted-proxies", trusted_proxies,
                 "Comma list of proxy addresses whose X-Forwarded-For names the client")
      ->capture_default_str();
  app.add_option("--quick-links", quick_links, "Quick links (JSON [{title, url}])")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (print_config) {
    // Every setting but this flag itself, so the output is a valid config.
    std::string text = app.config_to_str(true, true);
    const std::string self = "# Print every setting with its value and exit\nprint-config=true\n\n";
    if (auto at = text.find(self); at != std::string::npos) text.erase(at, self.size());
    std::cout << text;
    return 0;
  }

  spdlog::set_level(spdlog::level::from_str(log_level));
  d.kafka.timeout = std::chrono::milliseconds(timeout_ms);
  d.transaction_timeout = std::chrono::milliseconds(transaction_timeout_ms);
  d.stable_wait = std::max(d.stable_wait, d.transaction_timeout + std::chrono::seconds(30));
  std::set<std::string> role_set;
  {
    std::stringstream ss(roles);
    for (std::string r; std::getline(ss, r, ',');) role_set.insert(r);
  }
  for (const auto& r : role_set) {
    if (r != "decider" && r != "projector" && r != "gateway") {
      std::cerr << "docketd: unknown role '" << r << "' (known: gateway, decider, projector)\n";
      return 64;
    }
  }
  const bool gateway = role_set.count("gateway") > 0;
  // The gateway reads the case read models in-process (a query replica).
  if (gateway) role_set.insert("projector");
  auto catalog = (role_set.count("decider") || gateway)
                     ? docket::aggregates::Catalog::Load(catalog_path)
                     : docket::Result<docket::aggregates::Catalog>(docket::aggregates::Catalog());
  if (!catalog.ok()) {
    std::cerr << "docketd: " << catalog.status().ToString() << "\n";
    return 66;
  }
  docket::aggregates::CaseLimits limits;
  limits.auto_close_after = std::chrono::seconds(auto_close_seconds);
  if (auto s = limits.Validate(); !s.ok()) {
    std::cerr << "docketd: " << s.ToString() << "\n";
    return 64;
  }
  docket::aggregates::CaseHandler cases(&*catalog, limits);
  docket::aggregates::IdentityHandler identity;
  docket::aggregates::StatusHandler status;
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });

  if (ensure_topics) {
    auto admin = docket::kafka::Admin::Create(d.kafka);
    docket::Status s = admin.ok() ? (*admin)->EnsureTopics(docket::events::AllTopicSpecs(d.layout))
                                  : admin.status();
    if (!s.ok()) {
      std::cerr << "docketd: topics: " << s.ToString() << "\n";
      return 69;
    }
  }

  proj.kafka = d.kafka;
  proj.layout = d.layout;
  proj.data_dir = d.data_dir;
  proj.max_batch = static_cast<size_t>(std::max<int64_t>(1, projector_batch));
  // The composition root of the read side: one projection per context.
  const docket::projections::CaseProjection case_projection;
  const docket::projections::IdentityProjection identity_projection;
  const docket::projections::StatusProjection status_projection;
  std::vector<const docket::projections::Projection*> projections = {
      &case_projection, &identity_projection, &status_projection};
  std::vector<std::unique_ptr<docket::consumers::ProjectionRunner>> runners;
  for (const auto* p : projections) {
    docket::consumers::ProjectorOptions o = proj;
    o.context = std::string(p->context());
    if (auto s = o.Validate(); role_set.count("projector") && !s.ok()) {
      std::cerr << "docketd: " << s.ToString() << "\n";
      return 64;
    }
    runners.push_back(std::make_unique<docket::consumers::ProjectionRunner>(*p, std::move(o)));
  }
  docket::consumers::ProjectionRunner& projector = *runners[0];  // cases

  // Each role runs on its own thread; the first to fail stops the others.
  std::atomic<int> exit_code{0};
  auto fail = [&](const std::string& role, const docket::Status& s) {
    std::cerr << "docketd: " << role << ": " << s.ToString() << "\n";
    int code = 69;
    if (s.code() == docket::StatusCode::kInvalidArgument) code = 64;
    if (s.code() == docket::StatusCode::kAborted) code = 75;  // fenced: EX_TEMPFAIL
    int expected = 0;
    exit_code.compare_exchange_strong(expected, code);
    g_stop = true;
  };
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<docket::consumers::Decider>> deciders;
  if (role_set.count("decider")) {
    spdlog::info("docketd: deciders {} on {} (data in {})", d.instance_id, d.kafka.brokers,
                 d.data_dir);
    for (const docket::aggregates::AggregateHandler* h :
         std::initializer_list<const docket::aggregates::AggregateHandler*>{&cases, &identity,
                                                                            &status}) {
      deciders.push_back(std::make_unique<docket::consumers::Decider>(
          d, *h, docket::SystemClock::Default()));
      auto* decider = deciders.back().get();
      threads.emplace_back([&, decider, h] {
        docket::Status s = decider->Run(g_stop);
        if (!s.ok()) fail("decider " + std::string(h->context()), s);
      });
    }
  }
  if (role_set.count("projector")) {
    for (auto& runner : runners) {
      auto* r = runner.get();
      spdlog::info("docketd: projector {} on {} (read models in {}/projections)",
                   r->projection().context(), proj.kafka.brokers, proj.data_dir);
      threads.emplace_back([&, r] {
        docket::Status s = r->Run(g_stop);
        if (!s.ok()) fail("projector " + std::string(r->projection().context()), s);
      });
    }
  }

  std::unique_ptr<docket::consumers::CommandBus> bus;
  std::unique_ptr<docket::api::PortalReads> view;
  std::unique_ptr<docket::api::Gateway> api;
  if (gateway) {
    gw.kafka = d.kafka;
    gw.layout = d.layout;
    gw.data_dir = d.data_dir;
    gw.instance_id = d.instance_id;
    gw.quick_links_path = quick_links;
    {
      std::stringstream ss(trusted_proxies);
      for (std::string p; std::getline(ss, p, ',');) {
        if (!p.empty()) gw.trusted_proxies.insert(p);
      }
    }
    gw.http.request_timeout = std::chrono::milliseconds(request_timeout_ms);
    gw.command_wait = std::chrono::milliseconds(command_wait_ms);
    gw.min_position_wait = std::chrono::milliseconds(min_position_wait_ms);
    gw.sessions.idle = std::chrono::seconds(session_idle_s);
    gw.sessions.absolute = std::chrono::seconds(session_absolute_s);
    docket::consumers::CommandBusOptions bo;
    bo.kafka = d.kafka;
    bo.layout = d.layout;
    auto b = docket::consumers::CommandBus::Create(bo, {&cases, &identity, &status});
    view = std::make_unique<docket::api::PortalReads>(runners[1].get() /* identity */,
                                                      runners[2].get() /* status */);
    docket::Status s = b.ok() ? docket::Status::Ok() : b.status();
    if (s.ok()) {
      bus = std::move(*b);
      api = std::make_unique<docket::api::Gateway>(gw, bus.get(), &projector, view.get(),
                                                   &*catalog, docket::SystemClock::Default());
      s = api->Start();
    }
    if (!s.ok()) {
      fail("gateway", s);
    } else {
      spdlog::info("docketd: gateway on http://{}:{}/api/v1",
                   gw.http.listen.substr(0, gw.http.listen.rfind(':')), api->port());
      if (!port_file.empty()) {
        std::ofstream pf(port_file + ".tmp");
        pf << api->port() << "\n";
        pf.close();
        std::rename((port_file + ".tmp").c_str(), port_file.c_str());
      }
    }
  }
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (api) api->Stop();
  for (auto& t : threads) t.join();
  if (exit_code != 0) return exit_code;
  spdlog::info("docketd: stopped");
  return 0;
}
