// ProjectionApplier without a broker: records in, read models and dead
// letters out.
#include "consumers/projection_applier.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "aggregates/cases/synthetic.h"
#include "events/envelope.h"
#include "projections/cases/case_projection.h"
#include "projections/cases/case_queries.h"
#include "projections/cases/keys.h"
#include "projections/identity/identity_projection.h"
#include "projections/identity/identity_queries.h"

namespace docket::consumers {
namespace {

using projections::Cf;

class ProjectionApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docket-applier-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = projections::OpenStore(cases_, dir_);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    applier_ = std::make_unique<ProjectionApplier>(cases_, store_.get());
    ASSERT_TRUE(applier_->Load().ok());
  }
  void TearDown() override {
    applier_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  // The synthetic log as partition-0 records (one partition keeps the test
  // about ordering, not routing).
  std::vector<kafka::Message> Records(int n, uint64_t seed = 3, int32_t partitions = 1) {
    aggregates::SyntheticOptions o;
    o.partitions = partitions;
    o.active_cases = 20;
    o.seed = seed;
    aggregates::SyntheticCases gen(o);
    std::vector<kafka::Message> out;
    for (int i = 0; i < n; ++i) {
      fb::EventEnvelopeT e = gen.Next();
      kafka::Message m;
      m.topic = "t";
      m.partition = gen.PartitionOf(e);
      m.offset = i;  // unique per partition too (and increasing)
      m.key = e.aggregate_id;
      m.value = events::EncodeEvent(e);
      out.push_back(std::move(m));
      events_.push_back(std::move(e));
    }
    return out;
  }
  uint64_t Version(const std::string& number) {
    auto c = projections::CaseQueries(store_.get()).GetCase({true, {}}, number);
    return c.ok() ? (*c)["version"].get<uint64_t>() : 0;
  }
  projections::CaseProjection cases_;
  std::string dir_;
  std::unique_ptr<projections::ReadStore> store_;
  std::unique_ptr<ProjectionApplier> applier_;
  std::vector<fb::EventEnvelopeT> events_;
};

TEST_F(ProjectionApplierTest, PoisonParksItsCaseAndEveryLaterRecordOfIt) {
  auto records = Records(2000);
  const std::string victim = records[1000].key;
  records[1000].value = "garbage";
  auto stored = applier_->Apply(records, {});
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ((*stored)[0], 2000);
  EXPECT_EQ(*store_->Offsets(), (std::map<int32_t, int64_t>{{0, 2000}}));
  std::map<std::string, uint64_t> expected;
  int parked = 0;
  bool after = false;
  for (size_t i = 0; i < records.size(); ++i) {
    if (i == 1000) after = true;
    if (records[i].key == victim && after) {
      ++parked;
    } else {
      expected[records[i].key] = events_[i].version;
    }
  }
  for (const auto& [n, v] : expected) EXPECT_EQ(Version(n), v) << n;
  EXPECT_EQ(applier_->counters().parked, static_cast<uint64_t>(parked));
  EXPECT_EQ(applier_->parked_aggregates(), 1u);
  auto dead = store_->Get(Cf::kDead, projections::keys::DeadKey(victim));
  ASSERT_TRUE(dead.ok() && dead->has_value());
  auto j = nlohmann::json::parse(**dead);
  EXPECT_EQ(j["offset"], 1000);
  EXPECT_EQ(j["partition"], 0);
  EXPECT_EQ(j["parked"], parked);
  EXPECT_NE(j["reason"].get<std::string>().find("decode"), std::string::npos);

  // A new applier on the same store knows the case is parked.
  ProjectionApplier again(cases_, store_.get());
  ASSERT_TRUE(again.Load().ok());
  EXPECT_EQ(again.parked_aggregates(), 1u);
  // Retrying a record that is still corrupt keeps everything parked.
  auto r = again.Retry(victim);
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->find("still parked"), std::string::npos);
  EXPECT_EQ(again.Retry("CS00000000000").status().code(), StatusCode::kNotFound);
}

TEST_F(ProjectionApplierTest, RetryAppliesTheQueueOnceTheCauseIsFixed) {
  auto records = Records(300);
  // Apply the first 100, then break the summary of a case with later events.
  ASSERT_TRUE(applier_->Apply({records.begin(), records.begin() + 100}, {}).ok());
  std::string victim;
  for (size_t i = 100; i < records.size() && victim.empty(); ++i) {
    if (events_[i].version > 1) victim = records[i].key;
  }
  ASSERT_FALSE(victim.empty());
  auto good = store_->Get(Cf::kCases, victim);
  ASSERT_TRUE(good.ok() && good->has_value());
  {
    projections::Txn t(store_.get());
    t.Put(Cf::kCases, victim, "{not json");
    ASSERT_TRUE(store_->Commit(t).ok());
  }
  ASSERT_TRUE(applier_->Apply({records.begin() + 100, records.end()}, {}).ok());
  EXPECT_EQ(applier_->parked_aggregates(), 1u);
  uint64_t last_version = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    if (records[i].key == victim) last_version = events_[i].version;
  }
  // The operator repairs the row; retry applies the parked records in order.
  {
    projections::Txn t(store_.get());
    t.Put(Cf::kCases, victim, **good);
    ASSERT_TRUE(store_->Commit(t).ok());
  }
  auto r = applier_->Retry(victim);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_NE(r->find("no longer parked"), std::string::npos) << *r;
  EXPECT_EQ(applier_->parked_aggregates(), 0u);
  EXPECT_EQ(Version(victim), last_version);
  int left = 0;
  ASSERT_TRUE(store_->Scan(Cf::kDead, "", [&](auto, auto) { return ++left, true; }).ok());
  EXPECT_EQ(left, 0);
}

TEST_F(ProjectionApplierTest, ReplaysAreSkippedAndPositionsNeverGoBack) {
  auto records = Records(500);
  ASSERT_TRUE(applier_->Apply(records, {}).ok());
  auto digest = store_->Digest();
  // The same records again (below the stored position): nothing happens.
  ASSERT_TRUE(applier_->Apply(records, {}).ok());
  EXPECT_EQ(applier_->counters().skipped, 0u);
  // The same events at new offsets (a duplicate on the log): skipped by
  // version.
  auto copies = records;
  for (auto& m : copies) m.offset += 500;
  ASSERT_TRUE(applier_->Apply(copies, {}).ok());
  EXPECT_EQ(applier_->counters().skipped, 500u);
  EXPECT_EQ(*store_->Digest(), *digest);
  // A transaction marker after the last record moves the position; an older
  // position does not move it back.
  ASSERT_TRUE(applier_->Apply({}, {{0, 1001}}).ok());
  ASSERT_TRUE(applier_->Apply({}, {{0, 10}}).ok());
  EXPECT_EQ(store_->Offsets()->at(0), 1001);
}

TEST_F(ProjectionApplierTest, ParallelLanesBuildTheSameModelAsOne) {
  auto records = Records(3000, 11, /*partitions=*/6);
  std::string digests[2];
  for (int lanes : {1, 3}) {
    char tmpl[] = "/tmp/docket-lanes-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    {
      auto store = projections::OpenStore(cases_, tmpl);
      ASSERT_TRUE(store.ok());
      ProjectionApplier applier(cases_, store->get(), lanes);
      ASSERT_TRUE(applier.Load().ok());
      for (size_t i = 0; i < records.size(); i += 700) {
        std::vector<kafka::Message> batch(records.begin() + static_cast<long>(i),
                                          records.begin() + static_cast<long>(std::min(records.size(), i + 700)));
        ASSERT_TRUE(applier.Apply(batch, {}).ok());
      }
      EXPECT_EQ(applier.counters().applied, 3000u);
      digests[lanes == 1 ? 0 : 1] = *(*store)->Digest();
      EXPECT_EQ((*store)->Offsets()->size(), 6u);
    }
    std::filesystem::remove_all(tmpl);
  }
  EXPECT_EQ(digests[0], digests[1]);
}

// How events fall into batches (one big batch in a rebuild, many small ones
// live) must not change the model: counters that went up and down again.
TEST_F(ProjectionApplierTest, BatchBoundariesDoNotChangeTheModel) {
  auto records = Records(1500, 5, 3);
  ASSERT_TRUE(applier_->Apply(records, {}).ok());
  const std::string one_batch = *store_->Digest();
  char tmpl[] = "/tmp/docket-batches-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  {
    auto other = projections::OpenStore(cases_, tmpl);
    ASSERT_TRUE(other.ok());
    ProjectionApplier small(cases_, other->get());
    ASSERT_TRUE(small.Load().ok());
    for (const auto& m : records) ASSERT_TRUE(small.Apply({m}, {}).ok());
    EXPECT_EQ(*(*other)->Digest(), one_batch);
  }
  std::filesystem::remove_all(tmpl);
}

// The bulk load of a rebuild (Mode::kBulk: fold in memory, ingest table
// files) builds the same model as the live path's batches, poison records
// and duplicates included, whatever the fold sizes, with each fold after the
// first ingested in the background while the next one reads through it; and
// a bulk-built prefix tailed by the live path equals the live path from the
// start.
TEST_F(ProjectionApplierTest, BulkLoadBuildsTheSameModelAsBatches) {
  auto records = Records(4000, 13, /*partitions=*/6);
  records[1700].value = "garbage";  // parks its case, and its later records
  auto copies = std::vector<kafka::Message>(records.begin() + 100, records.begin() + 300);
  for (auto& m : copies) m.offset += 10000;  // duplicates on the log: skipped by version
  records.insert(records.end(), copies.begin(), copies.end());
  auto batches = [&](ProjectionApplier& applier, size_t from, size_t to, size_t size,
                     bool flush) {
    for (size_t i = from; i < to; i += size) {
      std::vector<kafka::Message> batch(records.begin() + static_cast<long>(i),
                                        records.begin() + static_cast<long>(std::min(to, i + size)));
      auto r = applier.Apply(batch, {});
      ASSERT_TRUE(r.ok()) << r.status();
      if (flush) {
        ASSERT_TRUE(applier.FlushInBackground().ok());
      }
    }
  };
  batches(*applier_, 0, records.size(), 500, false);
  const std::string live = *store_->Digest();
  const auto live_offsets = *store_->Offsets();
  EXPECT_GT(applier_->counters().parked, 0u);
  EXPECT_EQ(applier_->counters().skipped, copies.size());

  for (size_t fold : {size_t{300}, size_t{1500}, records.size()}) {
    char tmpl[] = "/tmp/docket-bulk-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    {
      auto store = projections::OpenStore(cases_, tmpl);
      ASSERT_TRUE(store.ok());
      ProjectionApplier bulk(cases_, store->get(), 2, ProjectionApplier::Mode::kBulk);
      ASSERT_TRUE(bulk.Load().ok());
      // Folded, nothing stored until Flush.
      batches(bulk, 0, std::min(fold, records.size()), 250, false);
      EXPECT_GT(bulk.PendingBytes(), 0u);
      EXPECT_TRUE((*store)->Offsets()->empty());
      ASSERT_TRUE(bulk.Flush().ok());
      EXPECT_EQ(bulk.PendingBytes(), 0u);
      batches(bulk, std::min(fold, records.size()), records.size(), fold, true);
      ASSERT_TRUE(bulk.Flush().ok());  // waits for the last background ingestion
      EXPECT_EQ(*(*store)->Digest(), live) << "fold of " << fold << " records";
      EXPECT_EQ(*(*store)->Offsets(), live_offsets);
      EXPECT_EQ(bulk.counters().applied, applier_->counters().applied);
      EXPECT_EQ(bulk.Retry("CS1").status().code(), StatusCode::kFailedPrecondition);
    }
    std::filesystem::remove_all(tmpl);
  }

  // Bulk up to the middle, then the live path tails.
  char tmpl[] = "/tmp/docket-bulk-tail-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  {
    auto store = projections::OpenStore(cases_, tmpl);
    ASSERT_TRUE(store.ok());
    {
      ProjectionApplier bulk(cases_, store->get(), 2, ProjectionApplier::Mode::kBulk);
      ASSERT_TRUE(bulk.Load().ok());
      batches(bulk, 0, 2500, 1000, false);
      ASSERT_TRUE(bulk.Flush().ok());
    }
    ProjectionApplier tail(cases_, store->get());
    ASSERT_TRUE(tail.Load().ok());
    EXPECT_EQ(tail.parked_aggregates(), 1u);
    batches(tail, 2500, records.size(), 333, false);
    EXPECT_EQ(*(*store)->Digest(), live);
  }
  std::filesystem::remove_all(tmpl);
}

TEST_F(ProjectionApplierTest, RecordWithoutKeyBlocksNothing) {
  auto records = Records(50);
  kafka::Message stray;
  stray.partition = 0;
  stray.offset = 50;
  stray.value = "junk";
  records.push_back(stray);
  kafka::Message bad_key = stray;  // a key that is not UTF-8 is no key
  bad_key.offset = 51;
  bad_key.key = "\xff\xfe";
  records.push_back(bad_key);
  ASSERT_TRUE(applier_->Apply(records, {}).ok());
  EXPECT_EQ(applier_->parked_aggregates(), 2u);
  auto dead = store_->Get(Cf::kDead, projections::keys::DeadKey("~unkeyed/0/50"));
  ASSERT_TRUE(dead.ok() && dead->has_value());
  EXPECT_EQ(DeadLetterKey(cases_, stray), "~unkeyed/0/50");
  EXPECT_EQ(DeadLetterKey(cases_, bad_key), "~unkeyed/0/51");
  EXPECT_TRUE(nlohmann::json::parse(**dead).is_object());
}

// The same runner machinery for another context: the identity projection.
// An address for an account never created (PortalView skipped it) parks
// that account, and every later record of it; other accounts go on.
TEST(IdentityApplierTest, AddressForUnknownAccountIsParkedOthersApplied) {
  projections::IdentityProjection identity;
  char tmpl[] = "/tmp/docket-identity-applier-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  {
    auto store = projections::OpenStore(identity, tmpl);
    ASSERT_TRUE(store.ok()) << store.status();
    ProjectionApplier applier(identity, store->get());
    ASSERT_TRUE(applier.Load().ok());
    fb::ActorT actor;
    actor.user_id = "admin";
    actor.role = fb::Role::Staff;
    std::vector<kafka::Message> records;
    auto add = [&](const fb::EventEnvelopeT& e) {
      kafka::Message m;
      m.topic = "t";
      m.partition = 0;
      m.offset = static_cast<int64_t>(records.size());
      m.key = e.aggregate_id;
      m.value = events::EncodeEvent(e);
      records.push_back(std::move(m));
    };
    fb::AccountCreatedT a;
    a.account_id = a.account_number = "ACC-1";
    a.name = "One";
    add(events::MakeEvent("ACC-1", 1, actor, "c1", 0, 1, a));
    fb::ServiceAddressAddedT lost;
    lost.address = "9 Nowhere";
    add(events::MakeEvent("ACC-9", 2, actor, "c2", 0, 2, lost));
    add(events::MakeEvent("ACC-9", 3, actor, "c3", 0, 3, lost));
    fb::ServiceAddressAddedT found;
    found.address = "2 High St";
    add(events::MakeEvent("ACC-1", 2, actor, "c4", 0, 4, found));
    auto at = applier.Apply(records, {});
    ASSERT_TRUE(at.ok()) << at.status();
    EXPECT_EQ(at->at(0), 4);
    EXPECT_EQ(applier.counters().applied, 2u);
    EXPECT_EQ(applier.counters().parked, 2u);
    EXPECT_EQ(applier.parked_aggregates(), 1u);
    auto dead = (*store)->Get(projections::CommonCf::kDead, projections::keys::DeadKey("ACC-9"));
    ASSERT_TRUE(dead.ok() && dead->has_value());
    auto account = projections::IdentityQueries(store->get()).Account("ACC-1");
    ASSERT_TRUE(account.ok() && account->has_value());
    EXPECT_EQ((*account)->service_addresses, std::vector<std::string>{"2 High St"});
    // The account's events again at later offsets (a producer retry):
    // skipped by version, nothing changes.
    const std::string digest = *(*store)->Digest();
    ProjectionApplier again(identity, store->get());
    ASSERT_TRUE(again.Load().ok());
    std::vector<kafka::Message> replay = {records[0], records[3]};
    replay[0].offset = 4;
    replay[1].offset = 5;
    ASSERT_TRUE(again.Apply(replay, {}).ok());
    EXPECT_EQ(again.counters().skipped, 2u);
    EXPECT_EQ(again.counters().applied, 0u);
    EXPECT_EQ(again.parked_aggregates(), 1u);
    EXPECT_EQ(*(*store)->Digest(), digest);
  }
  std::filesystem::remove_all(tmpl);
}

}  // namespace
}  // namespace docket::consumers

namespace docket::consumers {
namespace {

// A store records the model format it was built with; a build of another
// format refuses it, naming both and the way out.
TEST(ModelFormatTest, AStoreOfAnotherFormatIsRefusedByName) {
  projections::CaseProjection cases;
  projections::IdentityProjection identity;
  char tmpl[] = "/tmp/docket-format-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  {
    auto store = projections::OpenStore(cases, dir);
    ASSERT_TRUE(store.ok()) << store.status();
    auto recorded = (*store)->Get(projections::CommonCf::kMeta, projections::kModelFormatKey);
    ASSERT_TRUE(recorded.ok() && recorded->has_value());
    EXPECT_EQ(**recorded, cases.model_format());
    projections::Txn t(store->get());
    projections::ReadStore::PutOffset(t, 0, 10);
    ASSERT_TRUE((*store)->Commit(t).ok());
  }
  EXPECT_TRUE(projections::OpenStore(cases, dir).ok());  // the same format again
  {
    auto store = projections::OpenStore(cases, dir);
    ASSERT_TRUE(store.ok());
    projections::Txn t(store->get());
    t.Put(projections::CommonCf::kMeta, projections::kModelFormatKey, "case-rows/1");
    ASSERT_TRUE((*store)->Commit(t).ok());
  }
  for (bool read_only : {false, true}) {
    auto refused = projections::OpenStore(cases, dir, {.read_only = read_only});
    ASSERT_EQ(refused.status().code(), StatusCode::kFailedPrecondition) << read_only;
    const std::string m(refused.status().message());
    EXPECT_NE(m.find("'case-rows/1'"), std::string::npos) << m;
    EXPECT_NE(m.find(std::string(cases.model_format())), std::string::npos) << m;
    EXPECT_NE(m.find("docketctl rebuild cases"), std::string::npos) << m;
  }
  std::filesystem::remove_all(dir);

  // A store from before formats were recorded (offsets, no format) is "1":
  // the identity context's format, not the cases' binary rows.
  for (const projections::Projection* p :
       {static_cast<const projections::Projection*>(&identity),
        static_cast<const projections::Projection*>(&cases)}) {
    char legacy_tmpl[] = "/tmp/docket-format-XXXXXX";
    ASSERT_NE(mkdtemp(legacy_tmpl), nullptr);
    const std::string legacy = legacy_tmpl;
    {
      auto raw = projections::ReadStore::Open(legacy, p->Families());
      ASSERT_TRUE(raw.ok()) << raw.status();
      projections::Txn t(raw->get());
      projections::ReadStore::PutOffset(t, 0, 5);
      ASSERT_TRUE((*raw)->Commit(t).ok());
    }
    {
      auto opened = projections::OpenStore(*p, legacy);
      if (p == &identity) {
        EXPECT_TRUE(opened.ok()) << opened.status();
      } else {
        EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
      }
    }
    std::filesystem::remove_all(legacy);
  }
}

}  // namespace
}  // namespace docket::consumers
