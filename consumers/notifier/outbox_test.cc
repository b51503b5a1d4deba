#include "consumers/notifier/outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

namespace docket::notifier {
namespace {

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/docket-outbox-XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto o = Outbox::Open(dir_ + "/o");
    ASSERT_TRUE(o.ok()) << o.status();
    outbox_ = std::move(*o);
  }
  void TearDown() override {
    outbox_.reset();
    std::filesystem::remove_all(dir_);
  }
  MailIntent Mail(const std::string& to) {
    MailIntent m;
    m.recipient = to;
    m.template_name = "case_comment";
    m.vars = {{"body", "hi"}};
    return m;
  }
  std::string dir_;
  std::unique_ptr<Outbox> outbox_;
};

TEST_F(OutboxTest, MailsStateAndOffsetsCommitTogether) {
  Outbox::Batch b(outbox_.get());
  ASSERT_TRUE(b.Queue("e1", Mail("u1"), 100).ok());
  ASSERT_TRUE(b.Queue("e1", Mail("a@x.com"), 100).ok());
  b.Put("case/1", "{}");
  b.SetOffset("t", 2, 42);
  EXPECT_EQ(**b.Get("case/1"), "{}");  // reads its own writes
  EXPECT_FALSE(outbox_->Offset("t", 2)->has_value());  // nothing before Commit
  ASSERT_TRUE(outbox_->Commit(b).ok());
  EXPECT_EQ(**outbox_->Offset("t", 2), 42);
  auto due = outbox_->Due(100, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].intent.vars["body"], "hi");
}

TEST_F(OutboxTest, AMailIsQueuedOnceWhateverHappenedToIt) {
  for (int round = 0; round < 2; ++round) {
    Outbox::Batch b(outbox_.get());
    ASSERT_TRUE(b.Queue("e1", Mail("u1"), 1).ok());
    ASSERT_TRUE(b.Queue("e1", Mail("u1"), 1).ok());
    EXPECT_EQ(b.queued(), round == 0 ? 1u : 0u);
    ASSERT_TRUE(outbox_->Commit(b).ok());
  }
  Pending p = (*outbox_->Due(1, 10))[0];
  ASSERT_TRUE(outbox_->MarkSent(p, 2).ok());
  Outbox::Batch again(outbox_.get());
  ASSERT_TRUE(again.Queue("e1", Mail("u1"), 3).ok());  // a replayed event
  EXPECT_EQ(again.queued(), 0u);
  EXPECT_EQ(*outbox_->PendingCount(), 0u);
}

TEST_F(OutboxTest, RetriesWaitAndRefusedMailsCanBeQueuedAgain) {
  Outbox::Batch b(outbox_.get());
  ASSERT_TRUE(b.Queue("e1", Mail("u1"), 1).ok());
  ASSERT_TRUE(outbox_->Commit(b).ok());
  Pending p = (*outbox_->Due(1, 10))[0];
  p.attempts = 1;
  p.next_us = 50;
  p.last_error = "421 try later";
  ASSERT_TRUE(outbox_->MarkRetry(p).ok());
  EXPECT_TRUE(outbox_->Due(49, 10)->empty());
  ASSERT_EQ(outbox_->Due(50, 10)->size(), 1u);
  p.last_error = "550 no such user";
  ASSERT_TRUE(outbox_->MarkFailed(p).ok());
  EXPECT_TRUE(outbox_->Due(1000, 10)->empty());
  auto failed = outbox_->Failed();
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].last_error, "550 no such user");
  ASSERT_TRUE(outbox_->Retry(p.key, 60).ok());
  EXPECT_TRUE(outbox_->Failed()->empty());
  ASSERT_EQ(outbox_->Due(60, 10)->size(), 1u);
  EXPECT_EQ(outbox_->Retry("nope", 1).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace docket::notifier
