// docketctl inspect case CSxxxxxxxxxxx: the case's current state and its
// full event history, read from the events topic (the log is the truth; no
// store is consulted). The partition is the case number modulo the events
// topic's partition count.
#include <iostream>

#include "aggregates/cases/case.h"
#include "tools/docketctl/commands.h"
#include "tools/docketctl/event_json.h"

namespace docket::ctl {
namespace {

struct InspectFlags {
  ConnectionFlags conn;
  std::string prefix = "docket";
  std::string number;
  bool json = false;
};

int RunInspect(const InspectFlags& f) {
  const std::string cmd = "inspect case";
  if (auto n = aggregates::ParseCaseNumber(f.number); !n.ok()) return Fail(cmd, n.status());
  const std::string topic = f.prefix + ".cases.events";
  kafka::Consumer::Options co;
  co.kafka = f.conn.ToKafka("docketctl-inspect");
  co.fetch_wait_max_ms = 10;
  auto consumer = kafka::Consumer::Create(co);
  if (!consumer.ok()) return Fail(cmd, consumer.status());
  auto parts = (*consumer)->Partitions(topic);
  if (!parts.ok()) return Fail(cmd, parts.status());
  const int32_t p = *aggregates::CasePartition(f.number, static_cast<int32_t>(parts->size()));
  if (Status s = (*consumer)->Assign({{topic, p, kafka::kOffsetBeginning}}); !s.ok()) {
    return Fail(cmd, s);
  }
  aggregates::CaseSnapshot state;
  nlohmann::json history = nlohmann::json::array();
  int corrupt = 0;
  for (bool end = false; !end;) {
    auto batch = (*consumer)->Poll(5000, std::chrono::milliseconds(f.conn.timeout_ms));
    if (!batch.ok()) return Fail(cmd, batch.status());
    if (batch->messages.empty() && batch->reached_end.empty()) {
      return Fail(cmd, DeadlineExceededError("no progress reading " + topic + "/" +
                                             std::to_string(p)));
    }
    for (const auto& m : batch->messages) {
      if (m.key != f.number) continue;
      auto e = events::DecodeEvent(m.value);
      if (!e.ok()) {
        ++corrupt;
        history.push_back({{"partition", m.partition}, {"offset", m.offset},
                           {"error", std::string(StatusCodeName(e.status().code()))},
                           {"message", e.status().message()}});
        continue;
      }
      if (e->aggregate_id != f.number) continue;
      aggregates::ApplyCase(&state, *e);
      history.push_back(EventJson(m, *e));
    }
    end = !batch->reached_end.empty();
  }
  if (state.case_number.empty()) {
    return Fail(cmd, NotFoundError("case " + f.number + " not found in " + topic + "/" +
                                   std::to_string(p)));
  }
  nlohmann::json attachments = nlohmann::json::array();
  for (const auto& a : state.attachments) {
    attachments.push_back({{"attachment_id", a->attachment_id},
                           {"file_name", a->file_name},
                           {"size_bytes", a->size_bytes},
                           {"content_type", a->content_type},
                           {"sha256", a->sha256}});
  }
  nlohmann::json summary = {
      {"case_number", state.case_number},
      {"state", fb::EnumNameCaseState(state.state)},
      {"version", state.version},
      {"account_id", state.account_id},
      {"opened_at", FormatMicros(state.opened_at_us)},
      {"resolved_at", state.resolved_at_us ? FormatMicros(state.resolved_at_us) : ""},
      {"attachments", attachments},
      {"watchers", state.watchers},
      {"partition", p},
      {"corrupt_records", corrupt},
  };
  if (f.json) {
    std::cout << nlohmann::json{{"case", summary}, {"history", history}}.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << "Case " << state.case_number << "  " << summary["state"].get<std::string>()
            << "  version " << state.version << "  account " << state.account_id
            << "  (" << topic << "/" << p << ")\n"
            << "Opened " << summary["opened_at"].get<std::string>() << "\n";
  if (state.resolved_at_us) std::cout << "Resolved " << summary["resolved_at"].get<std::string>() << "\n";
  std::cout << "Attachments: " << state.attachments.size() << "  Watchers: "
            << state.watchers.size() << "\n\nHistory\n";
  for (const auto& h : history) {
    if (h.contains("error")) {
      std::cout << "  @" << h["offset"] << "  CORRUPT  " << h["message"].get<std::string>() << "\n";
      continue;
    }
    std::cout << "  v" << h["version"] << "  " << h["occurred_at"].get<std::string>() << "  "
              << h["type"].get<std::string>() << "  by " << h["actor"]["user_id"].get<std::string>()
              << " (" << h["actor"]["role"].get<std::string>() << ")  "
              << h["payload"].dump() << "\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterInspect(CLI::App& app, int* exit_code) {
  auto* inspect = app.add_subcommand("inspect", "Show one aggregate from the log");
  inspect->require_subcommand(1);
  auto f = std::make_shared<InspectFlags>();
  auto* c = inspect->add_subcommand("case", "A case's state and full event history");
  AddConnectionFlags(c, &f->conn);
  c->add_option("number", f->number, "Case number, e.g. CS00000050455")->required();
  c->add_option("--prefix", f->prefix, "Topic name prefix")->capture_default_str();
  c->add_flag("--json", f->json, "Print one JSON document");
  c->callback([f, exit_code] { *exit_code = RunInspect(*f); });
}

}  // namespace docket::ctl
