#include "tests/decider_env.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace docket::testing {

fb::ActorT Customer(std::string account) {
  fb::ActorT a;
  a.user_id = "u-" + account;
  a.role = fb::Role::Customer;
  a.account_ids = {std::move(account)};
  return a;
}

fb::ActorT Staff() {
  fb::ActorT a;
  a.user_id = "u-agent";
  a.role = fb::Role::Staff;
  return a;
}

fb::CommandEnvelopeT OpenCaseCommand(const std::string& command_id, const fb::ActorT& actor) {
  fb::OpenCaseT o;
  o.account_id = actor.account_ids.empty() ? "acc-1" : actor.account_ids[0];
  o.case_type = "technical-support";
  o.category = "internet";
  o.subject = "Line drops every evening";
  o.description = "Since Monday the line drops around 19:00.";
  o.service_address = "1 Main St";
  fb::CommandEnvelopeT c = events::MakeCommand("", actor, /*issued_at_us=*/0);
  c.command_id = command_id;
  c.command.Set(std::move(o));
  return c;
}

fb::CommandEnvelopeT CommentCommand(const std::string& command_id, const std::string& number,
                                    const std::string& body, int64_t expected_version,
                                    const fb::ActorT& actor) {
  fb::AddCommentT a;
  a.body = body;
  fb::CommandEnvelopeT c = CaseCommand(command_id, number, std::move(a), actor);
  c.expected_version = expected_version;
  return c;
}

DocketdProcess::DocketdProcess(std::vector<std::string> args, std::string log_path)
    : args_(std::move(args)), log_path_(std::move(log_path)) {}

DocketdProcess::~DocketdProcess() {
  if (pid_ > 0) Kill();
}

void DocketdProcess::Start() {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (auto& a : args_) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ASSERT_EQ(rc, 0) << "cannot start " << args_[0];
  pid_ = pid;
}

void DocketdProcess::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

void DocketdProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int DocketdProcess::Stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  for (int i = 0; i < 300; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  Kill();
  return -1;
}

std::string DocketdProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> DeciderEnv::DocketdArgs(const std::string& instance) const {
  return {DOCKETD_PATH,
          "--brokers", TestBrokers(),
          "--data-dir", data_dir_.string(),
          "--roles", "decider",
          "--instance-id", instance,
          "--partitions", std::to_string(layout_.partitions),
          "--topic-prefix", layout_.prefix,
          "--catalog", DOCKET_CATALOG_PATH,
          "--challenge-questions", DOCKET_CHALLENGE_QUESTIONS_PATH,
          "--session-timeout-ms", "6000",
          "--timeout-ms", "10000"};
}

void DeciderEnv::SetUp() {
  auto layout = FreshTopics("it");
  ASSERT_TRUE(layout.ok()) << layout.status();
  layout_ = *layout;
  data_dir_ = std::filesystem::temp_directory_path() / layout_.prefix;
  auto c = aggregates::Catalog::Load(DOCKET_CATALOG_PATH);
  ASSERT_TRUE(c.ok()) << c.status();
  catalog_ = std::make_unique<aggregates::Catalog>(std::move(*c));
  handler_ = std::make_unique<aggregates::CaseHandler>(catalog_.get(), limits_);
}

void DeciderEnv::TearDown() {
  bus_.reset();
  StopDeciders();
  std::filesystem::remove_all(data_dir_);
}

consumers::DeciderOptions DeciderEnv::DeciderOptionsFor(const std::string& instance) const {
  consumers::DeciderOptions o;
  o.kafka = TestKafka();
  o.layout = layout_;
  o.instance_id = instance;
  o.data_dir = data_dir_.string();
  o.session_timeout_ms = 6000;
  o.timer_interval = std::chrono::milliseconds(50);
  o.catch_up_flush_events = catch_up_flush_events_;
  return o;
}

void DeciderEnv::StartDecider(const std::string& instance, const Clock& clock) {
  Running r;
  r.decider = std::make_unique<consumers::Decider>(DeciderOptionsFor(instance), *handler_, clock);
  r.stop = std::make_unique<std::atomic<bool>>(false);
  consumers::Decider* d = r.decider.get();
  std::atomic<bool>* stop = r.stop.get();
  r.thread = std::thread([d, stop] {
    Status s = d->Run(*stop);
    EXPECT_TRUE(s.ok()) << s;
  });
  deciders_.push_back(std::move(r));
}

void DeciderEnv::StopDeciders() {
  for (auto& r : deciders_) {
    *r.stop = true;
    r.decider->Wake();
  }
  for (auto& r : deciders_) {
    if (r.thread.joinable()) r.thread.join();
  }
  deciders_.clear();
}

consumers::CommandBus& DeciderEnv::bus() {
  std::lock_guard<std::mutex> lock(bus_mu_);
  if (!bus_) {
    consumers::CommandBusOptions o;
    o.kafka = TestKafka();
    o.layout = layout_;
    auto b = consumers::CommandBus::Create(o, *handler_);
    EXPECT_TRUE(b.ok()) << b.status();
    bus_ = std::move(*b);
  }
  return *bus_;
}

fb::CommandResultT DeciderEnv::Decide(const fb::CommandEnvelopeT& c) {
  Result<consumers::CommandOutcome> o = bus().Submit(c, std::chrono::seconds(60));
  EXPECT_TRUE(o.ok()) << o.status();
  if (!o.ok()) return {};
  EXPECT_TRUE(o->decided) << "command " << c.command_id << " not decided within 60 s";
  return o->result;
}

fb::CommandResultT DeciderEnv::DecideWithRetries(const fb::CommandEnvelopeT& c) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    Result<consumers::CommandOutcome> o = bus().Submit(c, std::chrono::seconds(3));
    if (o.ok() && o->decided) return o->result;
    if (!o.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ADD_FAILURE() << "command " << c.command_id << " never decided";
  return {};
}

void DeciderEnv::ExpectExactlyOnce(
    const std::map<std::string, fb::CommandResultT>& acknowledged,
    const std::vector<LoggedEvent>& log) {
  std::map<std::string, int> per_command;
  std::map<std::string, std::vector<uint64_t>> versions;
  std::set<std::string> event_ids;
  for (const auto& e : log) {
    ++per_command[e.event.command_id];
    versions[e.event.aggregate_id].push_back(e.event.version);
    EXPECT_TRUE(event_ids.insert(e.event.event_id).second)
        << "event " << e.event.event_id << " appears twice";
    EXPECT_EQ(*aggregates::CasePartition(e.event.aggregate_id, layout_.partitions),
              e.partition);
  }
  for (const auto& [id, n] : per_command) {
    auto it = acknowledged.find(id);
    // Timer commands (auto-close) are the decider's own.
    if (it == acknowledged.end() && id.rfind("auto-close/", 0) == 0) continue;
    ASSERT_TRUE(it != acknowledged.end()) << "events of an unacknowledged command " << id;
  }
  for (const auto& [id, r] : acknowledged) {
    if (r.code == fb::ResultCode::Accepted) {
      EXPECT_EQ(per_command[id], static_cast<int>(r.event_count)) << id;
      EXPECT_GE(r.events_offset, 0) << id;
    } else {
      EXPECT_EQ(per_command.count(id), 0u) << id << " was rejected but has events";
    }
  }
  for (const auto& [number, vs] : versions) {
    for (size_t i = 0; i < vs.size(); ++i) {
      ASSERT_EQ(vs[i], i + 1) << number << ": versions must run 1..n in log order";
    }
  }
}

std::vector<LoggedEvent> DeciderEnv::ReadEvents() {
  std::vector<LoggedEvent> out;
  for (auto& m : ReadToEnd(layout_.EventsTopic("cases"), layout_.partitions)) {
    auto e = events::DecodeEvent(m.value);
    EXPECT_TRUE(e.ok()) << e.status();
    if (e.ok()) out.push_back({m.partition, m.offset, std::move(*e)});
  }
  return out;
}

}  // namespace docket::testing
