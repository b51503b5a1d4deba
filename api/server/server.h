// Server: runs docketd's roles for a set of contexts, each role on threads
// of its own; the first role to fail stops the others.
//
//   decider    one generic decider per context (its handler)
//   projector  one projection runner per context (its projection)
//   gateway    the HTTP API with every context's routes and read models
//
// Thread-compatible: one thread calls Start and Wait; `stop` may be set by
// a signal handler.
#ifndef DOCKET_API_SERVER_SERVER_H_
#define DOCKET_API_SERVER_SERVER_H_

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "api/gateway.h"
#include "api/server/config.h"
#include "api/server/contexts.h"
#include "common/clock.h"
#include "consumers/command_bus.h"
#include "consumers/decider.h"

namespace docket::server {

class Server {
 public:
  // `config` must be resolved; `stop` must outlive the server.
  Server(const DocketdConfig& config, std::vector<Context> contexts, std::atomic<bool>* stop,
         const Clock& clock);
  ~Server();

  // Ensures the topics (when configured), then starts every role. An error
  // names what could not start; the roles already started are stopped.
  Status Start();
  // Blocks until stop is set (by a signal or a failed role), stops every
  // role and returns the exit code: 0, or the first failure's.
  int Wait();

 private:
  void StartDeciders();
  void StartProjectors();
  Status StartGateway();
  Status StartNotifier();
  // Cuts the deciders' and projections' polls short once the stop flag is set.
  void WakeLoops();
  void Fail(const std::string& role, const Status& s);
  consumers::ProjectionRunner* FindRunner(std::string_view context) const;
  std::string WritePathMetrics() const;

  const DocketdConfig& config_;
  std::vector<Context> contexts_;
  std::atomic<bool>* stop_;
  const Clock& clock_;
  std::atomic<int> exit_code_{0};
  std::vector<std::unique_ptr<consumers::Decider>> deciders_;
  std::vector<std::unique_ptr<consumers::ProjectionRunner>> runners_;  // one per context
  std::unique_ptr<consumers::CommandBus> bus_;
  std::unique_ptr<api::Gateway> gateway_;
  std::unique_ptr<notifier::Notifier> notifier_;
  std::vector<std::thread> threads_;
};

}  // namespace docket::server

#endif  // DOCKET_API_SERVER_SERVER_H_
