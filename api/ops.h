// Operations routes: /healthz (the process answers), /readyz (the broker
// answers and every registered read model is ready), /metrics (Prometheus
// text: the gateway's own metrics and each read model's). Each is served
// under /api/v1 and at the root, without authentication or rate limits.
//
// The broker is checked at most once a second, by one request at a time;
// everyone else gets the last answer. /metrics also counts the command
// records no decider could read (docket_commands_parked_total, the end of
// the parked-commands topic, read at most once every 10 s the same way).
// Thread-safe.
#ifndef DOCKET_API_OPS_H_
#define DOCKET_API_OPS_H_

#include <functional>
#include <memory>
#include <mutex>

#include "api/metrics.h"
#include "api/positions.h"
#include "api/router.h"
#include "common/clock.h"
#include "events/kafka.h"
#include "events/topics.h"

namespace docket::api {

class Ops {
 public:
  // Every pointer must outlive the routes.
  Ops(const Positions* positions, const Metrics* metrics, events::TopicLayout layout,
      const Clock& clock)
      : positions_(positions), metrics_(metrics), layout_(std::move(layout)), clock_(clock) {}

  // Connects the broker probe (bounded timeout).
  Status Start(const kafka::KafkaOptions& kafka);
  void Register(Router& router);
  // Before Register: more Prometheus text for /metrics.
  void AddMetrics(std::function<std::string()> source) { sources_.push_back(std::move(source)); }

 private:
  Status BrokerHealth();
  Reply Readyz();
  Reply MetricsText();
  // The parked-commands count, -1 while unknown.
  int64_t ParkedCommands();

  const Positions* positions_;
  const Metrics* metrics_;
  events::TopicLayout layout_;
  const Clock& clock_;
  std::unique_ptr<kafka::Consumer> probe_;
  std::mutex check_mu_;   // held while checking the broker
  std::mutex status_mu_;  // guards the last answer
  int64_t checked_us_ = 0;
  Status status_;
  std::mutex parked_check_mu_;
  std::mutex parked_mu_;  // guards the two below
  int64_t parked_checked_us_ = 0;
  int64_t parked_ = -1;
  std::vector<std::function<std::string()>> sources_;
};

}  // namespace docket::api

#endif  // DOCKET_API_OPS_H_
