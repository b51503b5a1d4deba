// docketd: the Docket server process. One process runs every role by
// default; --roles selects some. Today's roles:
//   decider    consumes docket.cases.commands, appends events exactly once
//   projector  keeps the case read models (RocksDB) current from the events
// (the gateway role arrives with its issue).
//
//   docketd --brokers 127.0.0.1:9092 --data-dir ./var --instance-id a
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <iostream>
#include <set>
#include <sstream>

#include "aggregates/case_handler.h"
#include "consumers/decider.h"
#include "consumers/projection_runner.h"

#include <thread>

namespace {
std::atomic<bool> g_stop{false};
}

int main(int argc, char** argv) {
  CLI::App app{"docketd: the Docket server (decider and projector roles)"};
  docket::consumers::DeciderOptions d;
  std::string roles = "decider,projector";
  docket::consumers::ProjectorOptions proj;
  int64_t projector_batch = static_cast<int64_t>(proj.max_batch);
  std::string catalog_path = "config/catalog.json";
  int timeout_ms = 10000;
  int64_t auto_close_seconds = 7 * 24 * 3600;
  std::string log_level = "info";
  app.add_option("--brokers", d.kafka.brokers, "Kafka bootstrap servers")
      ->capture_default_str()
      ->envname("DOCKET_BROKERS");
  app.add_option("--data-dir", d.data_dir, "Directory of the state stores")
      ->capture_default_str();
  app.add_option("--roles", roles, "Comma list of roles to run (decider, projector)")
      ->capture_default_str();
  app.add_option("--instance-id", d.instance_id,
                 "Stable id of this process: its transactional.id and static group "
                 "membership; give each process its own")
      ->capture_default_str();
  app.add_option("--partitions", d.layout.partitions, "Partitions per topic")
      ->capture_default_str();
  app.add_option("--topic-prefix", d.layout.prefix, "Topic name prefix")
      ->capture_default_str();
  app.add_option("--catalog", catalog_path, "Request catalog (JSON)")->capture_default_str();
  app.add_option("--timeout-ms", timeout_ms, "Bound on every broker wait")
      ->capture_default_str();
  app.add_option("--session-timeout-ms", d.session_timeout_ms,
                 "Consumer group session timeout")
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
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

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
    if (r != "decider" && r != "projector") {
      std::cerr << "docketd: unknown role '" << r << "' (known: decider, projector)\n";
      return 64;
    }
  }
  // The catalog is the decider's; other roles run without one.
  auto catalog = role_set.count("decider") ? docket::aggregates::Catalog::Load(catalog_path)
                                           : docket::Result<docket::aggregates::Catalog>(
                                                 docket::aggregates::Catalog());
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
  docket::aggregates::CaseHandler handler(&*catalog, limits);
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });

  proj.kafka = d.kafka;
  proj.layout = d.layout;
  proj.data_dir = d.data_dir;
  proj.max_batch = static_cast<size_t>(std::max<int64_t>(1, projector_batch));
  if (auto s = proj.Validate(); role_set.count("projector") && !s.ok()) {
    std::cerr << "docketd: " << s.ToString() << "\n";
    return 64;
  }

  // Each role runs on its own thread; the first to fail stops the others.
  std::atomic<int> exit_code{0};
  auto fail = [&](const char* role, const docket::Status& s) {
    std::cerr << "docketd: " << role << ": " << s.ToString() << "\n";
    int code = 69;
    if (s.code() == docket::StatusCode::kInvalidArgument) code = 64;
    if (s.code() == docket::StatusCode::kAborted) code = 75;  // fenced: EX_TEMPFAIL
    int expected = 0;
    exit_code.compare_exchange_strong(expected, code);
    g_stop = true;
  };
  std::vector<std::thread> threads;
  docket::consumers::Decider decider(d, handler, docket::SystemClock::Default());
  docket::consumers::ProjectionRunner projector(proj);
  if (role_set.count("decider")) {
    spdlog::info("docketd: decider {} on {} (data in {})", d.instance_id, d.kafka.brokers,
                 d.data_dir);
    threads.emplace_back([&] {
      docket::Status s = decider.Run(g_stop);
      if (!s.ok()) fail("decider", s);
    });
  }
  if (role_set.count("projector")) {
    spdlog::info("docketd: projector on {} (read models in {})", proj.kafka.brokers, proj.Root());
    threads.emplace_back([&] {
      docket::Status s = projector.Run(g_stop);
      if (!s.ok()) fail("projector", s);
    });
  }
  for (auto& t : threads) t.join();
  if (exit_code != 0) return exit_code;
  spdlog::info("docketd: stopped");
  return 0;
}
