// The analytics contract: a consumer with only kcat and flatc and the
// project's .fbs files reads a record from the topic and decodes it into the
// same field values that were written.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "events/codec.h"
#include "events/testdata.h"
#include "tests/kafka_env.h"

namespace docket {
namespace {

namespace fs = std::filesystem;

TEST(AnalyticsContractIT, KcatAndFlatcDecodeWhatWasWritten) {
  const std::string topic = testing::UniqueName("it-contract");
  ASSERT_TRUE(testing::CreateTopic(topic, 1).ok());
  const fb::EventEnvelopeT e = events::testdata::SampleEvents("CS00000050455")[0];
  {
    auto p = kafka::Producer::Create({testing::TestKafka()});
    ASSERT_TRUE(p.ok());
    auto d = (*p)->Produce({topic, 0, e.aggregate_id, events::EncodeEvent(e)}).get();
    ASSERT_TRUE(d.status.ok()) << d.status;
  }

  fs::path dir = fs::temp_directory_path() / testing::UniqueName("contract");
  fs::create_directories(dir);
  testing::CommandOutput k = testing::RunCommand(
      {"kcat", "-C", "-b", testing::TestBrokers(), "-t", topic, "-p", "0", "-o",
       "beginning", "-c", "1", "-e", "-q", "-f", "%s"});
  ASSERT_EQ(k.exit_code, 0) << k.err;
  ASSERT_FALSE(k.out.empty());
  {
    std::ofstream((dir / "record.bin").string(), std::ios::binary) << k.out;
  }
  testing::CommandOutput f = testing::RunCommand(
      {"flatc", "--json", "--strict-json", "-o", dir.string(), "-I", DOCKET_SCHEMA_DIR,
       std::string(DOCKET_SCHEMA_DIR) + "/envelope.fbs", "--",
       (dir / "record.bin").string()});
  ASSERT_EQ(f.exit_code, 0) << f.err << f.out;
  std::ifstream in((dir / "record.json").string());
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(ss.str());
  fs::remove_all(dir);

  EXPECT_EQ(j["event_id"], e.event_id);
  EXPECT_EQ(j["aggregate_id"], e.aggregate_id);
  EXPECT_EQ(j["version"], e.version);
  EXPECT_EQ(j["occurred_at_us"], e.occurred_at_us);
  EXPECT_EQ(j["occurred_at_ms"], e.occurred_at_ms);
  EXPECT_EQ(j["command_id"], e.command_id);
  EXPECT_EQ(j["correlation_id"], e.correlation_id);
  EXPECT_EQ(j["schema_version"], e.schema_version);
  EXPECT_EQ(j["actor"]["user_id"], e.actor->user_id);
  EXPECT_EQ(j["actor"]["role"], "Staff");
  EXPECT_EQ(j["actor"]["account_ids"], e.actor->account_ids);
  EXPECT_EQ(j["actor"]["display_name"], e.actor->display_name);
  EXPECT_EQ(j["event_type"], "CaseOpened");
  const auto* p = e.event.AsCaseOpened();
  const auto& ev = j["event"];
  EXPECT_EQ(ev["case_number"], p->case_number);
  EXPECT_EQ(ev["account_id"], p->account_id);
  EXPECT_EQ(ev["case_type"], p->case_type);
  EXPECT_EQ(ev["category"], p->category);
  EXPECT_EQ(ev["subject"], p->subject);
  EXPECT_EQ(ev["description"], p->description);  // non-ASCII text
  EXPECT_EQ(ev["service_address"], p->service_address);
  EXPECT_EQ(ev["fields"][0]["key"], p->fields[0]->key);
  EXPECT_EQ(ev["fields"][0]["value"], p->fields[0]->value);
  EXPECT_EQ(ev["catalog_version"], p->catalog_version);
}

}  // namespace
}  // namespace docket
