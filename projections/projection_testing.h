// Test-only (header-only): a context's projection on a RocksDB store in a
// fresh temporary directory, removed after the test, and Apply, which runs
// one event in its own batch through the codec, as the runner does (on an
// error nothing is stored). Each context's projection test derives from
// ProjectionTest<ItsProjection>. ExpectReplayChangesNothing is the
// idempotency check every projection must pass.
#ifndef DOCKET_PROJECTIONS_PROJECTION_TESTING_H_
#define DOCKET_PROJECTIONS_PROJECTION_TESTING_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "events/codec.h"
#include "projections/projection.h"
#include "projections/read_store.h"

namespace docket::projections::testing {

template <typename P>
class ProjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/docket-" + std::string(projection_.context()) + "-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto s = OpenStore(projection_, dir_);
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = std::move(*s);
    applier_ = projection_.NewApplier();
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  Result<ApplyOutcome> Apply(const fb::EventEnvelopeT& e) {
    DOCKET_ASSIGN_OR_RETURN(fb::EventEnvelopeT d, events::DecodeEvent(events::EncodeEvent(e)));
    Txn txn(store_.get());
    DOCKET_ASSIGN_OR_RETURN(ApplyOutcome out, applier_->Apply(d, txn));
    DOCKET_RETURN_IF_ERROR(store_->Commit(txn));
    return out;
  }
  // Applies `log` (each event kApplied), then all of it again: each event
  // is kAlreadyApplied and the store's digest does not change.
  void ExpectReplayChangesNothing(const std::vector<fb::EventEnvelopeT>& log) {
    for (const auto& e : log) {
      Result<ApplyOutcome> r = Apply(e);
      ASSERT_TRUE(r.ok()) << r.status();
      ASSERT_EQ(*r, ApplyOutcome::kApplied);
    }
    Result<std::string> before = store_->Digest();
    ASSERT_TRUE(before.ok()) << before.status();
    for (const auto& e : log) {
      Result<ApplyOutcome> r = Apply(e);
      ASSERT_TRUE(r.ok()) << r.status();
      EXPECT_EQ(*r, ApplyOutcome::kAlreadyApplied);
    }
    EXPECT_EQ(*store_->Digest(), *before);
  }

  P projection_;
  std::string dir_;
  std::unique_ptr<ReadStore> store_;
  std::unique_ptr<EventApplier> applier_;
};

}  // namespace docket::projections::testing

#endif  // DOCKET_PROJECTIONS_PROJECTION_TESTING_H_
