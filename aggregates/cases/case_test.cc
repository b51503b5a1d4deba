// Given events / when command / then events (or rejection) for every row of
// docs/case-lifecycle.md. RulesInDocsMatchRulesTestedHere keeps the table and
// these tests one to one.
#include "aggregates/cases/case.h"
#include "aggregates/cases/case_handler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "events/envelope.h"

namespace docket::aggregates {
namespace {

using fb::CaseState;
using fb::Command;
using fb::Event;
using fb::ResultCode;
using fb::Role;

constexpr int64_t kT0 = 1'795'000'000'000'000;  // µs
constexpr int64_t kDay = 86'400'000'000;

fb::ActorT Actor(Role role, std::vector<std::string> accounts = {}) {
  fb::ActorT a;
  a.user_id = role == Role::Customer ? "u-customer" : "u-staff";
  a.role = role;
  a.account_ids = std::move(accounts);
  return a;
}
const fb::ActorT kCustomer = Actor(Role::Customer, {"acc-1"});
const fb::ActorT kOtherCustomer = Actor(Role::Customer, {"acc-2"});
const fb::ActorT kStaff = Actor(Role::Staff);
const fb::ActorT kSystem = Actor(Role::System);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class CaseTest : public ::testing::Test {
 public:
  void SetUp() override {
    auto c = Catalog::Load(DOCKET_CATALOG_PATH);
    ASSERT_TRUE(c.ok()) << c.status();
    catalog_ = std::move(*c);
    ctx_.catalog = &catalog_;
    ctx_.limits = &limits_;
    ctx_.now_us = kT0;
    ctx_.new_case_number = "CS00000000006";
  }

  template <typename T>
  fb::CommandEnvelopeT Cmd(const fb::ActorT& actor, T payload, int64_t expected = -1) {
    fb::CommandEnvelopeT c = events::MakeCommand(state_.case_number, actor, kT0);
    c.command_id = "cmd-" + std::to_string(++commands_);
    c.expected_version = expected;
    c.command.Set(std::move(payload));
    return c;
  }

  fb::OpenCaseT Open() {
    fb::OpenCaseT o;
    o.account_id = "acc-1";
    o.case_type = "technical-support";
    o.category = "backups";
    o.subject = "Nightly backup fails";
    o.description = "It stops at 80 %.";
    o.service_address = "1 Main St";
    auto f = std::make_unique<fb::FieldT>();
    f->key = "server_name";
    f->value = "srv-01";
    o.fields.push_back(std::move(f));
    return o;
  }

  // When: decides; on success applies the events (so Then can look at the
  // state) and returns them.
  Decision When(const fb::CommandEnvelopeT& c) {
    Decision d = DecideCase(state_, c, ctx_);
    if (auto* events = std::get_if<Events>(&d)) {
      uint32_t i = 0;
      for (const auto& e : *events) {
        fb::EventEnvelopeT env;
        env.event_id = c.command_id + "/" + std::to_string(i++);
        env.aggregate_id = ctx_.new_case_number;
        env.version = state_.version + 1;
        env.occurred_at_us = ctx_.now_us;
        env.actor = std::make_unique<fb::ActorT>(*c.actor);
        env.command_id = c.command_id;
        env.schema_version = events::kEventSchemaVersion;
        env.event = e;
        ApplyCase(&state_, env);
      }
    }
    return d;
  }

  // Given: brings a fresh case into `target` through the real commands.
  void GivenCaseIn(CaseState target) {
    ExpectEvents(When(Cmd(kCustomer, Open())), {Event::CaseOpened});
    switch (target) {
      case CaseState::New:
        break;
      case CaseState::Open:
        ExpectEvents(When(Cmd(kStaff, fb::AcceptCaseT{})), {Event::CaseAccepted});
        break;
      case CaseState::AwaitingInfo:
        ExpectEvents(When(Cmd(kStaff, fb::RequestInformationT{})),
                     {Event::InformationRequested});
        break;
      case CaseState::Resolved: {
        fb::ResolveCaseT r;
        r.resolution = "Fixed.";
        ExpectEvents(When(Cmd(kStaff, std::move(r))), {Event::CaseResolved});
        break;
      }
      case CaseState::Closed:
        ExpectEvents(When(Cmd(kStaff, fb::CloseCaseT{})), {Event::CaseClosed});
        break;
      case CaseState::Cancelled:
        ExpectEvents(When(Cmd(kCustomer, fb::CancelCaseT{})), {Event::CaseCancelled});
        break;
    }
    ASSERT_EQ(state_.state, target);
  }

  void ExpectEvents(const Decision& d, std::vector<Event> expected) {
    ASSERT_TRUE(std::holds_alternative<Events>(d))
        << "rejected: " << std::get<Rejection>(d).rule << ": "
        << std::get<Rejection>(d).message;
    std::vector<Event> got;
    for (const auto& e : std::get<Events>(d)) got.push_back(e.type);
    EXPECT_EQ(got, expected);
  }

  void ExpectRejected(const Decision& d, ResultCode code, const std::string& rule) {
    ASSERT_TRUE(std::holds_alternative<Rejection>(d)) << "accepted, expected " << rule;
    const Rejection& r = std::get<Rejection>(d);
    EXPECT_EQ(r.rule, rule) << r.message;
    EXPECT_EQ(r.code, code) << r.message;
    EXPECT_FALSE(r.message.empty());
    if (code == ResultCode::InvalidArgument) {
      EXPECT_FALSE(r.field_errors.empty());
    }
  }

  Catalog catalog_;
  CaseLimits limits_;
  DecideContext ctx_;
  CaseSnapshot state_;
  int commands_ = 0;
};

// ---- the lifecycle table, cell by cell ---------------------------------------

struct Transition {
  const char* name;
  std::function<fb::CommandEnvelopeT(CaseTest*)> make;
  std::set<CaseState> from;  // the states the table allows
  CaseState to;
  std::vector<Event> events;
};

using LifecycleTest = CaseTest;

std::vector<Transition> Table() {
  using S = CaseState;
  fb::ResolveCaseT resolve;
  resolve.resolution = "Fixed.";
  return {
      {"AcceptCase", [](CaseTest* t) { return t->Cmd(kStaff, fb::AcceptCaseT{}); },
       {S::New}, S::Open, {Event::CaseAccepted}},
      {"RequestInformation", [](CaseTest* t) { return t->Cmd(kStaff, fb::RequestInformationT{}); },
       {S::New, S::Open}, S::AwaitingInfo, {Event::InformationRequested}},
      {"ResolveCase", [resolve](CaseTest* t) { return t->Cmd(kStaff, resolve); },
       {S::New, S::Open, S::AwaitingInfo}, S::Resolved, {Event::CaseResolved}},
      {"AcceptResolution", [](CaseTest* t) { return t->Cmd(kCustomer, fb::AcceptResolutionT{}); },
       {S::Resolved}, S::Closed, {Event::ResolutionAccepted}},
      {"RejectResolution", [](CaseTest* t) { return t->Cmd(kCustomer, fb::RejectResolutionT{}); },
       {S::Resolved}, S::Open, {Event::ResolutionRejected}},
      {"ReopenCase", [](CaseTest* t) { return t->Cmd(kStaff, fb::ReopenCaseT{}); },
       {S::Resolved}, S::Open, {Event::CaseReopened}},
      {"CloseCase", [](CaseTest* t) { return t->Cmd(kStaff, fb::CloseCaseT{}); },
       {S::New, S::Open, S::AwaitingInfo, S::Resolved}, S::Closed, {Event::CaseClosed}},
      {"CancelCase (customer)", [](CaseTest* t) { return t->Cmd(kCustomer, fb::CancelCaseT{}); },
       {S::New, S::Open, S::AwaitingInfo}, S::Cancelled, {Event::CaseCancelled}},
      {"CancelCase (staff)", [](CaseTest* t) { return t->Cmd(kStaff, fb::CancelCaseT{}); },
       {S::New, S::Open, S::AwaitingInfo}, S::Cancelled, {Event::CaseCancelled}},
  };
}

TEST_F(LifecycleTest, EveryCommandFromEveryStateFollowsTheTable) {
  const std::vector<CaseState> all = {CaseState::New, CaseState::Open,
                                      CaseState::AwaitingInfo, CaseState::Resolved,
                                      CaseState::Closed, CaseState::Cancelled};
  int cells = 0;
  for (const Transition& t : Table()) {
    for (CaseState from : all) {
      SCOPED_TRACE(std::string(t.name) + " from " + fb::EnumNameCaseState(from));
      state_ = CaseSnapshot{};
      GivenCaseIn(from);
      Decision d = When(t.make(this));
      ++cells;
      if (t.from.count(from)) {
        ExpectEvents(d, t.events);
        EXPECT_EQ(state_.state, t.to);
      } else if (from == CaseState::Closed || from == CaseState::Cancelled) {
        ExpectRejected(d, ResultCode::FailedPrecondition, "case.final_state");
      } else {
        ExpectRejected(d, ResultCode::FailedPrecondition, "case.invalid_transition");
        EXPECT_EQ(state_.state, from);  // nothing changed
      }
    }
  }
  EXPECT_EQ(cells, 9 * 6);
}

TEST_F(CaseTest, OpenCaseOpensANewCase) {
  ExpectEvents(When(Cmd(kCustomer, Open())), {Event::CaseOpened});
  EXPECT_EQ(state_.case_number, "CS00000000006");
  EXPECT_EQ(state_.account_id, "acc-1");
  EXPECT_EQ(state_.state, CaseState::New);
  EXPECT_EQ(state_.version, 1u);
  EXPECT_EQ(state_.opened_at_us, kT0);
}

TEST_F(CaseTest, OpenCaseEventCarriesTheFormAndCatalogVersion) {
  Decision d = When(Cmd(kStaff, Open()));
  ASSERT_TRUE(std::holds_alternative<Events>(d));
  const auto* e = std::get<Events>(d)[0].AsCaseOpened();
  EXPECT_EQ(e->subject, "Nightly backup fails");
  EXPECT_EQ(e->fields.at(0)->key, "server_name");
  EXPECT_EQ(e->catalog_version, catalog_.version());
}

TEST_F(CaseTest, CustomerCommentOnAwaitingInfoMovesItBackToOpen) {
  GivenCaseIn(CaseState::AwaitingInfo);
  fb::AddCommentT c;
  c.body = "Server srv-01.";
  ExpectEvents(When(Cmd(kCustomer, c)), {Event::CommentAdded, Event::InformationProvided});
  EXPECT_EQ(state_.state, CaseState::Open);
}

TEST_F(CaseTest, StaffCommentOnAwaitingInfoKeepsItWaiting) {
  GivenCaseIn(CaseState::AwaitingInfo);
  fb::AddCommentT c;
  c.body = "Reminder.";
  ExpectEvents(When(Cmd(kStaff, c)), {Event::CommentAdded});
  EXPECT_EQ(state_.state, CaseState::AwaitingInfo);
}

TEST_F(CaseTest, AutoCloseClosesAResolvedCaseAfterSevenDaysOnly) {
  GivenCaseIn(CaseState::Resolved);
  ctx_.now_us = kT0 + 7 * kDay - 1;
  EXPECT_FALSE(AutoCloseDue(state_, ctx_.now_us, limits_));
  ExpectRejected(When(MakeAutoCloseCommand(state_)), ResultCode::FailedPrecondition,
                 "case.auto_close_not_due");
  ctx_.now_us = kT0 + 7 * kDay;
  EXPECT_TRUE(AutoCloseDue(state_, ctx_.now_us, limits_));
  Decision d = When(MakeAutoCloseCommand(state_));
  ExpectEvents(d, {Event::CaseClosed});
  EXPECT_EQ(std::get<Events>(d)[0].AsCaseClosed()->reason, fb::CloseReason::AutoClose);
  EXPECT_EQ(state_.state, CaseState::Closed);
  EXPECT_FALSE(AutoCloseDue(state_, ctx_.now_us + kDay, limits_));
}

TEST_F(CaseTest, AutoCloseCommandIdIsDeterministic) {
  GivenCaseIn(CaseState::Resolved);
  EXPECT_EQ(MakeAutoCloseCommand(state_).command_id, "auto-close/CS00000000006/2");
  EXPECT_EQ(MakeAutoCloseCommand(state_).command_id,
            MakeAutoCloseCommand(state_).command_id);
}

// ---- rules: access and concurrency --------------------------------------------

TEST_F(CaseTest, Rule_case_not_found) {
  fb::AddCommentT c;
  c.body = "hi";
  auto cmd = Cmd(kCustomer, c);
  cmd.aggregate_id = "CS00000000012";
  ExpectRejected(When(cmd), ResultCode::NotFound, "case.not_found");
}

TEST_F(CaseTest, Rule_case_account_access_looks_like_not_found) {
  GivenCaseIn(CaseState::Open);
  fb::AddCommentT c;
  c.body = "hi";
  Decision d = When(Cmd(kOtherCustomer, c));
  ExpectRejected(d, ResultCode::NotFound, "case.account_access");
  EXPECT_EQ(std::get<Rejection>(d).message, "case CS00000000006 not found");
  // Opening a case for an account that is not yours, too.
  state_ = CaseSnapshot{};
  ExpectRejected(When(Cmd(kOtherCustomer, Open())), ResultCode::NotFound,
                 "case.account_access");
}

TEST_F(CaseTest, Rule_case_already_exists) {
  GivenCaseIn(CaseState::New);
  ExpectRejected(When(Cmd(kCustomer, Open())), ResultCode::AlreadyExists,
                 "case.already_exists");
}

TEST_F(CaseTest, Rule_case_version_conflict) {
  GivenCaseIn(CaseState::Open);  // version 2
  fb::AddCommentT c;
  c.body = "hi";
  ExpectRejected(When(Cmd(kCustomer, c, /*expected=*/1)), ResultCode::VersionConflict,
                 "case.version_conflict");
  ExpectEvents(When(Cmd(kCustomer, c, /*expected=*/2)), {Event::CommentAdded});
}

TEST_F(CaseTest, Rule_case_staff_only) {
  GivenCaseIn(CaseState::Open);
  fb::AddInternalNoteT n;
  n.body = "secret";
  ExpectRejected(When(Cmd(kCustomer, n)), ResultCode::PermissionDenied, "case.staff_only");
  ExpectRejected(When(Cmd(kCustomer, fb::RequestInformationT{})),
                 ResultCode::PermissionDenied, "case.staff_only");
  ExpectRejected(When(Cmd(kCustomer, fb::CloseCaseT{})), ResultCode::PermissionDenied,
                 "case.staff_only");
  fb::ResolveCaseT r;
  r.resolution = "x";
  ExpectRejected(When(Cmd(kCustomer, r)), ResultCode::PermissionDenied, "case.staff_only");
  ExpectEvents(When(Cmd(kStaff, n)), {Event::InternalNoteAdded});
}

TEST_F(CaseTest, Rule_case_customer_only) {
  GivenCaseIn(CaseState::Resolved);
  ExpectRejected(When(Cmd(kStaff, fb::AcceptResolutionT{})), ResultCode::PermissionDenied,
                 "case.customer_only");
  ExpectRejected(When(Cmd(kStaff, fb::RejectResolutionT{})), ResultCode::PermissionDenied,
                 "case.customer_only");
}

TEST_F(CaseTest, Rule_case_final_state_blocks_everything) {
  for (CaseState final_state : {CaseState::Closed, CaseState::Cancelled}) {
    state_ = CaseSnapshot{};
    GivenCaseIn(final_state);
    fb::AddCommentT c;
    c.body = "hi";
    ExpectRejected(When(Cmd(kCustomer, c)), ResultCode::FailedPrecondition,
                   "case.final_state");
    fb::AddAttachmentT a;
    a.sha256 = std::string(64, 'a');
    a.file_name = "a.txt";
    a.size_bytes = 1;
    ExpectRejected(When(Cmd(kCustomer, a)), ResultCode::FailedPrecondition,
                   "case.final_state");
    fb::AddWatcherT w;
    w.email = "a@example.com";
    ExpectRejected(When(Cmd(kCustomer, w)), ResultCode::FailedPrecondition,
                   "case.final_state");
    ExpectRejected(When(Cmd(kStaff, fb::ReopenCaseT{})), ResultCode::FailedPrecondition,
                   "case.final_state");
  }
}

TEST_F(CaseTest, Rule_case_invalid_transition) {
  GivenCaseIn(CaseState::Open);
  ExpectRejected(When(Cmd(kStaff, fb::AcceptCaseT{})), ResultCode::FailedPrecondition,
                 "case.invalid_transition");
}

TEST_F(CaseTest, Rule_case_system_actor) {
  ExpectRejected(When(Cmd(kSystem, Open())), ResultCode::PermissionDenied,
                 "case.system_actor");
  GivenCaseIn(CaseState::Open);
  fb::AddCommentT c;
  c.body = "automated";
  ExpectRejected(When(Cmd(kSystem, c)), ResultCode::PermissionDenied, "case.system_actor");
  // The timer's close of a case that is not RESOLVED is not a transition.
  ctx_.now_us = kT0 + 30 * kDay;
  ExpectRejected(When(Cmd(kSystem, fb::CloseCaseT{})), ResultCode::FailedPrecondition,
                 "case.invalid_transition");
}

// ---- rules: validation -------------------------------------------------------

TEST_F(CaseTest, Rule_case_account_required) {
  auto o = Open();
  o.account_id = "";
  ExpectRejected(When(Cmd(kStaff, o)), ResultCode::InvalidArgument, "case.account_required");
}

TEST_F(CaseTest, Rule_case_catalog) {
  auto o = Open();
  o.case_type = "no-such-type";
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument, "case.catalog");
  o = Open();
  o.category = "bill-inquiry";  // a category of another request type
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument, "case.catalog");
  o = Open();
  o.fields.clear();  // server_name is required for Backups
  Decision d = When(Cmd(kCustomer, o));
  ExpectRejected(d, ResultCode::InvalidArgument, "case.catalog");
  EXPECT_EQ(std::get<Rejection>(d).field_errors[0].field, "fields.server_name");
  o = Open();
  auto f = std::make_unique<fb::FieldT>();
  f->key = "colour";
  o.fields.push_back(std::move(f));
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument, "case.catalog");
  o = Open();
  o.fields.push_back(std::make_unique<fb::FieldT>(*o.fields[0]));  // a key twice
  d = When(Cmd(kCustomer, o));
  ExpectRejected(d, ResultCode::InvalidArgument, "case.catalog");
  EXPECT_THAT(std::get<Rejection>(d).message, ::testing::HasSubstr("is given twice"));
}

TEST_F(CaseTest, Rule_case_subject_length) {
  auto o = Open();
  o.subject = "";
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument, "case.subject_length");
  o.subject = std::string(201, 'x');
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument, "case.subject_length");
  // 200 characters of two bytes each is fine: limits count characters.
  o.subject.clear();
  for (int i = 0; i < 200; ++i) o.subject += "é";
  ExpectEvents(When(Cmd(kCustomer, o)), {Event::CaseOpened});
}

TEST_F(CaseTest, Rule_case_description_length) {
  auto o = Open();
  o.description = "";
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument,
                 "case.description_length");
  o.description = std::string(20'001, 'x');
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument,
                 "case.description_length");
  o.description = std::string(20'000, 'x');
  ExpectEvents(When(Cmd(kCustomer, o)), {Event::CaseOpened});
}

TEST_F(CaseTest, Rule_case_service_address_length) {
  auto o = Open();
  o.service_address = std::string(201, 'x');
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument,
                 "case.service_address_length");
}

TEST_F(CaseTest, Rule_case_field_length) {
  auto o = Open();
  o.fields[0]->value = std::string(10'001, 'x');
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument, "case.field_length");
}

TEST_F(CaseTest, Rule_text_utf8) {
  auto o = Open();
  o.subject = "bad \xff byte";
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument, "text.utf8");
  o.subject = std::string("nul\0inside", 10);
  ExpectRejected(When(Cmd(kCustomer, o)), ResultCode::InvalidArgument, "text.utf8");
}

TEST_F(CaseTest, Rule_comment_length) {
  GivenCaseIn(CaseState::Open);
  fb::AddCommentT c;
  ExpectRejected(When(Cmd(kCustomer, c)), ResultCode::InvalidArgument, "comment.length");
  c.body = std::string(10'001, 'x');
  ExpectRejected(When(Cmd(kCustomer, c)), ResultCode::InvalidArgument, "comment.length");
  c.body = std::string(10'000, 'x');
  ExpectEvents(When(Cmd(kCustomer, c)), {Event::CommentAdded});
  fb::AddInternalNoteT n;
  ExpectRejected(When(Cmd(kStaff, n)), ResultCode::InvalidArgument, "comment.length");
}

TEST_F(CaseTest, Rule_resolution_length) {
  GivenCaseIn(CaseState::Open);
  ExpectRejected(When(Cmd(kStaff, fb::ResolveCaseT{})), ResultCode::InvalidArgument,
                 "resolution.length");
}

fb::AddAttachmentT Attachment(std::string name = "log.txt", uint64_t size = 100) {
  fb::AddAttachmentT a;
  a.sha256 = std::string(64, 'a');
  a.file_name = std::move(name);
  a.size_bytes = size;
  a.content_type = "text/plain";
  return a;
}

TEST_F(CaseTest, AttachmentsAreAddedRenamedAndRemoved) {
  GivenCaseIn(CaseState::Open);
  Decision d = When(Cmd(kCustomer, Attachment()));
  ExpectEvents(d, {Event::AttachmentAdded});
  const std::string id = std::get<Events>(d)[0].AsAttachmentAdded()->attachment_id;
  fb::RenameAttachmentT r;
  r.attachment_id = id;
  r.file_name = "backup.log";
  d = When(Cmd(kCustomer, r));
  ExpectEvents(d, {Event::AttachmentRenamed});
  EXPECT_EQ(std::get<Events>(d)[0].AsAttachmentRenamed()->previous_file_name, "log.txt");
  EXPECT_EQ(state_.attachments.at(0)->file_name, "backup.log");
  fb::RemoveAttachmentT rm;
  rm.attachment_id = id;
  ExpectEvents(When(Cmd(kStaff, rm)), {Event::AttachmentRemoved});
  EXPECT_TRUE(state_.attachments.empty());
}

TEST_F(CaseTest, Rule_attachment_limit) {
  GivenCaseIn(CaseState::Open);
  for (int i = 0; i < 100; ++i) ExpectEvents(When(Cmd(kCustomer, Attachment())), {Event::AttachmentAdded});
  ExpectRejected(When(Cmd(kCustomer, Attachment())), ResultCode::FailedPrecondition,
                 "attachment.limit");
}

TEST_F(CaseTest, Rule_attachment_size) {
  GivenCaseIn(CaseState::Open);
  ExpectRejected(When(Cmd(kCustomer, Attachment("a", (25ull << 20) + 1))),
                 ResultCode::InvalidArgument, "attachment.size");
  ExpectRejected(When(Cmd(kCustomer, Attachment("a", 0))), ResultCode::InvalidArgument,
                 "attachment.size");
  ExpectEvents(When(Cmd(kCustomer, Attachment("a", 25ull << 20))), {Event::AttachmentAdded});
}

TEST_F(CaseTest, Rule_attachment_sha256) {
  GivenCaseIn(CaseState::Open);
  auto a = Attachment();
  a.sha256 = std::string(64, 'A');
  ExpectRejected(When(Cmd(kCustomer, a)), ResultCode::InvalidArgument, "attachment.sha256");
}

TEST_F(CaseTest, Rule_attachment_file_name) {
  GivenCaseIn(CaseState::Open);
  for (const std::string& bad :
       std::vector<std::string>{"", "../etc/passwd", "a\\b", "a\nb", "..", std::string(256, 'x'),
                                "invoice\u202Efdp.exe", "a\u0085b"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(When(Cmd(kCustomer, Attachment(bad))), ResultCode::InvalidArgument,
                   "attachment.file_name");
  }
}

TEST_F(CaseTest, Rule_attachment_not_found) {
  GivenCaseIn(CaseState::Open);
  fb::RenameAttachmentT r;
  r.attachment_id = "a99";
  r.file_name = "x";
  ExpectRejected(When(Cmd(kCustomer, r)), ResultCode::NotFound, "attachment.not_found");
  fb::RemoveAttachmentT rm;
  rm.attachment_id = "a99";
  ExpectRejected(When(Cmd(kCustomer, rm)), ResultCode::NotFound, "attachment.not_found");
}

fb::AddWatcherT Watcher(std::string email) {
  fb::AddWatcherT w;
  w.email = std::move(email);
  return w;
}

TEST_F(CaseTest, WatchersAreAddedAndRemovedCaseInsensitively) {
  GivenCaseIn(CaseState::Open);
  ExpectEvents(When(Cmd(kCustomer, Watcher("Ops@Example.com"))), {Event::WatcherAdded});
  EXPECT_EQ(state_.watchers, std::vector<std::string>{"ops@example.com"});
  fb::RemoveWatcherT r;
  r.email = "OPS@example.COM";
  ExpectEvents(When(Cmd(kCustomer, r)), {Event::WatcherRemoved});
  EXPECT_TRUE(state_.watchers.empty());
}

TEST_F(CaseTest, Rule_watcher_email_invalid) {
  GivenCaseIn(CaseState::Open);
  for (std::string bad : std::vector<std::string>{"", "no-at", "@example.com", "a@b", "a@@b.com", "a b@c.com",
                          "a@example..com", "a@example.com,b@example.com", "a@.example.com"}) {
    SCOPED_TRACE(bad);
    ExpectRejected(When(Cmd(kCustomer, Watcher(bad))), ResultCode::InvalidArgument,
                   "watcher.email_invalid");
  }
}

TEST_F(CaseTest, Rule_watcher_duplicate) {
  GivenCaseIn(CaseState::Open);
  ExpectEvents(When(Cmd(kCustomer, Watcher("a@example.com"))), {Event::WatcherAdded});
  ExpectRejected(When(Cmd(kCustomer, Watcher("A@example.com"))), ResultCode::AlreadyExists,
                 "watcher.duplicate");
}

TEST_F(CaseTest, Rule_watcher_limit) {
  GivenCaseIn(CaseState::Open);
  for (int i = 0; i < 50; ++i) {
    ExpectEvents(When(Cmd(kCustomer, Watcher("w" + std::to_string(i) + "@example.com"))),
                 {Event::WatcherAdded});
  }
  ExpectRejected(When(Cmd(kCustomer, Watcher("one-more@example.com"))),
                 ResultCode::FailedPrecondition, "watcher.limit");
}

TEST_F(CaseTest, Rule_watcher_not_found) {
  GivenCaseIn(CaseState::Open);
  fb::RemoveWatcherT r;
  r.email = "nobody@example.com";
  ExpectRejected(When(Cmd(kCustomer, r)), ResultCode::NotFound, "watcher.not_found");
}

// ---- case numbers -------------------------------------------------------------

TEST(CaseNumberTest, FormatParseAndPartition) {
  EXPECT_EQ(FormatCaseNumber(8409, 1, 6), "CS00000050455");
  EXPECT_EQ(*ParseCaseNumber("CS00000050455"), 50455u);
  EXPECT_EQ(*CasePartition("CS00000050455", 6), 1);
  for (const char* bad : {"", "CS123", "XS00000050455", "CS0000005045a", "CS000000504550"}) {
    EXPECT_EQ(ParseCaseNumber(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

// ---- docs and tests stay one to one -------------------------------------------

TEST(CaseDocsTest, RulesInDocsMatchRulesTestedHere) {
  const std::string docs = ReadFile(DOCKET_LIFECYCLE_DOC);
  const std::string tests = ReadFile(__FILE__);
  const std::string source = ReadFile(DOCKET_CASE_SOURCE);
  ASSERT_FALSE(docs.empty());
  std::regex rule_re(R"(`((?:case|comment|resolution|attachment|watcher|text)\.[a-z_0-9]+)`)");
  std::set<std::string> documented;
  for (std::sregex_iterator it(docs.begin(), docs.end(), rule_re), end; it != end; ++it) {
    documented.insert((*it)[1]);
  }
  std::regex used_re(R"re("((?:case|comment|resolution|attachment|watcher|text)\.[a-z_0-9]+)")re");
  std::set<std::string> in_source, tested;
  for (std::sregex_iterator it(source.begin(), source.end(), used_re), end; it != end; ++it) {
    in_source.insert((*it)[1]);
  }
  for (std::sregex_iterator it(tests.begin(), tests.end(), used_re), end; it != end; ++it) {
    tested.insert((*it)[1]);
  }
  EXPECT_EQ(documented, in_source) << "every rule the code can reject with is documented";
  EXPECT_EQ(documented, tested) << "every documented rule has a test";
}

TEST(CaseHandlerTest, HandlesOnlyCaseCommands) {
  CaseHandler h(nullptr, CaseLimits{});
  EXPECT_EQ(h.context(), "cases");
  for (fb::Command t : events::AllCommandTypes()) {
    const std::string name(events::CommandTypeName(t));
    // Every command from CreateAccount on belongs to identity or status.
    const bool identity_or_status = t >= Command::CreateAccount;
    EXPECT_EQ(h.Handles(t), !identity_or_status) << name;
  }
}

}  // namespace
}  // namespace docket::aggregates
