// Fixture of the read-side integration tests: fresh topics on the test
// broker, a data directory, synthetic events loaded with `docketctl load`,
// docketd running the projector role, and docketctl's read-model commands.
#ifndef DOCKET_TESTS_PROJECTION_ENV_H_
#define DOCKET_TESTS_PROJECTION_ENV_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "consumers/projection_runner.h"
#include "events/topics.h"
#include "projections/cases/case_projection.h"
#include "tests/decider_env.h"
#include "tests/kafka_env.h"

namespace docket::testing {

class ProjectionEnv : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // `docketctl load` of `events` synthetic events into this fixture's topics.
  void Load(int64_t events, uint64_t seed = 7);
  // docketd --roles projector for this fixture.
  std::vector<std::string> ProjectorArgs(int max_batch = 2000) const;
  // docketctl <args...> --brokers .. --topic-prefix .. --data-dir ..
  CommandOutput Ctl(std::vector<std::string> args) const;
  // The live model's consumed offsets (read-only open; works while a
  // projector runs). Empty when never built.
  std::map<int32_t, int64_t> LiveOffsets() const;
  int64_t Consumed() const;
  // The events topic's end offsets.
  std::map<int32_t, int64_t> EndOffsets() const;
  // Waits (bounded) until the live model has consumed every partition to
  // its end; false on timeout.
  bool WaitCaughtUp(std::chrono::seconds timeout) const;
  // The cases projector's options for this fixture.
  consumers::ProjectorOptions Options() const;
  // The docketd and docketctl binaries this fixture runs: the ones built
  // with the tests, or for volume tests (`use_release_binaries_`) the
  // release builds named by DOCKET_TEST_RELEASE_DOCKETD/_DOCKETCTL when set
  // (tools/dev/test.sh sets them).
  std::string Docketd() const;
  std::string Docketctl() const;

  const projections::CaseProjection cases_;
  bool use_release_binaries_ = false;
  events::TopicLayout layout_;
  std::filesystem::path data_dir_;
};

}  // namespace docket::testing

#endif  // DOCKET_TESTS_PROJECTION_ENV_H_
