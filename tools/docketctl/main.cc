// docketctl: the operator and analytics command line of Docket.
//   docketctl replay   print events of a topic as JSON lines
//   docketctl topics   create / check Docket's topics
//   docketctl inspect  one case's state and history from the log
//   docketctl rebuild | verify | lag | dead-letters | export   read models
//   docketctl load     synthetic events for benchmarks and tests
//   docketctl commands parked   command records no decider could read
#include <spdlog/spdlog.h>

#include "tools/docketctl/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"docketctl: operate Docket (event log, topics, read models)"};
  app.require_subcommand(1);
  spdlog::set_level(spdlog::level::warn);
  int exit_code = docket::kExitOk;
  docket::ctl::RegisterReplay(app, &exit_code);
  docket::ctl::RegisterTopics(app, &exit_code);
  docket::ctl::RegisterInspect(app, &exit_code);
  docket::ctl::RegisterProjectionCommands(app, &exit_code);
  docket::ctl::RegisterLoad(app, &exit_code);
  docket::ctl::RegisterAdmin(app, &exit_code);
  docket::ctl::RegisterCommands(app, &exit_code);
  docket::ctl::RegisterNotifications(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
