#include "tests/kafka_env.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

extern char** environ;

namespace docket::testing {

std::string TestBrokers() {
  const char* b = std::getenv("DOCKET_TEST_BROKERS");
  return b && *b ? b : "127.0.0.1:9092";
}

kafka::KafkaOptions TestKafka(std::chrono::milliseconds timeout) {
  kafka::KafkaOptions o;
  o.brokers = TestBrokers();
  o.client_id = "docket-it";
  o.timeout = timeout;
  return o;
}

std::string UniqueName(const std::string& prefix) {
  static std::mt19937_64 rng(std::random_device{}());
  char buf[20];
  std::snprintf(buf, sizeof buf, "%012llx",
                static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  return prefix + "-" + buf;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

Status CreateTopic(const std::string& name, int partitions) {
  auto admin = kafka::Admin::Create(TestKafka());
  if (!admin.ok()) return admin.status();
  kafka::TopicSpec spec;
  spec.name = name;
  spec.partitions = partitions;
  spec.configs = {{"cleanup.policy", "delete"}, {"retention.ms", "-1"}};
  return (*admin)->CreateTopics({spec});
}

Result<events::TopicLayout> FreshTopics(const std::string& prefix) {
  events::TopicLayout layout;
  layout.prefix = UniqueName(prefix);
  layout.partitions = 6;
  DOCKET_ASSIGN_OR_RETURN(auto admin, kafka::Admin::Create(TestKafka()));
  DOCKET_RETURN_IF_ERROR(admin->EnsureTopics(events::AllTopicSpecs(layout)));
  return layout;
}

std::vector<kafka::Message> ReadToEnd(const std::string& topic, int partitions,
                                      bool read_committed) {
  kafka::Consumer::Options o;
  o.kafka = TestKafka();
  o.read_committed = read_committed;
  auto c = kafka::Consumer::Create(o);
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok()) return {};
  std::vector<kafka::TopicPartitionOffset> assignment;
  std::set<int32_t> open;
  for (int p = 0; p < partitions; ++p) {
    assignment.push_back({topic, p, kafka::kOffsetBeginning});
    open.insert(p);
  }
  EXPECT_TRUE((*c)->Assign(assignment).ok());
  std::vector<kafka::Message> out;
  int idle = 0;
  while (!open.empty() && idle < 100) {
    auto batch = (*c)->Poll(10000, std::chrono::milliseconds(300));
    EXPECT_TRUE(batch.ok()) << batch.status();
    if (!batch.ok()) break;
    idle = batch->messages.empty() && batch->reached_end.empty() ? idle + 1 : 0;
    for (auto& m : batch->messages) out.push_back(std::move(m));
    for (const auto& end : batch->reached_end) open.erase(end.partition);
  }
  EXPECT_TRUE(open.empty()) << topic << ": partitions never reached their end";
  return out;
}

CommandOutput RunCommand(const std::vector<std::string>& argv) {
  CommandOutput r;
  char out_path[] = "/tmp/docket-it-out-XXXXXX";
  char err_path[] = "/tmp/docket-it-err-XXXXXX";
  int out_fd = ::mkstemp(out_path);
  int err_fd = ::mkstemp(err_path);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  auto start = std::chrono::steady_clock::now();
  pid_t pid;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) == 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  r.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_fd);
  ::close(err_fd);
  auto slurp = [](const char* p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  ::unlink(out_path);
  ::unlink(err_path);
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace docket::testing
