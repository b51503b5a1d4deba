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

#include "aggregates/cases/case_handler.h"
#include "consumers/command_bus.h"
#include "consumers/decider.h"
#include "events/envelope.h"
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
  fb::CommandEnvelopeT c = events::MakeCommand(number, actor, /*issued_at_us=*/0);
  c.command_id = command_id;
  c.command.Set(std::move(payload));
  return c;
}

struct LoggedEvent {
  int32_t partition;
  int64_t offset;
  fb::EventEnvelopeT event;
};

// A docketd child process, its output in a log file. Killed on destruction.
class DocketdProcess {
 public:
  DocketdProcess(std::vector<std::string> args, std::string log_path);
  ~DocketdProcess();
  void Start();
  void Signal(int sig);
  // SIGKILL and reap.
  void Kill();
  // SIGTERM and wait (bounded); returns the exit code.
  int Stop();
  bool running() const { return pid_ > 0; }
  std::string Log() const;

 private:
  std::vector<std::string> args_;
  std::string log_path_;
  int pid_ = -1;
};

class DeciderEnv : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  consumers::DeciderOptions DeciderOptionsFor(const std::string& instance) const;
  // docketd arguments for this fixture's broker, topics and data dir.
  std::vector<std::string> DocketdArgs(const std::string& instance) const;
  // Starts an in-process decider on its own thread.
  void StartDecider(const std::string& instance, const Clock& clock);
  void StopDeciders();
  consumers::CommandBus& bus();
  // Submits and waits up to 60 s; fails the test if it is not decided.
  fb::CommandResultT Decide(const fb::CommandEnvelopeT& c);
  // Submits until decided, resubmitting the same command id after a pending
  // outcome or an unavailable broker (what a client does across a crash).
  fb::CommandResultT DecideWithRetries(const fb::CommandEnvelopeT& c);
  // Every event of the events topic, read_committed, per partition in order.
  std::vector<LoggedEvent> ReadEvents();
  // The exactly-once checks over the whole log: each acknowledged accepted
  // command has exactly its events, rejected ones none, no event belongs to
  // an unknown command or repeats an event id, and every aggregate's
  // versions run 1..n without a gap.
  void ExpectExactlyOnce(const std::map<std::string, fb::CommandResultT>& acknowledged,
                         const std::vector<LoggedEvent>& log);

  events::TopicLayout layout_;
  // Outlives the deciders (they are stopped in TearDown).
  ManualClock manual_clock_{1'795'000'000'000'000};
  std::filesystem::path data_dir_;
  std::unique_ptr<aggregates::Catalog> catalog_;
  std::unique_ptr<aggregates::CaseHandler> handler_;
  aggregates::CaseLimits limits_;
  // DeciderOptions::catch_up_flush_events of the deciders started next.
  size_t catch_up_flush_events_ = consumers::DeciderOptions{}.catch_up_flush_events;

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
