// docketctl subcommands. Each Register* adds its subcommand to the CLI11 app;
// the callback runs the command and stores the process exit code.
//
// Exit codes (sysexits.h): 0 ok, 2 usage (CLI11), 65 bad data where the
// command cannot go on, 69 broker unavailable, 70 internal error.
#ifndef DOCKET_TOOLS_DOCKETCTL_COMMANDS_H_
#define DOCKET_TOOLS_DOCKETCTL_COMMANDS_H_

#include <CLI/CLI.hpp>

#include <string>

#include "common/status.h"
#include "events/kafka.h"

namespace docket::ctl {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDataErr = 65;
inline constexpr int kExitUnavailable = 69;
inline constexpr int kExitSoftware = 70;

// Options every subcommand that talks to Kafka shares.
struct ConnectionFlags {
  std::string brokers = "127.0.0.1:9092";
  int timeout_ms = 10000;
  kafka::KafkaOptions ToKafka(const std::string& client_id) const;
};
void AddConnectionFlags(CLI::App* app, ConnectionFlags* flags);

// Prints "docketctl <cmd>: <status>" to stderr and maps it to an exit code.
int Fail(const std::string& cmd, const Status& status);

void RegisterReplay(CLI::App& app, int* exit_code);
void RegisterTopics(CLI::App& app, int* exit_code);
void RegisterInspect(CLI::App& app, int* exit_code);
void RegisterProjectionCommands(CLI::App& app, int* exit_code);
void RegisterLoad(CLI::App& app, int* exit_code);
void RegisterAdmin(CLI::App& app, int* exit_code);

}  // namespace docket::ctl

#endif  // DOCKET_TOOLS_DOCKETCTL_COMMANDS_H_
