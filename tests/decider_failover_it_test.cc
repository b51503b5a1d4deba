// Two docketd processes in one consumer group share the partitions. Killing
// one moves its partitions to the other with nothing lost; a paused stale
// owner that wakes up is fenced and writes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <functional>
#include <mutex>

#include "tests/decider_env.h"

namespace docket::testing {
namespace {

using DeciderFailoverIT = DeciderEnv;

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST_F(DeciderFailoverIT, KilledOwnersPartitionsMoveAndAPausedOwnerIsFenced) {
  DocketdProcess a(DocketdArgs("a"), data_dir_.string() + "-a.log");
  DocketdProcess b(DocketdArgs("b"), data_dir_.string() + "-b.log");
  a.Start();
  b.Start();

  constexpr int kCases = 60;
  std::vector<std::string> numbers(kCases);
  std::mutex mu;
  std::map<std::string, fb::CommandResultT> acknowledged;
  auto record = [&](const fb::CommandEnvelopeT& c) {
    fb::CommandResultT r = DecideWithRetries(c);
    std::lock_guard<std::mutex> lock(mu);
    acknowledged[c.command_id] = r;
    return r;
  };
  for (int i = 0; i < kCases; ++i) {
    numbers[i] = record(OpenCaseCommand("open-" + std::to_string(i))).aggregate_id;
  }
  // Both own partitions once the group settled.
  for (int i = 0; i < 300 && (Count(a.Log(), "caught up (") == 0 ||
                              Count(b.Log(), "caught up (") == 0);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_GT(Count(a.Log(), "caught up ("), 0) << a.Log();
  ASSERT_GT(Count(b.Log(), "caught up ("), 0) << b.Log();

  // Steady load on every case from 8 clients while owners die and pause.
  std::atomic<bool> stop{false};
  std::atomic<int> sent{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        const int n = sent++;
        record(CommentCommand("c-" + std::to_string(t) + "-" + std::to_string(i),
                              numbers[n % kCases], "comment " + std::to_string(n)));
      }
    });
  }
  auto sleep_s = [](int s) { std::this_thread::sleep_for(std::chrono::seconds(s)); };
  sleep_s(2);
  const int b_catchups_before = Count(b.Log(), "caught up (");
  a.Kill();   // a's partitions move to b after the session timeout (6 s)
  auto wait_for = [](int seconds, const std::function<bool()>& done) {
    for (int i = 0; i < seconds * 10 && !done(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return done();
  };
  EXPECT_TRUE(wait_for(60, [&] { return Count(b.Log(), "caught up (") > b_catchups_before; }))
      << "b never took over a's partitions";
  sleep_s(2);  // b serves a's partitions for a while
  const int acked_while_a_dead = sent;
  a.Start();  // back, the group rebalances
  sleep_s(8);

  const size_t a_log_before_pause = a.Log().size();
  a.Signal(SIGSTOP);  // a stale owner: b takes its partitions meanwhile
  sleep_s(10);
  a.Signal(SIGCONT);  // wakes up believing it owns them
  // The woken owner notices it lost its partitions (revoked, or its session
  // failed on a fenced transaction) instead of writing as their owner.
  auto a_after = [&] { return a.Log().substr(a_log_before_pause); };
  EXPECT_TRUE(wait_for(60, [&] {
    return a_after().find("revoked") != std::string::npos ||
           a_after().find("session ended") != std::string::npos;
  })) << a_after();
  sleep_s(3);
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_GT(acked_while_a_dead, 0);

  std::vector<LoggedEvent> log = ReadEvents();
  ExpectExactlyOnce(acknowledged, log);
  for (const auto& [id, r] : acknowledged) {
    EXPECT_EQ(r.code, fb::ResultCode::Accepted) << id << ": " << r.message;
  }
  EXPECT_EQ(a.Stop(), 0);
  EXPECT_EQ(b.Stop(), 0);
}

}  // namespace
}  // namespace docket::testing
