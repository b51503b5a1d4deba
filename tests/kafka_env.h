// Shared helpers of the integration tests: where the real broker is, unique
// topic names, free ports, and running a command line.
#ifndef DOCKET_TESTS_KAFKA_ENV_H_
#define DOCKET_TESTS_KAFKA_ENV_H_

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "events/kafka.h"
#include "events/topics.h"

namespace docket::testing {

// DOCKET_TEST_BROKERS, set by tools/dev/test.sh (default 127.0.0.1:9092).
std::string TestBrokers();
kafka::KafkaOptions TestKafka(std::chrono::milliseconds timeout =
                                  std::chrono::milliseconds(15000));
// "<prefix>-<random hex>": topics never collide across tests and runs.
std::string UniqueName(const std::string& prefix);
// A loopback TCP port nobody listens on (bound to port 0, then closed).
int FreePort();
Status CreateTopic(const std::string& name, int partitions);
// A fresh topic layout on the test broker: a unique prefix starting with
// `prefix`, 6 partitions, every topic of every context created.
Result<events::TopicLayout> FreshTopics(const std::string& prefix);

// Every record of partitions 0..partitions-1 of `topic`, from the beginning
// to the end (the last stable offset when read_committed), in offset order
// per partition. Fails the test when a partition never reaches its end.
std::vector<kafka::Message> ReadToEnd(const std::string& topic, int partitions,
                                      bool read_committed = true);

struct CommandOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
  std::chrono::milliseconds elapsed{0};
};
// Runs argv (no shell) and captures stdout and stderr.
CommandOutput RunCommand(const std::vector<std::string>& argv);
std::vector<std::string> Lines(const std::string& text);

}  // namespace docket::testing

#endif  // DOCKET_TESTS_KAFKA_ENV_H_
