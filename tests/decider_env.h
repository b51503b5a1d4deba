// Shared fixture of the decider integration tests: a fresh topic prefix on
// the real broker, the case handler, in-process deciders and a command bus,
// command builders, and a read_committed reader of the whole events topic.
#ifndef DOCKET_TESTS_DECIDER_ENV_H_
#define DOCKET_TESTS_DECIDER_ENV_H_

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "aggregates/case_handler.h"
#include "consumers/command_bus.h"
#include "consumers/decider.h"
#include "tests/kafka_env.h"

namespace docket::testing {

fb::ActorT Customer(std::string account = "acc-1");
fb::ActorT Staff();

fb::CommandEnvelopeT OpenCaseCommand(const std::string& command_id,
                                     const fb::ActorT& actor = Customer());
fb::CommandEnvelopeT CommentCommand(const std::string& command_id, const std::string& number,
                                    const std::string& body, int64_t expected_version = -1,
                                    const fb::ActorT& actor = Customer());
template <typename T>
fb::CommandEnvelopeT CaseCommand(const std::string& command_id, const std::string& number,
                                 T payload, const fb::ActorT& actor) {
  fb::CommandEnvelopeT c;
  c.command_id = command_id;
  c.aggregate_id = number;
  c.actor = std::make_unique<fb::ActorT>(actor);
  c.schema_version = events::kCommandSchemaVersion;
  c.command.Set(std::move(payload));
  return c;
}

struct LoggedEvent {
  int32_t partition;
  int64_t offset;
  fb::EventEnvelopeT event;
};

class DeciderEnv : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  consumers::DeciderOptions DeciderOptionsFor(const std::string& instance) const;
  // Starts an in-process decider on its own thread.
  void StartDecider(const std::string& instance, const Clock& clock);
  void StopDeciders();
  consumers::CommandBus& bus();
  // Submits and waits up to 60 s; fails the test if it is not decided.
  fb::CommandResultT Decide(const fb::CommandEnvelopeT& c);
  // Every event of the events topic, read_committed, per partition in order.
  std::vector<LoggedEvent> ReadEvents();

  events::TopicLayout layout_;
  // Outlives the deciders (they are stopped in TearDown).
  ManualClock manual_clock_{1'795'000'000'000'000};
  std::filesystem::path data_dir_;
  std::unique_ptr<aggregates::Catalog> catalog_;
  std::unique_ptr<aggregates::CaseHandler> handler_;
  aggregates::CaseLimits limits_;

 private:
  struct Running {
    std::unique_ptr<consumers::Decider> decider;
    std::unique_ptr<std::atomic<bool>> stop;
    std::thread thread;
  };
  std::vector<Running> deciders_;
  std::mutex bus_mu_;
  std::unique_ptr<consumers::CommandBus> bus_;
};

}  // namespace docket::testing

#endif  // DOCKET_TESTS_DECIDER_ENV_H_
