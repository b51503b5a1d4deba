// docketd: the Docket server process. One process runs every role by
// default; --roles selects some (api/server/server.h):
//   gateway    the HTTP/JSON API (docs/api.md); needs the read models, so it
//              runs the projectors in-process too
//   decider    decides every context's commands and appends their events
//              exactly once
//   projector  keeps every context's read models (RocksDB) current
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
#include <iostream>

#include "api/server/config.h"
#include "api/server/contexts.h"
#include "api/server/server.h"
#include "common/offset_clock.h"
#include "common/exit_code.h"

namespace {

std::atomic<bool> g_stop{false};

// Prints every setting but --print-config itself, so the output is a valid
// config file.
void PrintConfig(const CLI::App& app) {
  std::string text = app.config_to_str(true, true);
  const std::string self = "# Print every setting with its value and exit\nprint-config=true\n\n";
  if (auto at = text.find(self); at != std::string::npos) text.erase(at, self.size());
  std::cout << text;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"docketd: the Docket server (gateway, decider and projector roles)"};
  app.set_config("--config", "", "Config file (TOML key = value; flags override it)");
  bool print_config = false;
  app.add_flag("--print-config", print_config, "Print every setting with its value and exit");
  docket::server::DocketdConfig config;
  docket::server::BindFlags(app, config);
  CLI11_PARSE(app, argc, argv);
  if (print_config) {
    PrintConfig(app);
    return 0;
  }
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  if (docket::Status s = config.Resolve(); !s.ok()) {
    std::cerr << "docketd: " << s.message() << "\n";
    return docket::kExitUsage;
  }
  auto catalog = (config.Runs("decider") || config.Runs("gateway"))
                     ? docket::aggregates::Catalog::Load(config.catalog_path)
                     : docket::Result<docket::aggregates::Catalog>(docket::aggregates::Catalog());
  if (!catalog.ok()) {
    std::cerr << "docketd: " << catalog.status().ToString() << "\n";
    return docket::kExitNoInput;
  }
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  // Testing only: a clock a test can move (common/offset_clock.h).
  std::unique_ptr<docket::Clock> test_clock;
  if (!config.test_clock_offset_file.empty()) {
    spdlog::warn("docketd: the clock is offset by {} (testing only)", config.test_clock_offset_file);
    test_clock = std::make_unique<docket::OffsetClock>(config.test_clock_offset_file);
  }
  const docket::Clock& clock =
      test_clock ? *test_clock : static_cast<const docket::Clock&>(docket::SystemClock::Default());
  docket::server::Server server(config, docket::server::MakeContexts(config, &*catalog), &g_stop,
                                clock);
  if (docket::Status s = server.Start(); !s.ok()) {
    std::cerr << "docketd: " << s.ToString() << "\n";
    g_stop = true;
    server.Wait();
    return docket::ExitCodeOf(s);
  }
  const int code = server.Wait();
  if (code == 0) spdlog::info("docketd: stopped");
  return code;
}
