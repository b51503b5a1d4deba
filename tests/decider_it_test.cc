// The decider against the real broker, in process: exactly-once under
// concurrency, idempotent resubmission, optimistic concurrency, auto-close
// across restarts, and case numbers across restarts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/decider_env.h"

namespace docket::testing {
namespace {

using fb::ResultCode;

// Runs `fn(i)` for i in [0, n) on `threads` threads.
void Parallel(int threads, int n, const std::function<void(int)>& fn) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

using DeciderIT = DeciderEnv;

TEST_F(DeciderIT, TenThousandCommandsFromSixteenSubmittersExactlyOnce) {
  StartDecider("a", SystemClock::Default());
  constexpr int kCases = 500, kCommands = 10'000, kSubmitters = 16;
  std::vector<fb::CommandEnvelopeT> commands;
  for (int i = 0; i < kCases; ++i) {
    commands.push_back(OpenCaseCommand("open-" + std::to_string(i)));
  }
  std::vector<std::string> numbers(kCases);
  std::mutex mu;
  std::map<std::string, fb::CommandResultT> results;
  Parallel(kSubmitters, kCases, [&](int i) {
    fb::CommandResultT r = Decide(commands[i]);
    ASSERT_EQ(r.code, ResultCode::Accepted) << r.rule << " " << r.message;
    std::lock_guard<std::mutex> lock(mu);
    numbers[i] = r.aggregate_id;
    results[r.command_id] = r;
  });
  // The rest: comments, watchers (some duplicates: rejections), staff notes.
  std::mt19937 rng(7);
  for (int i = kCases; i < kCommands; ++i) {
    const std::string& n = numbers[rng() % kCases];
    const std::string id = "cmd-" + std::to_string(i);
    switch (rng() % 3) {
      case 0:
        commands.push_back(CommentCommand(id, n, "comment " + std::to_string(i)));
        break;
      case 1: {
        fb::AddWatcherT w;
        w.email = "w" + std::to_string(rng() % 5) + "@example.com";
        commands.push_back(CaseCommand(id, n, std::move(w), Customer()));
        break;
      }
      default: {
        fb::AddInternalNoteT note;
        note.body = "note " + std::to_string(i);
        commands.push_back(CaseCommand(id, n, std::move(note), Staff()));
      }
    }
  }
  Parallel(kSubmitters, kCommands - kCases, [&](int k) {
    const auto& c = commands[kCases + k];
    fb::CommandResultT r = Decide(c);
    std::lock_guard<std::mutex> lock(mu);
    results[c.command_id] = r;
  });
  ASSERT_EQ(results.size(), static_cast<size_t>(kCommands));

  // The log: every accepted command produced exactly its events, once; no
  // event without an accepted command; versions 1..n per case.
  std::vector<LoggedEvent> log = ReadEvents();
  ExpectExactlyOnce(results, log);
  int accepted = 0, rejected = 0;
  std::set<std::string> cases;
  for (const auto& e : log) cases.insert(e.event.aggregate_id);
  for (const auto& [id, r] : results) {
    if (r.code == ResultCode::Accepted) {
      ++accepted;
    } else {
      ++rejected;
      EXPECT_EQ(r.rule, "watcher.duplicate") << r.message;  // the only expected rejection
    }
  }
  EXPECT_EQ(cases.size(), static_cast<size_t>(kCases));
  EXPECT_GT(accepted, kCommands / 2);
  EXPECT_GT(rejected, 0);
  RecordProperty("accepted", accepted);
  RecordProperty("rejected", rejected);

  // Resubmitting 1,000 of them with the same ids: same results, no events.
  std::vector<int> sample(1000);
  for (int& s : sample) s = static_cast<int>(rng() % kCommands);
  Parallel(kSubmitters, 1000, [&](int k) {
    const auto& c = commands[sample[k]];
    fb::CommandResultT again = Decide(c);
    const fb::CommandResultT& first = results.at(c.command_id);
    EXPECT_EQ(again.code, first.code) << c.command_id;
    EXPECT_EQ(again.aggregate_id, first.aggregate_id);
    EXPECT_EQ(again.version, first.version);
    EXPECT_EQ(again.event_count, first.event_count);
    EXPECT_EQ(again.events_offset, first.events_offset);
    EXPECT_EQ(again.rule, first.rule);
  });
  EXPECT_EQ(ReadEvents().size(), log.size());
}

// A client that sends again before it has its answer: commands sent
// without waiting, each a second time a few commands later, so that copies
// fall into the same batch as their first one and into a later one (the
// dedupe store): every command is applied once, in order, new cases take
// their numbers from the batch before, and both copies get one answer.
TEST_F(DeciderIT, CopiesSentBeforeTheFirstIsAnsweredAreAppliedOnce) {
  StartDecider("a", SystemClock::Default());
  constexpr int kCases = 20, kCommands = 3000, kLag = 7;
  std::vector<std::string> numbers;
  std::map<std::string, fb::CommandResultT> results;
  for (int i = 0; i < kCases; ++i) {
    fb::CommandResultT r = Decide(OpenCaseCommand("open-" + std::to_string(i)));
    ASSERT_EQ(r.code, ResultCode::Accepted) << r.rule;
    numbers.push_back(r.aggregate_id);
    results[r.command_id] = r;
  }
  std::vector<fb::CommandEnvelopeT> commands;
  for (int i = 0; i < kCommands; ++i) {
    // New cases too: their numbers come from the counters of the batch before.
    commands.push_back(i % 10 == 0 ? OpenCaseCommand("new-" + std::to_string(i))
                                   : CommentCommand("c-" + std::to_string(i),
                                                    numbers[static_cast<size_t>(i) % kCases],
                                                    "comment " + std::to_string(i)));
  }
  std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, std::vector<fb::CommandResultT>> answers;
  int outstanding = 0;
  auto send = [&](const fb::CommandEnvelopeT& c) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ++outstanding;
    }
    Status s = bus().SubmitAsync(c, std::chrono::seconds(60), [&, id = c.command_id](
                                                                  Result<consumers::CommandOutcome> out) {
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_TRUE(out.ok() && out->decided) << id;
      if (out.ok() && out->decided) answers[id].push_back(out->result);
      --outstanding;
      cv.notify_all();
    });
    ASSERT_TRUE(s.ok()) << s;
  };
  for (int i = 0; i < kCommands + kLag; ++i) {
    if (i < kCommands) send(commands[static_cast<size_t>(i)]);
    if (i >= kLag) send(commands[static_cast<size_t>(i - kLag)]);
    if (i % 200 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(120), [&] { return outstanding == 0; }));
  }
  for (const auto& [id, both] : answers) {
    ASSERT_EQ(both.size(), 2u) << id;
    EXPECT_EQ(both[0].code, ResultCode::Accepted) << id << " " << both[0].rule;
    EXPECT_EQ(both[1].aggregate_id, both[0].aggregate_id) << id;
    EXPECT_EQ(both[1].version, both[0].version) << id;
    EXPECT_EQ(both[1].events_offset, both[0].events_offset) << id;
    results[id] = both[0];
  }
  ASSERT_EQ(results.size(), static_cast<size_t>(kCases + kCommands));
  // Sent once more, later: the stored answers.
  for (int i = 0; i < kCommands; i += 97) {
    const auto& c = commands[static_cast<size_t>(i)];
    EXPECT_EQ(Decide(c).version, results.at(c.command_id).version) << c.command_id;
  }
  ExpectExactlyOnce(results, ReadEvents());
}

TEST_F(DeciderIT, SameExpectedVersionTwiceAtOnceOneWinsOneConflicts) {
  StartDecider("a", SystemClock::Default());
  fb::CommandResultT opened = Decide(OpenCaseCommand("open"));
  ASSERT_EQ(opened.code, ResultCode::Accepted);
  uint64_t version = opened.version;
  for (int round = 0; round < 100; ++round) {
    std::array<fb::CommandResultT, 2> r;
    std::thread a([&] {
      r[0] = Decide(CommentCommand("r" + std::to_string(round) + "a", opened.aggregate_id,
                                   "a", static_cast<int64_t>(version)));
    });
    std::thread b([&] {
      r[1] = Decide(CommentCommand("r" + std::to_string(round) + "b", opened.aggregate_id,
                                   "b", static_cast<int64_t>(version)));
    });
    a.join();
    b.join();
    int wins = (r[0].code == ResultCode::Accepted) + (r[1].code == ResultCode::Accepted);
    int conflicts = (r[0].code == ResultCode::VersionConflict) +
                    (r[1].code == ResultCode::VersionConflict);
    ASSERT_EQ(wins, 1) << "round " << round;
    ASSERT_EQ(conflicts, 1) << "round " << round;
    version = std::max(r[0].version, r[1].version);
  }
  EXPECT_EQ(version, 101u);
}

TEST_F(DeciderIT, AutoCloseClosesExactlyOnceAcrossARestart) {
  ManualClock& clock = manual_clock_;
  StartDecider("a", clock);
  auto resolve = [&](const std::string& tag) {
    fb::CommandResultT o = Decide(OpenCaseCommand("open-" + tag));
    EXPECT_EQ(o.code, ResultCode::Accepted);
    fb::ResolveCaseT r;
    r.resolution = "Fixed.";
    EXPECT_EQ(Decide(CaseCommand("resolve-" + tag, o.aggregate_id, r, Staff())).code,
              ResultCode::Accepted);
    return o.aggregate_id;
  };
  const std::string before = resolve("before");
  clock.Advance(std::chrono::hours(24 * 3));
  const std::string after = resolve("after");  // due 3 days later than `before`

  auto closes = [&](const std::string& number) {
    int n = 0;
    for (const auto& e : ReadEvents()) {
      if (e.event.aggregate_id == number && e.event.event.type == fb::Event::CaseClosed) {
        EXPECT_EQ(e.event.event.AsCaseClosed()->reason, fb::CloseReason::AutoClose);
        EXPECT_EQ(e.event.actor->role, fb::Role::System);
        ++n;
      }
    }
    return n;
  };
  auto wait_closed = [&](const std::string& number) {
    for (int i = 0; i < 200 && closes(number) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  };
  clock.Advance(std::chrono::hours(24 * 4));  // `before` is due, `after` is not
  wait_closed(before);
  EXPECT_EQ(closes(before), 1);
  EXPECT_EQ(closes(after), 0);

  StopDeciders();
  clock.Advance(std::chrono::hours(24 * 3));  // now `after` is due too
  StartDecider("a", clock);
  wait_closed(after);
  // Give the restarted timer many more rounds to misbehave.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(closes(before), 1);
  EXPECT_EQ(closes(after), 1);
}

TEST_F(DeciderIT, FiftyThousandCaseNumbersAcrossTwoRestartsAreUniqueAndWellFormed) {
  constexpr int kCases = 50'000, kPhases = 3;
  std::vector<std::string> numbers(kCases);
  std::set<int32_t> partitions_used;
  for (int phase = 0; phase < kPhases; ++phase) {
    StartDecider("a", SystemClock::Default());
    const int begin = phase * kCases / kPhases, end = (phase + 1) * kCases / kPhases;
    Parallel(32, end - begin, [&](int k) {
      fb::CommandResultT r = Decide(OpenCaseCommand("open-" + std::to_string(begin + k)));
      ASSERT_EQ(r.code, ResultCode::Accepted) << r.message;
      numbers[begin + k] = r.aggregate_id;
    });
    StopDeciders();  // a restart between phases
    if (phase == 0) {
      // The second restart also loses the state store: the counters must be
      // rebuilt from the log.
      std::filesystem::remove_all(data_dir_);
    }
  }
  const std::regex well_formed("CS[0-9]{11}");
  std::set<std::string> unique;
  for (const auto& n : numbers) {
    ASSERT_TRUE(std::regex_match(n, well_formed)) << n;
    unique.insert(n);
    partitions_used.insert(*aggregates::CasePartition(n, 6));
  }
  EXPECT_EQ(unique.size(), static_cast<size_t>(kCases));
  EXPECT_EQ(partitions_used.size(), 6u);
}

}  // namespace
}  // namespace docket::testing

namespace docket::testing {
namespace {

TEST_F(DeciderIT, DocketctlInspectShowsStateAndHistoryFromTheLog) {
  StartDecider("a", SystemClock::Default());
  fb::CommandResultT o = Decide(OpenCaseCommand("open"));
  ASSERT_EQ(o.code, fb::ResultCode::Accepted);
  ASSERT_EQ(Decide(CommentCommand("c1", o.aggregate_id, "Any news?")).code,
            fb::ResultCode::Accepted);
  fb::ResolveCaseT r;
  r.resolution = "Replaced the modem.";
  ASSERT_EQ(Decide(CaseCommand("res", o.aggregate_id, r, Staff())).code,
            fb::ResultCode::Accepted);

  CommandOutput out = RunCommand({DOCKETCTL_PATH, "inspect", "case", o.aggregate_id,
                                  "--brokers", TestBrokers(), "--prefix", layout_.prefix,
                                  "--json"});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  nlohmann::json j = nlohmann::json::parse(out.out);
  EXPECT_EQ(j["case"]["case_number"], o.aggregate_id);
  EXPECT_EQ(j["case"]["state"], "Resolved");
  EXPECT_EQ(j["case"]["version"], 3);
  ASSERT_EQ(j["history"].size(), 3u);
  EXPECT_EQ(j["history"][0]["type"], "CaseOpened");
  EXPECT_EQ(j["history"][1]["payload"]["body"], "Any news?");
  EXPECT_EQ(j["history"][2]["type"], "CaseResolved");
  EXPECT_EQ(j["history"][2]["actor"]["role"], "Staff");

  out = RunCommand({DOCKETCTL_PATH, "inspect", "case", "CS99999999990", "--brokers",
                    TestBrokers(), "--prefix", layout_.prefix});
  EXPECT_EQ(out.exit_code, 65);
  EXPECT_NE(out.err.find("case CS99999999990 not found"), std::string::npos) << out.err;
  out = RunCommand({DOCKETCTL_PATH, "inspect", "case", "CS123", "--brokers", TestBrokers(),
                    "--prefix", layout_.prefix});
  EXPECT_EQ(out.exit_code, 65);
  EXPECT_NE(out.err.find("not a case number"), std::string::npos) << out.err;
}

}  // namespace
}  // namespace docket::testing

namespace docket::testing {
namespace {

TEST_F(DeciderIT, WithoutADeciderACommandIsPendingAndItsResultCanBeFetchedLater) {
  Result<consumers::CommandOutcome> o =
      bus().Submit(OpenCaseCommand("early"), std::chrono::milliseconds(500));
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_FALSE(o->decided);
  EXPECT_EQ(o->result.command_id, "early");
  EXPECT_FALSE(bus().Lookup("early").has_value());

  StartDecider("a", SystemClock::Default());
  std::optional<fb::CommandResultT> r;
  for (int i = 0; i < 600 && !(r = bus().Lookup("early")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(r.has_value()) << "the pending command was never decided";
  EXPECT_EQ(r->code, fb::ResultCode::Accepted);
  EXPECT_EQ(r->version, 1u);
}

// Before: an unreadable command was logged, skipped and its offset
// committed, while its sender had been told 202 "will be decided".
TEST_F(DeciderIT, CorruptCommandRecordIsParkedAndThePartitionGoesOn) {
  StartDecider("a", SystemClock::Default());
  fb::CommandResultT first = Decide(OpenCaseCommand("open"));
  ASSERT_EQ(first.code, fb::ResultCode::Accepted);
  const int32_t p = *aggregates::CasePartition(first.aggregate_id, layout_.partitions);
  auto producer = kafka::Producer::Create({TestKafka()});
  ASSERT_TRUE(producer.ok());
  auto d = (*producer)
               ->Produce({layout_.CommandsTopic("cases"), p, first.aggregate_id,
                          "definitely not a command"})
               .get();
  ASSERT_TRUE(d.status.ok());
  // The next command on the same partition is decided: nothing is stuck.
  fb::CommandResultT after = Decide(CommentCommand("after", first.aggregate_id, "still here"));
  EXPECT_EQ(after.code, fb::ResultCode::Accepted);
  EXPECT_EQ(after.version, 2u);
  // The unreadable record is parked as it was, saying why and where from.
  std::vector<kafka::Message> parked = ReadToEnd(layout_.ParkedCommandsTopic(), 1);
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].value, "definitely not a command");
  const std::string from = layout_.CommandsTopic("cases") + "/" + std::to_string(p) + "/" +
                           std::to_string(d.offset);
  EXPECT_EQ(parked[0].key, from);
  std::map<std::string, std::string> headers;
  for (const auto& h : parked[0].headers) headers[h.key] = h.value;
  EXPECT_EQ(headers[events::kParkedSourceHeader], from);
  EXPECT_THAT(headers[events::kParkedReasonHeader], ::testing::HasSubstr("command record"));
  // A command sent to the wrong partition is refused with a rule, not lost.
  fb::CommandEnvelopeT wrong = CommentCommand("wrong", first.aggregate_id, "x");
  auto w = (*producer)
               ->Produce({layout_.CommandsTopic("cases"), (p + 1) % layout_.partitions,
                          first.aggregate_id, events::EncodeCommand(wrong)})
               .get();
  ASSERT_TRUE(w.status.ok());
  std::optional<fb::CommandResultT> r;
  for (int i = 0; i < 300 && !(r = bus().Lookup("wrong")); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->code, fb::ResultCode::InvalidArgument);
  EXPECT_EQ(r->rule, "command.wrong_partition");
}


// A gateway upgraded before its deciders sends a schema_version they do not
// know: its sender gets a rejection naming the problem (not a lookup that
// stays pending for ever), the record is parked for a replay after the
// upgrade, and the rejection is no dedupe answer.
TEST_F(DeciderIT, ACommandOfANewerSchemaIsRejectedAndParkedNotLost) {
  StartDecider("a", SystemClock::Default());
  fb::CommandEnvelopeT future = OpenCaseCommand("from-the-future");
  future.schema_version = events::kCommandSchemaVersion + 1;
  Result<consumers::CommandOutcome> out = bus().Submit(future, std::chrono::seconds(60));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_TRUE(out->decided);
  EXPECT_EQ(out->result.code, fb::ResultCode::Internal);
  EXPECT_EQ(out->result.rule, "command.unreadable");
  EXPECT_THAT(out->result.message, ::testing::HasSubstr("schema_version"));
  std::vector<kafka::Message> parked = ReadToEnd(layout_.ParkedCommandsTopic(), 1);
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(events::DecodeCommand(parked[0].value).status().code(), StatusCode::kDataLoss);
  // The operator lists it.
  CommandOutput listed = RunCommand({DOCKETCTL_PATH, "commands", "parked", "--brokers",
                                     TestBrokers(), "--prefix", layout_.prefix});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  nlohmann::json line = nlohmann::json::parse(listed.out.substr(0, listed.out.find('\n')));
  EXPECT_EQ(line["command_id"], "from-the-future");
  EXPECT_THAT(line["reason"].get<std::string>(), ::testing::HasSubstr("schema_version"));
  EXPECT_EQ(line["bytes"], parked[0].value.size());
  EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 1);
  // Sent again once it can be read (the same id): decided, not answered
  // from the dedupe store.
  fb::CommandEnvelopeT again = OpenCaseCommand("from-the-future");
  EXPECT_EQ(Decide(again).code, fb::ResultCode::Accepted);
}


// A decider that loses its store catches up from the log in chunks of
// catch_up_flush_events (before: every state of the partition in one
// in-memory batch, inside the rebalance callback), and still knows every
// command it answered: a rejected one is not decided again even where
// deciding it now would accept it.
TEST_F(DeciderIT, ALostStoreIsRebuiltInBoundedChunksAndKeepsEveryDedupeAnswer) {
  catch_up_flush_events_ = 3;
  StartDecider("a", SystemClock::Default());
  fb::CommandResultT open = Decide(OpenCaseCommand("open"));
  ASSERT_EQ(open.code, ResultCode::Accepted);
  // Expects version 2 while the case is at 1: rejected.
  fb::CommandEnvelopeT early = CommentCommand("early", open.aggregate_id, "too soon", 2);
  ASSERT_EQ(Decide(early).code, ResultCode::VersionConflict);
  ASSERT_EQ(Decide(CommentCommand("c1", open.aggregate_id, "now at 2")).version, 2u);
  for (int i = 0; i < 12; ++i) {  // more events than a chunk, on every partition
    ASSERT_EQ(Decide(OpenCaseCommand("more-" + std::to_string(i))).code, ResultCode::Accepted);
  }
  StopDeciders();
  std::filesystem::remove_all(data_dir_);
  StartDecider("a", SystemClock::Default());
  // Deciding "early" now would accept it (the case is at version 2): the
  // answer must be the first one.
  fb::CommandResultT again = Decide(early);
  EXPECT_EQ(again.code, ResultCode::VersionConflict) << again.message;
  EXPECT_EQ(Decide(OpenCaseCommand("open")).aggregate_id, open.aggregate_id);
  // The rebuilt state is whole: the next comment is version 3.
  EXPECT_EQ(Decide(CommentCommand("c2", open.aggregate_id, "then 3")).version, 3u);
  std::map<std::string, int> per_command;
  for (const auto& e : ReadEvents()) ++per_command[e.event.command_id];
  EXPECT_EQ(per_command.count("early"), 0u);
  EXPECT_EQ(per_command["open"], 1);
  EXPECT_EQ(per_command.size(), 1u + 1 + 12 + 1);
}

}  // namespace
}  // namespace docket::testing
