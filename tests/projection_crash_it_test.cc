// Crash test of the projection runner: docketd (projector role) is killed
// with SIGKILL at least 50 times while it catches up on 200,000 events, each
// kill landing while it is making progress. Afterwards `docketctl verify`
// must find the read model equal to a fresh replay: no event lost, none
// applied twice, no half-written batch.
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "tests/projection_env.h"

namespace docket::testing {
namespace {

class ProjectionCrashIT : public ProjectionEnv {
 protected:
  void SetUp() override {
    use_release_binaries_ = true;  // a volume test: see tools/dev/test.sh
    ProjectionEnv::SetUp();
  }
};

TEST_F(ProjectionCrashIT, FiftySigkillsDuringCatchUpOfTwoHundredThousandEvents) {
  constexpr int64_t kEvents = 200'000;
  constexpr int kKills = 50;
  Load(kEvents);
  DocketdProcess docketd(ProjectorArgs(/*max_batch=*/300), data_dir_.string() + "-docketd.log");
  std::mt19937 rng(20261127);
  int kills = 0;
  int64_t consumed = 0;
  docketd.Start();
  while (kills < kKills) {
    // Wait until this incarnation has stored progress, then kill it at a
    // random moment while it keeps going.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (Consumed() <= consumed && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 40));
    docketd.Kill();
    ++kills;
    const int64_t now = Consumed();
    ASSERT_GT(now, consumed) << "no progress before kill " << kills << "\n" << docketd.Log();
    ASSERT_LT(now, kEvents) << "caught up before kill " << kills << "; kills must land mid-catch-up";
    consumed = now;
    docketd.Start();
  }
  RecordProperty("kills", kills);
  RecordProperty("docketd", Docketd());
  RecordProperty("consumed_at_last_kill", std::to_string(consumed));
  ASSERT_TRUE(WaitCaughtUp(std::chrono::seconds(300))) << docketd.Log();
  EXPECT_EQ(docketd.Stop(), 0);
  EXPECT_EQ(Consumed(), kEvents);

  CommandOutput verify = Ctl({"verify", "cases"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("equal"), std::string::npos) << verify.out;
  CommandOutput dead = Ctl({"dead-letters", "list"});
  EXPECT_EQ(dead.out, "no dead letters\n");
}

}  // namespace
}  // namespace docket::testing
