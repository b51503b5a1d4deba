#include "tests/projection_env.h"

#include <cstdlib>
#include <thread>

#include "projections/read_store.h"

namespace docket::testing {

void ProjectionEnv::SetUp() {
  auto layout = FreshTopics("proj");
  ASSERT_TRUE(layout.ok()) << layout.status();
  layout_ = *layout;
  data_dir_ = std::filesystem::temp_directory_path() / layout_.prefix;
  std::filesystem::create_directories(data_dir_);
}

void ProjectionEnv::TearDown() {
  std::error_code ec;
  if (!HasFailure()) std::filesystem::remove_all(data_dir_, ec);
}

std::string ProjectionEnv::Docketd() const {
  const char* release = std::getenv("DOCKET_TEST_RELEASE_DOCKETD");
  return use_release_binaries_ && release && *release ? release : DOCKETD_PATH;
}

std::string ProjectionEnv::Docketctl() const {
  const char* release = std::getenv("DOCKET_TEST_RELEASE_DOCKETCTL");
  return use_release_binaries_ && release && *release ? release : DOCKETCTL_PATH;
}

void ProjectionEnv::Load(int64_t events, uint64_t seed) {
  CommandOutput out = RunCommand({Docketctl(), "load", "--brokers", TestBrokers(),
                                  "--topic-prefix", layout_.prefix, "--partitions",
                                  std::to_string(layout_.partitions), "--events",
                                  std::to_string(events), "--seed", std::to_string(seed)});
  ASSERT_EQ(out.exit_code, 0) << out.err;
}

std::vector<std::string> ProjectionEnv::ProjectorArgs(int max_batch) const {
  return {Docketd(),        "--roles",         "projector",
          "--brokers",      TestBrokers(),     "--data-dir",
          data_dir_.string(), "--topic-prefix", layout_.prefix,
          "--partitions",   std::to_string(layout_.partitions),
          "--projector-max-batch", std::to_string(max_batch)};
}

CommandOutput ProjectionEnv::Ctl(std::vector<std::string> args) const {
  args.insert(args.begin(), Docketctl());
  args.insert(args.end(), {"--brokers", TestBrokers(), "--topic-prefix", layout_.prefix,
                           "--data-dir", data_dir_.string()});
  return RunCommand(args);
}

consumers::ProjectorOptions ProjectionEnv::Options() const {
  consumers::ProjectorOptions o;
  o.kafka = TestKafka();
  o.layout = layout_;
  o.context = "cases";
  o.data_dir = data_dir_.string();
  return o;
}

std::map<int32_t, int64_t> ProjectionEnv::LiveOffsets() const {
  auto dir = projections::ExistingGeneration(Options().Root());
  if (!dir.ok()) return {};
  projections::ReadStore::Options ro;
  ro.read_only = true;
  auto store = projections::OpenStore(cases_, *dir, ro);
  if (!store.ok()) return {};
  auto offsets = (*store)->Offsets();
  return offsets.ok() ? *offsets : std::map<int32_t, int64_t>{};
}

int64_t ProjectionEnv::Consumed() const {
  int64_t n = 0;
  for (const auto& [p, o] : LiveOffsets()) n += o;
  return n;
}

std::map<int32_t, int64_t> ProjectionEnv::EndOffsets() const {
  std::map<int32_t, int64_t> out;
  kafka::Consumer::Options co;
  co.kafka = TestKafka();
  auto c = kafka::Consumer::Create(co);
  if (!c.ok()) return out;
  for (int32_t p = 0; p < layout_.partitions; ++p) {
    auto wm = (*c)->Watermarks(layout_.EventsTopic("cases"), p);
    if (wm.ok()) out[p] = wm->second;
  }
  return out;
}

bool ProjectionEnv::WaitCaughtUp(std::chrono::seconds timeout) const {
  const auto ends = EndOffsets();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto live = LiveOffsets();
    bool done = !ends.empty();
    for (const auto& [p, end] : ends) {
      if (live[p] < end) done = false;
    }
    if (done) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return false;
}

}  // namespace docket::testing
