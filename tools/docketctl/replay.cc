// docketctl replay: reads an events topic and prints one JSON object per
// line, for analytics and debugging.
//
//   {"partition":0,"offset":12,"timestamp_ms":...,"key":"CS00000000006",
//    "event_id":"cmd-1/0","aggregate_id":"CS00000000006","version":1,
//    "type":"CaseOpened","occurred_at":"2026-11-27T10:00:00.000000Z",
//    "occurred_at_us":...,"actor":{...},"command_id":"cmd-1",
//    "correlation_id":"...","schema_version":2,"payload":{...}}
//
// A record that does not decode is printed in the same stream as
//   {"partition":0,"offset":13,"key":"...","error":"data_loss","message":"..."}
// and the replay goes on. Corrupt records are printed whatever the --type
// filter (their type is unknown); --aggregate matches them by record key.
#include <time.h>

#include <charconv>
#include <csignal>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "events/codec.h"
#include "tools/docketctl/event_json.h"
#include "tools/docketctl/commands.h"

namespace docket::ctl {
namespace {

std::atomic<bool> g_stop{false};

struct ReplayFlags {
  ConnectionFlags conn;
  std::string topic = "docket.cases.events";
  std::vector<int32_t> partitions;
  int64_t offset = -1;
  std::string from_time;
  bool follow = false;
  std::vector<std::string> types;
  std::vector<std::string> aggregates;
};

// "1764237600000" (ms since the epoch) or "2026-11-27T10:00:00Z".
Result<int64_t> ParseTime(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("0123456789") == std::string::npos) {
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), ms);
    if (ec != std::errc() || end != s.data() + s.size()) {
      return InvalidArgumentError("--from-time '" + s + "' is out of range");
    }
    return ms;
  }
  struct tm tm = {};
  const char* end = strptime(s.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (end == nullptr || (*end != 'Z' && *end != '\0') || (*end == 'Z' && end[1] != '\0')) {
    return InvalidArgumentError("--from-time '" + s +
                                "': expected ms since the epoch or "
                                "YYYY-MM-DDTHH:MM:SSZ (UTC)");
  }
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

int RunReplay(const ReplayFlags& f) {
  const std::string cmd = "replay";
  std::set<fb::Event> types;
  for (const auto& name : f.types) {
    auto t = events::EventTypeFromName(name);
    if (!t) {
      std::string known;
      for (auto k : events::AllEventTypes()) {
        known += (known.empty() ? "" : ", ") + std::string(events::EventTypeName(k));
      }
      return Fail(cmd, InvalidArgumentError("--type '" + name +
                                            "' is not an event type; known: " + known));
    }
    types.insert(*t);
  }
  std::set<std::string> aggregates(f.aggregates.begin(), f.aggregates.end());
  std::optional<int64_t> from_ms;
  if (!f.from_time.empty()) {
    auto t = ParseTime(f.from_time);
    if (!t.ok()) return Fail(cmd, t.status());
    from_ms = *t;
  }

  kafka::Consumer::Options co;
  co.kafka = f.conn.ToKafka("docketctl-replay");
  auto consumer = kafka::Consumer::Create(co);
  if (!consumer.ok()) return Fail(cmd, consumer.status());
  kafka::Consumer& c = **consumer;

  auto all = c.Partitions(f.topic);
  if (!all.ok()) return Fail(cmd, all.status());
  std::vector<int32_t> parts = f.partitions.empty() ? *all : f.partitions;
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int32_t p : parts) {
    if (std::find(all->begin(), all->end(), p) == all->end()) {
      return Fail(cmd, InvalidArgumentError("topic '" + f.topic + "' has no partition " +
                                            std::to_string(p)));
    }
    int64_t start = kafka::kOffsetBeginning;
    if (f.offset >= 0) start = f.offset;
    if (from_ms) {
      auto o = c.OffsetForTime(f.topic, p, *from_ms);
      if (!o.ok()) return Fail(cmd, o.status());
      start = *o;
    }
    assignment.push_back({f.topic, p, start});
  }
  Status s = c.Assign(assignment);
  if (!s.ok()) return Fail(cmd, s);

  std::set<int32_t> open(parts.begin(), parts.end());
  int64_t printed = 0, corrupt = 0, skipped = 0;
  auto idle_since = std::chrono::steady_clock::now();
  const auto idle_limit = std::chrono::milliseconds(f.conn.timeout_ms);
  while (!g_stop && (f.follow || !open.empty())) {
    auto batch = c.Poll(1000, std::chrono::milliseconds(200));
    if (!batch.ok()) return Fail(cmd, batch.status());
    if (!batch->messages.empty() || !batch->reached_end.empty()) {
      idle_since = std::chrono::steady_clock::now();
    } else if (!f.follow && std::chrono::steady_clock::now() - idle_since > idle_limit) {
      return Fail(cmd, DeadlineExceededError(
                           "no record and no end of partition from brokers " +
                           f.conn.brokers + " within " +
                           std::to_string(f.conn.timeout_ms) + " ms"));
    }
    for (const kafka::Message& m : batch->messages) {
      Result<fb::EventEnvelopeT> e = events::DecodeEvent(m.value);
      if (!e.ok()) {
        if (!aggregates.empty() && !aggregates.count(m.key)) continue;
        ++corrupt;
        nlohmann::json j = {{"partition", m.partition},
                            {"offset", m.offset},
                            {"key", m.key},
                            {"error", std::string(StatusCodeName(e.status().code()))},
                            {"message", e.status().message()}};
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
        continue;
      }
      if ((!types.empty() && !types.count(e->event.type)) ||
          (!aggregates.empty() && !aggregates.count(e->aggregate_id))) {
        ++skipped;
        continue;
      }
      ++printed;
      std::cout << EventJson(m, *e).dump(-1, ' ', false,
                                         nlohmann::json::error_handler_t::replace)
                << "\n";
    }
    std::cout.flush();
    for (const auto& end : batch->reached_end) open.erase(end.partition);
  }
  std::cerr << "docketctl replay: " << printed << " events printed, " << corrupt
            << " corrupt records, " << skipped << " filtered out\n";
  return kExitOk;
}

}  // namespace

void RegisterReplay(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ReplayFlags>();
  auto* sub = app.add_subcommand(
      "replay", "Print the events of a topic as JSON lines (corrupt records as error lines)");
  AddConnectionFlags(sub, &f->conn);
  sub->add_option("--topic", f->topic, "Events topic")->capture_default_str();
  sub->add_option("--partition", f->partitions, "Only these partitions (repeatable)");
  auto* offset = sub->add_option("--offset", f->offset,
                                 "Start at this offset in every selected partition")
                     ->check(CLI::NonNegativeNumber);
  sub->add_option("--from-time", f->from_time,
                  "Start at the first record at or after this time "
                  "(ms since the epoch or YYYY-MM-DDTHH:MM:SSZ)")
      ->excludes(offset);
  sub->add_flag("--follow,-f", f->follow, "Keep waiting for new events (Ctrl-C stops)");
  sub->add_option("--type", f->types, "Only events of this type (repeatable), e.g. CaseOpened");
  sub->add_option("--aggregate", f->aggregates,
                  "Only events of this aggregate id (repeatable), e.g. CS00000050455");
  sub->callback([f, exit_code] {
    std::signal(SIGINT, [](int) { g_stop = true; });
    std::signal(SIGTERM, [](int) { g_stop = true; });
    *exit_code = RunReplay(*f);
  });
}

}  // namespace docket::ctl
