// `docketctl rebuild` of a log with 1,000,000 events, under a running
// projector: it completes, reports progress (plain lines when not on a
// terminal), and the rebuilt model, swapped in blue/green, is byte for byte
// the live model (same digest), which the projector then serves.
#include <gtest/gtest.h>

#include <thread>

#include "tests/projection_env.h"

namespace docket::testing {
namespace {

class ProjectionRebuildIT : public ProjectionEnv {
 protected:
  void SetUp() override {
    use_release_binaries_ = true;  // a volume test: see tools/dev/test.sh
    ProjectionEnv::SetUp();
  }
};

std::string LiveDigest(const CommandOutput& out) {
  // "live  <64 hex>  (...)"
  auto lines = Lines(out.out);
  return lines.empty() || lines[0].size() < 70 ? "" : lines[0].substr(6, 64);
}

TEST_F(ProjectionRebuildIT, MillionEventsRebuildEqualsTheLiveModel) {
  constexpr int64_t kEvents = 1'000'000;
  Load(kEvents);
  RecordProperty("docketd", Docketd());
  DocketdProcess docketd(ProjectorArgs(), data_dir_.string() + "-docketd.log");
  docketd.Start();
  ASSERT_TRUE(WaitCaughtUp(std::chrono::seconds(900))) << docketd.Log();
  const std::string live = LiveDigest(Ctl({"verify", "cases", "--digest-only"}));
  ASSERT_EQ(live.size(), 64u);

  CommandOutput rebuild = Ctl({"rebuild", "cases"});
  ASSERT_EQ(rebuild.exit_code, 0) << rebuild.err;
  // Progress: several plain lines with counts, rate and ETA, ending at 100%.
  int progress_lines = 0;
  for (const auto& line : Lines(rebuild.err)) {
    if (line.starts_with("rebuild cases: ") && line.find("events/s, ETA") != std::string::npos) {
      ++progress_lines;
    }
  }
  EXPECT_GE(progress_lines, 3) << rebuild.err;
  EXPECT_NE(rebuild.err.find("1000000/1000000 events (100.0%)"), std::string::npos);
  EXPECT_NE(rebuild.out.find("rebuilt cases: 1000000 events"), std::string::npos) << rebuild.out;
  EXPECT_NE(rebuild.out.find("digest " + live), std::string::npos)
      << "rebuilt model differs from the live one\n" << rebuild.out;

  // The running projector switches to the new generation and serves it.
  for (int i = 0; i < 100 && docketd.Log().find("now serving") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(docketd.Log().find("now serving"), std::string::npos) << docketd.Log();
  EXPECT_EQ(LiveDigest(Ctl({"verify", "cases", "--digest-only"})), live);
  EXPECT_EQ(Consumed(), kEvents);
  EXPECT_EQ(docketd.Stop(), 0);
}

}  // namespace
}  // namespace docket::testing
