// docketctl subcommands. Each Register* adds its subcommand to the CLI11 app;
// the callback runs the command and stores the process exit code.
//
// Exit codes: common/exit_code.h (sysexits: 0 ok, 65 bad input, 69 broker
// unavailable, 70 internal error, 75 try again, 77 permission denied);
// 2 for a malformed command line (CLI11).
#ifndef DOCKET_TOOLS_DOCKETCTL_COMMANDS_H_
#define DOCKET_TOOLS_DOCKETCTL_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <string>

#include "common/exit_code.h"
#include "common/status.h"
#include "events/kafka.h"

namespace docket::ctl {

// Options every subcommand that talks to Kafka shares.
struct ConnectionFlags {
  std::string brokers = "127.0.0.1:9092";
  int timeout_ms = 10000;
  kafka::KafkaOptions ToKafka(const std::string& client_id) const;
};
void AddConnectionFlags(CLI::App* app, ConnectionFlags* flags);

// Prints "docketctl <cmd>: <status>" to stderr and returns ExitCodeOf(status).
int Fail(const std::string& cmd, const Status& status);

void RegisterReplay(CLI::App& app, int* exit_code);
void RegisterTopics(CLI::App& app, int* exit_code);
void RegisterInspect(CLI::App& app, int* exit_code);
void RegisterProjectionCommands(CLI::App& app, int* exit_code);
void RegisterLoad(CLI::App& app, int* exit_code);
void RegisterAdmin(CLI::App& app, int* exit_code);
void RegisterCommands(CLI::App& app, int* exit_code);
void RegisterNotifications(CLI::App& app, int* exit_code);

}  // namespace docket::ctl

#endif  // DOCKET_TOOLS_DOCKETCTL_COMMANDS_H_
