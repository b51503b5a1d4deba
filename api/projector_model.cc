#include "api/projector_model.h"

#include <algorithm>

namespace docket::api {
namespace {

std::string Readiness(consumers::ProjectionRunner* runner, const ReadinessBounds& b) {
  // Every partition must have reported, and be within both bounds: a fresh
  // backlog has young records, so age alone says nothing.
  std::vector<consumers::PartitionLag> lag = runner->Lag();
  double worst_seconds = 0;
  int64_t worst_events = 0;
  for (const auto& l : lag) {
    worst_seconds = std::max(worst_seconds, l.seconds);
    worst_events = std::max(worst_events, l.events());
  }
  const bool all_reported =
      static_cast<int32_t>(lag.size()) >= b.partitions &&
      std::all_of(lag.begin(), lag.end(), [](const auto& l) { return l.end_known; });
  if (runner->store() == nullptr || !all_reported) return "catching up";
  if (worst_events > b.max_lag_events || worst_seconds > b.max_lag_seconds) {
    return "behind by " + std::to_string(worst_events) + " events";
  }
  return "ok";
}

std::string MetricsOf(const std::string& context, consumers::ProjectionRunner* runner) {
  const std::string ctx = "context=\"" + context + "\"";
  std::vector<consumers::PartitionLag> lag = runner->Lag();
  std::string text;
  text += "# HELP docket_projection_lag_events Events not yet in the read models.\n"
          "# TYPE docket_projection_lag_events gauge\n";
  for (const auto& l : lag) {
    text += "docket_projection_lag_events{" + ctx + ",partition=\"" +
            std::to_string(l.partition) + "\"} " + std::to_string(l.events()) + "\n";
  }
  text += "# HELP docket_projection_lag_seconds Age of the oldest event not yet applied.\n"
          "# TYPE docket_projection_lag_seconds gauge\n";
  for (const auto& l : lag) {
    text += "docket_projection_lag_seconds{" + ctx + ",partition=\"" +
            std::to_string(l.partition) + "\"} " + std::to_string(l.seconds) + "\n";
  }
  text += "# HELP docket_projection_events_total Events applied to the read models.\n"
          "# TYPE docket_projection_events_total counter\n"
          "docket_projection_events_total{" + ctx + "} " +
          std::to_string(runner->stats().applied.load()) + "\n";
  return text;
}

}  // namespace

ReadModel ProjectorReadModel(std::string context, consumers::ProjectionRunner* runner,
                             std::string check, ReadinessBounds bounds) {
  ReadModel m;
  m.context = context;
  m.wait_for = [runner](int32_t partition, int64_t offset, std::chrono::milliseconds timeout) {
    return runner->WaitForPosition(partition, offset, timeout);
  };
  m.check = std::move(check);
  m.readiness = [runner, bounds] { return Readiness(runner, bounds); };
  m.metrics = [context, runner] { return MetricsOf(context, runner); };
  return m;
}

}  // namespace docket::api
