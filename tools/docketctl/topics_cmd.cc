#include <iostream>

#include "events/topics.h"
#include "tools/docketctl/commands.h"

namespace docket::ctl {

kafka::KafkaOptions ConnectionFlags::ToKafka(const std::string& client_id) const {
  kafka::KafkaOptions o;
  o.brokers = brokers;
  o.client_id = client_id;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  return o;
}

void AddConnectionFlags(CLI::App* app, ConnectionFlags* f) {
  app->add_option("--brokers", f->brokers, "Kafka bootstrap servers")
      ->capture_default_str()
      ->envname("DOCKET_BROKERS");
  app->add_option("--timeout-ms", f->timeout_ms,
                  "Bound on every wait for the broker, in ms")
      ->capture_default_str()
      ->check(CLI::Range(100, 600000));
}

int Fail(const std::string& cmd, const Status& s) {
  std::cerr << "docketctl " << cmd << ": " << s.ToString() << "\n";
  return ExitCodeOf(s);
}

void RegisterTopics(CLI::App& app, int* exit_code) {
  auto* topics = app.add_subcommand("topics", "Create or check Docket's topics");
  topics->require_subcommand(1);
  struct Flags {
    ConnectionFlags conn;
    events::TopicLayout layout;
  };
  auto flags = std::make_shared<Flags>();
  auto* ensure = topics->add_subcommand(
      "ensure",
      "Create the missing topics; check partitions and configs of existing ones");
  AddConnectionFlags(ensure, &flags->conn);
  ensure->add_option("--partitions", flags->layout.partitions,
                     "Partitions per topic (fixed for life)")
      ->capture_default_str();
  ensure->add_option("--prefix", flags->layout.prefix, "Topic name prefix")
      ->capture_default_str();
  ensure->callback([flags, exit_code] {
    Status s = flags->layout.Validate();
    if (!s.ok()) {
      *exit_code = Fail("topics ensure", s);
      return;
    }
    auto admin = kafka::Admin::Create(flags->conn.ToKafka("docketctl"));
    if (!admin.ok()) {
      *exit_code = Fail("topics ensure", admin.status());
      return;
    }
    auto specs = events::AllTopicSpecs(flags->layout);
    s = (*admin)->EnsureTopics(specs);
    if (!s.ok()) {
      *exit_code = Fail("topics ensure", s);
      return;
    }
    for (const auto& spec : specs) {
      std::cout << spec.name << "\t" << spec.partitions << " partitions\tok\n";
    }
  });
}

}  // namespace docket::ctl
