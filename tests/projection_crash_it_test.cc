// Crash test of the projection runner: docketd (projector role) is killed
// with SIGKILL 50 times at random moments while it catches up on 200,000
// events (every kill before the catch-up ends, most after the life stored
// progress). Afterwards `docketctl verify`
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
  // Small batches: more commit boundaries for a kill to land on, and a
  // catch-up slow enough that 50 short lives cannot finish it.
  DocketdProcess docketd(ProjectorArgs(/*max_batch=*/50), data_dir_.string() + "-docketd.log");
  std::mt19937 rng(20261127);
  int kills = 0, progressed = 0;
  int64_t consumed = 0;
  while (kills < kKills) {
    docketd.Start();
    // A random moment of this life: start-up, catch-up, a commit, anywhere.
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 350));
    docketd.Kill();
    ++kills;
    const int64_t now = Consumed();  // read after the kill: nobody writes
    ASSERT_GE(now, consumed) << "the stored position went back at kill " << kills;
    ASSERT_LT(now, kEvents) << "caught up before kill " << kills << "; kills must land mid-catch-up";
    if (now > consumed) ++progressed;
    consumed = now;
  }
  // Many lives got far enough to store batches, so kills hit a projector at
  // work and not only one starting up (39 of 50 on a quiet machine).
  EXPECT_GE(progressed, kKills / 5);
  RecordProperty("lives_with_progress", progressed);
  docketd.Start();
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
