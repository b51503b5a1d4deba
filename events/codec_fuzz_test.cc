// Mutation fuzzing of the decode functions as a deterministic unit test:
// tens of thousands of mutated and truncated buffers, each must decode or be
// rejected as kDataLoss; nothing may crash (CI runs this under ASan/UBSan).
// events/fuzz/decode_fuzzer.cc is the coverage-guided libFuzzer counterpart.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>

#include "events/codec.h"
#include "events/testdata.h"

namespace docket::events {
namespace {

std::vector<std::string> Seeds() {
  std::vector<std::string> seeds;
  for (const auto& e : testdata::SampleEvents()) seeds.push_back(EncodeEvent(e));
  for (const auto& e : testdata::SamplePortalEvents()) seeds.push_back(EncodeEvent(e));
  for (const auto& c : testdata::SampleCommands()) seeds.push_back(EncodeCommand(c));
  seeds.push_back(EncodeCommandResult(testdata::SampleResult()));
  return seeds;
}

std::string Mutate(const std::vector<std::string>& seeds, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::string b = seeds[pick(seeds.size())];
  static constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe};
  switch (pick(7)) {
    case 0:  // truncate
      b.resize(pick(b.size() + 1));
      break;
    case 1:  // flip bits
      for (size_t i = 0, n = 1 + pick(8); i < n && !b.empty(); ++i) {
        b[pick(b.size())] ^= static_cast<char>(1u << pick(8));
      }
      break;
    case 2:  // interesting bytes
      for (size_t i = 0, n = 1 + pick(4); i < n && !b.empty(); ++i) {
        b[pick(b.size())] = static_cast<char>(kInteresting[pick(6)]);
      }
      break;
    case 3:  // overwrite a 32-bit word (offsets, lengths, vtable entries)
      if (b.size() >= 4) {
        uint32_t v = pick(2) ? static_cast<uint32_t>(rng()) : 0xffffffffu - pick(16);
        std::memcpy(&b[pick(b.size() - 3)], &v, 4);
      }
      break;
    case 4:  // insert or erase bytes
      if (pick(2) && !b.empty()) {
        b.erase(pick(b.size()), 1 + pick(8));
      } else {
        b.insert(pick(b.size() + 1), std::string(1 + pick(8), static_cast<char>(rng())));
      }
      break;
    case 5: {  // splice the head of one buffer onto the tail of another
      const std::string& other = seeds[pick(seeds.size())];
      size_t cut = pick(std::min(b.size(), other.size()) + 1);
      b = b.substr(0, cut) + other.substr(cut);
      break;
    }
    default:  // random bytes behind a valid identifier
      b.resize(8 + pick(256));
      for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<char>(rng());
      std::memcpy(&b[4], pick(2) ? "DKEV" : "DKCM", 4);
      break;
  }
  return b;
}

TEST(CodecFuzzTest, MutatedAndTruncatedBuffersAreDataLossNeverACrash) {
  constexpr int kIterations = 30000;
  const std::vector<std::string> seeds = Seeds();
  std::mt19937_64 rng(20261127);
  int rejected = 0, accepted = 0;
  // How far into the decoder the event decode got before rejecting.
  std::map<std::string, int> stage;
  for (int i = 0; i < kIterations; ++i) {
    const std::string b = Mutate(seeds, rng);
    Result<fb::EventEnvelopeT> e = DecodeEvent(b);
    Result<fb::CommandEnvelopeT> c = DecodeCommand(b);
    Result<fb::CommandResultT> r = DecodeCommandResult(b);
    for (const Status& s : {e.status(), c.status(), r.status()}) {
      if (!s.ok()) {
        ASSERT_EQ(s.code(), StatusCode::kDataLoss) << "iteration " << i << ": " << s;
        ASSERT_FALSE(s.message().empty());
      }
    }
    if (!e.ok()) {
      const std::string m = e.status().message();
      if (m.find("minimum") != std::string::npos ||
          m.find("-byte limit") != std::string::npos) {
        ++stage["size"];
      } else if (m.find("file identifier") != std::string::npos) {
        ++stage["identifier"];
      } else if (m.find("verifier rejected") != std::string::npos) {
        ++stage["verifier"];
      } else {
        ++stage["meaning"];
      }
    }
    if (e.ok()) {
      // Whatever decodes must survive a re-encode unchanged.
      Result<fb::EventEnvelopeT> again = DecodeEvent(EncodeEvent(*e));
      ASSERT_TRUE(again.ok()) << again.status();
      ASSERT_EQ(*again, *e);
    }
    (e.ok() || c.ok() || r.ok()) ? ++accepted : ++rejected;
  }
  // The mutations must mostly produce invalid input, or the test proves
  // nothing about the error paths.
  EXPECT_GT(rejected, kIterations / 2);
  // Every stage of the decoder is reached, not only the cheap early exits.
  EXPECT_GT(stage["size"], 100);
  EXPECT_GT(stage["identifier"], 100);
  EXPECT_GT(stage["verifier"], 1000);
  EXPECT_GT(stage["meaning"], 50);
  for (const auto& [name, n] : stage) RecordProperty("stage_" + name, n);
  RecordProperty("rejected", rejected);
  RecordProperty("accepted", accepted);
}

}  // namespace
}  // namespace docket::events
