#include "consumers/cases/case_mails.h"

#include <gtest/gtest.h>

#include <set>

#include "consumers/notifier/rule_state_testing.h"
#include "events/envelope.h"

namespace docket::notifier {
namespace {

using testing::MapState;

class CaseMailsTest : public ::testing::Test {
 protected:
  template <typename T>
  std::vector<MailIntent> On(const std::string& actor_id, T payload) {
    fb::ActorT actor;
    actor.user_id = actor_id;
    actor.display_name = "Name of " + actor_id;
    ++version_;
    auto e = events::MakeEvent(kCase, version_, actor, "c" + std::to_string(version_), 0,
                               1'795'000'000'000'000, std::move(payload));
    Result<std::vector<MailIntent>> r = CaseMails().Mails(e, state_);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<MailIntent>{};
  }
  static std::set<std::string> To(const std::vector<MailIntent>& mails) {
    std::set<std::string> out;
    for (const auto& m : mails) out.insert(m.recipient);
    return out;
  }
  void Open() {
    fb::CaseOpenedT o;
    o.case_number = kCase;
    o.account_id = "ACC-1";
    o.case_type = "t";
    o.category = "c";
    o.subject = "No internet";
    o.description = "d";
    EXPECT_TRUE(On("u-opener", o).empty());
  }
  void Watch(const std::string& email) {
    fb::WatcherAddedT w;
    w.email = email;
    auto mails = On("u-opener", w);
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].recipient, email);
    EXPECT_EQ(mails[0].template_name, "watcher_added");
  }
  static constexpr const char* kCase = "CS00000000007";
  MapState state_;
  uint64_t version_ = 0;
};

TEST_F(CaseMailsTest, ACommentGoesToTheOpenerAndEveryWatcherButNeverTheActor) {
  Open();
  Watch("w1@example.com");
  Watch("w2@example.com");
  fb::CommentAddedT c;
  c.comment_id = "k1";
  c.body = "Any news?";
  auto mails = On("u-staff", c);
  EXPECT_EQ(To(mails), (std::set<std::string>{"u-opener", "w1@example.com", "w2@example.com"}));
  for (const auto& m : mails) {
    EXPECT_EQ(m.template_name, "case_comment");
    EXPECT_EQ(m.skip_user_id, "u-staff");  // the actor is skipped when sent
    EXPECT_EQ(m.vars["case_number"], kCase);
    EXPECT_EQ(m.vars["case_subject"], "No internet");
    EXPECT_EQ(m.vars["body"], "Any news?");
    EXPECT_EQ(m.vars["case_path"], std::string("/cases/") + kCase);
  }
}

TEST_F(CaseMailsTest, AnInternalNoteIsNeverMailed) {
  Open();
  Watch("w1@example.com");
  fb::InternalNoteAddedT n;
  n.note_id = "n1";
  n.body = "customer is difficult";
  EXPECT_TRUE(On("u-staff", n).empty());
}

TEST_F(CaseMailsTest, StateChangesResolutionAndCancellationAreTold) {
  Open();
  EXPECT_EQ(On("u-staff", fb::CaseAcceptedT{})[0].vars["state"], "Open");
  fb::CaseResolvedT r;
  r.resolution = "Replaced the router";
  auto resolved = On("u-staff", r);
  EXPECT_EQ(resolved[0].template_name, "case_resolved");
  EXPECT_EQ(resolved[0].vars["resolution"], "Replaced the router");
  fb::CaseCancelledT c;
  c.reason = "fixed itself";
  EXPECT_EQ(On("u-opener", c)[0].template_name, "case_cancelled");
  fb::AttachmentAddedT a;
  a.attachment_id = "a1";
  a.sha256 = std::string(64, '0');
  a.file_name = "photo.jpg";
  EXPECT_EQ(On("u-opener", a)[0].vars["file_name"], "photo.jpg");
}

TEST_F(CaseMailsTest, ARemovedWatcherIsToldAndHearsNothingMore) {
  Open();
  Watch("w1@example.com");
  fb::WatcherRemovedT w;
  w.email = "W1@example.com";
  auto bye = On("u-opener", w);
  ASSERT_EQ(bye.size(), 1u);
  EXPECT_EQ(bye[0].template_name, "watcher_removed");
  fb::CommentAddedT c;
  c.comment_id = "k1";
  c.body = "x";
  EXPECT_EQ(To(On("u-staff", c)), std::set<std::string>{"u-opener"});
}

TEST_F(CaseMailsTest, ACaseOpenedBeforeTheNotifierStartedIsSilent) {
  fb::CommentAddedT c;
  c.comment_id = "k1";
  c.body = "x";
  EXPECT_TRUE(On("u-staff", c).empty());
}

}  // namespace
}  // namespace docket::notifier
