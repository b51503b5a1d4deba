// docketctl commands parked: the command records no decider could read
// (docket.commands.parked, events/topics.h), one JSON object per line:
//
//   {"offset":0,"timestamp_ms":...,"from":"docket.cases.commands/3/1842",
//    "reason":"DATA_LOSS: command record: schema_version 3 is not in 1..2",
//    "command_id":"k-...","bytes":212,"value_base64":"..."}
//
// `command_id` is absent when the record did not name its command (its
// sender got no answer); `value_base64` is the record as it was, to be
// sent again once a decider can read it.
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/hash.h"
#include "events/topics.h"
#include "tools/docketctl/commands.h"

namespace docket::ctl {
namespace {

nlohmann::json ParkedJson(const kafka::Message& m) {
  nlohmann::json j = {{"offset", m.offset}, {"timestamp_ms", m.timestamp_ms}};
  for (const auto& h : m.headers) {
    if (h.key == events::kParkedSourceHeader) j["from"] = h.value;
    if (h.key == events::kParkedReasonHeader) j["reason"] = h.value;
    if (h.key == events::kCommandIdHeader) j["command_id"] = h.value;
  }
  j["bytes"] = m.value.size();
  j["value_base64"] = Base64(m.value);
  return j;
}

int RunParked(const ConnectionFlags& conn, const events::TopicLayout& layout) {
  const std::string cmd = "commands parked";
  const std::string topic = layout.ParkedCommandsTopic();
  kafka::Consumer::Options co;
  co.kafka = conn.ToKafka("docketctl-parked");
  auto consumer = kafka::Consumer::Create(co);
  if (!consumer.ok()) return Fail(cmd, consumer.status());
  kafka::Consumer& c = **consumer;
  auto wm = c.Watermarks(topic, 0);
  if (!wm.ok()) return Fail(cmd, wm.status());
  const auto [low, high] = *wm;
  int64_t printed = 0;
  if (high > low) {
    if (Status s = c.Assign({{topic, 0, low}}); !s.ok()) return Fail(cmd, s);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(conn.timeout_ms);
    int64_t next = low;
    while (next < high) {
      auto batch = c.Poll(1000, std::chrono::milliseconds(200));
      if (!batch.ok()) return Fail(cmd, batch.status());
      for (const kafka::Message& m : batch->messages) {
        next = m.offset + 1;
        ++printed;
        std::cout << ParkedJson(m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
      }
      // Transaction markers take offsets too: the end is reached when the
      // partition says so.
      if (!batch->reached_end.empty()) break;
      if (batch->messages.empty() && std::chrono::steady_clock::now() > deadline) {
        return Fail(cmd, DeadlineExceededError("no record of " + topic + " within " +
                                               std::to_string(conn.timeout_ms) + " ms"));
      }
    }
  }
  std::cerr << "docketctl commands parked: " << printed << " records\n";
  return kExitOk;
}

}  // namespace

void RegisterCommands(CLI::App& app, int* exit_code) {
  auto* commands = app.add_subcommand("commands", "Command records on the log");
  commands->require_subcommand(1);
  struct Flags {
    ConnectionFlags conn;
    events::TopicLayout layout;
  };
  auto flags = std::make_shared<Flags>();
  auto* parked = commands->add_subcommand(
      "parked", "List the command records no decider could read, as JSON lines");
  AddConnectionFlags(parked, &flags->conn);
  parked->add_option("--prefix", flags->layout.prefix, "Topic name prefix")
      ->capture_default_str();
  parked->callback([flags, exit_code] { *exit_code = RunParked(flags->conn, flags->layout); });
}

}  // namespace docket::ctl
