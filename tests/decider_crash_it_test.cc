// Crash test: a separate docketd process is killed with SIGKILL at random
// moments, at least 20 times, during a 20,000-command run whose clients
// resubmit with the same command ids until decided. Afterwards the log,
// read read_committed, holds every acknowledged command exactly once, with
// no gaps in versions and nothing from aborted transactions.
#include <gtest/gtest.h>
#include <signal.h>

#include <mutex>
#include <random>

#include "tests/decider_env.h"

namespace docket::testing {
namespace {

using DeciderCrashIT = DeciderEnv;

TEST_F(DeciderCrashIT, SigkillDuringTwentyThousandCommandsLosesAndDoublesNothing) {
  constexpr int kCases = 500, kCommands = 20'000, kClients = 16, kMinKills = 20;
  DocketdProcess docketd(DocketdArgs("crash"), (data_dir_.string() + "-docketd.log"));
  docketd.Start();

  std::atomic<int> acked{0};
  std::atomic<bool> done{false};
  int kills = 0;
  std::thread killer([&] {
    std::mt19937 rng(20261127);
    int next_at = 400;
    while (!done) {
      if (acked < next_at) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      // A random moment: mid-batch, mid-commit, mid-catch-up, anywhere.
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 250));
      docketd.Kill();
      ++kills;
      docketd.Start();
      next_at = acked + 500 + static_cast<int>(rng() % 300);
    }
  });

  std::mutex mu;
  std::map<std::string, fb::CommandResultT> acknowledged;
  std::vector<std::string> numbers(kCases);
  auto run = [&](int threads, int begin, int end,
                 const std::function<fb::CommandEnvelopeT(int)>& make) {
    std::atomic<int> next{begin};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (int i = next++; i < end; i = next++) {
          fb::CommandEnvelopeT c = make(i);
          fb::CommandResultT r = DecideWithRetries(c);
          if (i < kCases) numbers[i] = r.aggregate_id;
          ++acked;
          std::lock_guard<std::mutex> lock(mu);
          acknowledged[c.command_id] = std::move(r);
        }
      });
    }
    for (auto& t : pool) t.join();
  };
  run(kClients, 0, kCases, [](int i) { return OpenCaseCommand("open-" + std::to_string(i)); });
  run(kClients, kCases, kCommands, [&](int i) {
    return CommentCommand("c-" + std::to_string(i), numbers[i % kCases],
                          "comment " + std::to_string(i));
  });
  done = true;
  killer.join();
  EXPECT_GE(kills, kMinKills);
  RecordProperty("kills", kills);

  ASSERT_EQ(acknowledged.size(), static_cast<size_t>(kCommands));
  for (const auto& [id, r] : acknowledged) {
    ASSERT_EQ(r.code, fb::ResultCode::Accepted) << id << ": " << r.rule << " " << r.message;
  }
  std::vector<LoggedEvent> log = ReadEvents();
  ExpectExactlyOnce(acknowledged, log);
  EXPECT_EQ(log.size(), static_cast<size_t>(kCommands));  // one event per command here
  EXPECT_EQ(docketd.Stop(), 0);
}

}  // namespace
}  // namespace docket::testing
