#include "events/testdata.h"

#include <flatbuffers/minireflect.h>

#include "events/envelope.h"
#include "events/testdata_internal.h"

namespace docket::events::testdata {
namespace {

std::unique_ptr<fb::FieldT> MakeField(std::string k, std::string v) {
  auto f = std::make_unique<fb::FieldT>();
  f->key = std::move(k);
  f->value = std::move(v);
  return f;
}

class AbsentCollector : public flatbuffers::IterationVisitor {
 public:
  void Field(size_t, size_t, flatbuffers::ElementaryType, bool,
             const flatbuffers::TypeTable*, const char* name,
             const uint8_t* val) override {
    if (!val) absent.push_back(name ? name : "?");
  }
  std::vector<std::string> absent;
};

}  // namespace

fb::ActorT SampleActor() {
  fb::ActorT a;
  a.user_id = "u-staff-7";
  a.role = fb::Role::Staff;
  a.account_ids = {"acc-1", "acc-2"};
  a.display_name = "Zoë Agent";
  return a;
}

std::vector<fb::EventEnvelopeT> SampleEvents(const std::string& id) {
  std::vector<fb::EventEnvelopeT> out;
  uint64_t v = 0;
  {
    fb::CaseOpenedT p;
    p.case_number = id;
    p.account_id = "acc-1";
    p.case_type = "technical-support";
    p.category = "backups";
    p.subject = "Nightly backup fails";
    p.description = "Since Monday the backup job stops at 80 % — Résumé attached.";
    p.service_address = "1 Main St, Springfield";
    p.fields.push_back(MakeField("circuit_id", "CKT-889"));
    p.catalog_version = 3;
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::CommentAddedT p;
    p.comment_id = "c-1";
    p.body = "Any news?";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::InternalNoteAddedT p;
    p.note_id = "n-1";
    p.body = "Escalated to tier 2.";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::AttachmentAddedT p;
    p.attachment_id = "a-1";
    p.sha256 = std::string(64, 'a');
    p.file_name = "log.txt";
    p.size_bytes = 2048;
    p.content_type = "text/plain";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::AttachmentRenamedT p;
    p.attachment_id = "a-1";
    p.file_name = "backup-log.txt";
    p.previous_file_name = "log.txt";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::AttachmentRemovedT p;
    p.attachment_id = "a-1";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::WatcherAddedT p;
    p.email = "ops@example.com";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::WatcherRemovedT p;
    p.email = "ops@example.com";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  out.push_back(Wrap(id, ++v, fb::CaseAcceptedT{}));
  {
    fb::InformationRequestedT p;
    p.message = "Which server?";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::CaseResolvedT p;
    p.resolution = "Disk replaced.";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  out.push_back(Wrap(id, ++v, fb::ResolutionAcceptedT{}));
  {
    fb::ResolutionRejectedT p;
    p.reason = "Still failing.";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::CaseClosedT p;
    p.reason = fb::CloseReason::AutoClose;
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::CaseCancelledT p;
    p.reason = "Opened by mistake.";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::CaseReopenedT p;
    p.reason = "It came back.";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  {
    fb::InformationProvidedT p;
    p.comment_id = "c-2";
    out.push_back(Wrap(id, ++v, std::move(p)));
  }
  return out;
}

std::vector<fb::EventEnvelopeT> SamplePortalEvents() {
  std::vector<fb::EventEnvelopeT> out;
  {
    fb::AccountCreatedT p;
    p.account_id = "ACC-1001";
    p.account_number = "ACC-1001";
    p.name = "Acme Télécom";
    p.service_addresses = {"1 Main St", "2 High St"};
    out.push_back(Wrap("ACC-1001", 1, std::move(p)));
  }
  {
    fb::ServiceAddressAddedT p;
    p.address = "3 Low Rd";
    out.push_back(Wrap("ACC-1001", 2, std::move(p)));
  }
  {
    fb::UserCreatedT p;
    p.user_id = "u0123456789abcdef01234567";
    p.email = "ann@example.com";
    p.name = "Ann";
    p.role = fb::Role::Admin;  // not the default, so the field is written
    p.account_ids = {"ACC-1001"};
    p.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    p.phone = "+44 20 7946 0000";
    p.username = "ann.l";
    out.push_back(Wrap("u0123456789abcdef01234567", 1, std::move(p)));
  }
  {
    fb::PasswordHashChangedT p;
    p.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA";
    out.push_back(Wrap("u0123456789abcdef01234567", 2, std::move(p)));
  }
  {
    fb::ServiceStatusChangedT p;
    p.service = "internet";
    p.status = fb::ServiceState::Degraded;
    p.message = "Slow in the north";
    out.push_back(Wrap("svc-internet", 1, std::move(p)));
  }
  {
    fb::FeedbackSubmittedT p;
    p.feedback_id = "fb-1";
    p.message = "Nice portal";
    p.rating = 4;
    p.page = "/overview";
    out.push_back(Wrap("fb-1", 1, std::move(p)));
  }
  {
    fb::LoginStartedT p;
    p.attempt_id = "login-1";
    p.expires_at_us = 1'795'000'030'000'000;
    out.push_back(Wrap("u0123456789abcdef01234567", 3, std::move(p)));
  }
  {
    fb::LoginSucceededT p;
    p.attempt_id = "login-1";
    p.session_id = std::string(64, 'a');
    p.expires_at_us = 1'795'043'200'000'000;
    out.push_back(Wrap("u0123456789abcdef01234567", 4, std::move(p)));
  }
  {
    fb::LoginFailedT p;
    p.attempt_id = "login-2";
    out.push_back(Wrap("u0123456789abcdef01234567", 5, std::move(p)));
  }
  {
    fb::UserLockedT p;
    p.reason = "failed_logins";
    out.push_back(Wrap("u0123456789abcdef01234567", 6, std::move(p)));
  }
  {
    fb::UserUnlockedT p;
    p.reason = "staff";
    out.push_back(Wrap("u0123456789abcdef01234567", 7, std::move(p)));
  }
  {
    fb::SessionEndedT p;
    p.session_id = std::string(64, 'a');
    p.reason = "logout";
    out.push_back(Wrap("u0123456789abcdef01234567", 8, std::move(p)));
  }
  {
    fb::SessionsEndedT p;
    p.kept_session_id = std::string(64, 'b');
    p.reason = "password_change";
    out.push_back(Wrap("u0123456789abcdef01234567", 9, std::move(p)));
  }
  {
    fb::SessionTouchedT p;
    p.session_id = std::string(64, 'b');
    out.push_back(Wrap("u0123456789abcdef01234567", 10, std::move(p)));
  }
  {
    fb::UserDisabledT p;
    p.reason = "staff";
    out.push_back(Wrap("u0123456789abcdef01234567", 11, std::move(p)));
  }
  out.push_back(Wrap("u0123456789abcdef01234567", 12, fb::UserEnabledT{}));
  {
    fb::TokenIssuedT p;
    p.purpose = "reset";
    p.token_hash = std::string(64, 'c');
    p.expires_at_us = 1'795'003'600'000'000;
    out.push_back(Wrap("u0123456789abcdef01234567", 13, std::move(p)));
  }
  {
    fb::PasswordSetT p;
    p.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$bmV3";
    p.purpose = "reset";
    out.push_back(Wrap("u0123456789abcdef01234567", 14, std::move(p)));
  }
  {
    fb::UserProfileChangedT p;
    p.name = "Ann Lee";
    p.phone = "+44 20 7946 0001";
    out.push_back(Wrap("u0123456789abcdef01234567", 15, std::move(p)));
  }
  {
    fb::UsernameChangedT p;
    p.username = "ann.lee";
    out.push_back(Wrap("u0123456789abcdef01234567", 16, std::move(p)));
  }
  {
    fb::MembershipChangedT p;
    p.account_id = "ACC-1002";
    p.added = true;
    out.push_back(Wrap("u0123456789abcdef01234567", 17, std::move(p)));
  }
  {
    fb::ChallengeSetT p;
    p.question_id = "first_pet";
    p.answer_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$YW5zd2Vy";
    out.push_back(Wrap("u0123456789abcdef01234567", 18, std::move(p)));
  }
  out.push_back(Wrap("u0123456789abcdef01234567", 19, fb::UnlockAdvisedT{}));
  {
    fb::UsernameClaimedT p;
    p.user_id = "u0123456789abcdef01234567";
    out.push_back(Wrap("n_ann.lee", 1, std::move(p)));
  }
  {
    fb::UsernameReleasedT p;
    p.user_id = "u0123456789abcdef01234567";
    out.push_back(Wrap("n_ann.lee", 2, std::move(p)));
  }
  {
    fb::AccessRequestedT p;
    p.request_id = "req_0123456789abcdef0123";
    p.kind = "access";
    p.name = "Bob Stone";
    p.phone = "+1 555 0100";
    p.email = "bob@example.com";
    p.account_name = "Stone Ltd";
    p.account_number = "ACC-2001";
    p.service_address = "1 Main St";
    p.description = "Also Carol (carol@example.com)";
    out.push_back(Wrap("req_0123456789abcdef0123", 1, std::move(p)));
  }
  {
    fb::AccessRequestDecidedT p;
    p.approved = true;
    p.reason = "known customer";
    p.user_id = "u89abcdef0123456789abcdef";
    p.account_id = "ACC-2001";
    p.role = fb::Role::Staff;
    out.push_back(Wrap("req_0123456789abcdef0123", 2, std::move(p)));
  }
  AddChatEvents(out);
  return out;
}

namespace {

// One sample of every cases command, numbered from n + 1.
void AddCaseCommands(std::vector<fb::CommandEnvelopeT>& out, int& n) {
  {
    fb::OpenCaseT p;
    p.account_id = "acc-1";
    p.case_type = "technical-support";
    p.category = "backups";
    p.subject = "Nightly backup fails";
    p.description = "It stops at 80 %.";
    p.service_address = "1 Main St";
    p.fields.push_back(MakeField("circuit_id", "CKT-889"));
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::AddCommentT p;
    p.body = "Hello";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::AddInternalNoteT p;
    p.body = "Note";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::AddAttachmentT p;
    p.sha256 = std::string(64, 'b');
    p.file_name = "a.png";
    p.size_bytes = 99;
    p.content_type = "image/png";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::RenameAttachmentT p;
    p.attachment_id = "a-1";
    p.file_name = "b.png";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::RemoveAttachmentT p;
    p.attachment_id = "a-1";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::AddWatcherT p;
    p.email = "x@example.com";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::RemoveWatcherT p;
    p.email = "x@example.com";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::CancelCaseT p;
    p.reason = "mistake";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  out.push_back(WrapCommand(++n, fb::AcceptCaseT{}));
  {
    fb::RequestInformationT p;
    p.message = "Which one?";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::ResolveCaseT p;
    p.resolution = "Fixed.";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  out.push_back(WrapCommand(++n, fb::AcceptResolutionT{}));
  {
    fb::RejectResolutionT p;
    p.reason = "No.";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  out.push_back(WrapCommand(++n, fb::CloseCaseT{}));
  {
    fb::ReopenCaseT p;
    p.reason = "Again.";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
}

// One sample of every identity and status command, numbered from n + 1.
void AddPortalCommands(std::vector<fb::CommandEnvelopeT>& out, int& n) {
  {
    fb::CreateAccountT p;
    p.account_number = "ACC-1001";
    p.name = "Acme";
    p.service_addresses = {"1 Main St"};
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::AddServiceAddressT p;
    p.address = "2 High St";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::CreateUserT p;
    p.email = "ann@example.com";
    p.name = "Ann";
    p.role = fb::Role::Staff;
    p.account_ids = {"ACC-1001"};
    p.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    p.phone = "+44 20 7946 0000";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::ChangePasswordHashT p;
    p.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::SetServiceStatusT p;
    p.service = "internet";
    p.status = fb::ServiceState::Outage;
    p.message = "Fibre cut";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::SubmitFeedbackT p;
    p.message = "Nice";
    p.rating = 5;
    p.page = "/cases";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  out.push_back(WrapCommand(++n, fb::BeginLoginT{}));
  {
    fb::FinishLoginT p;
    p.attempt_id = "login-1";
    p.succeeded = true;
    p.session_id = std::string(64, 'a');
    p.expires_at_us = 1'795'043'200'000'000;
    p.checked_hash_sha256 = std::string(64, 'e');
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::EndSessionT p;
    p.session_id = std::string(64, 'a');
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::TouchSessionT p;
    p.session_id = std::string(64, 'b');
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::IssueTokenT p;
    p.purpose = "reset";
    p.token_hash = std::string(64, 'c');
    p.expires_at_us = 1'795'003'600'000'000;
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::SetPasswordT p;
    p.purpose = "change";
    p.token_hash = std::string(64, 'c');
    p.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$bmV3";
    p.kept_session_id = std::string(64, 'b');
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::SetUserEnabledT p;
    p.enabled = true;
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::UnlockUserT p;
    p.token_hash = std::string(64, 'd');
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::UpdateProfileT p;
    p.name = "Ann Lee";
    p.phone = "+44 20 7946 0001";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::SetUsernameT p;
    p.username = "ann.lee";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::ClaimUsernameT p;
    p.user_id = "u0123456789abcdef01234567";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::ReleaseUsernameT p;
    p.user_id = "u0123456789abcdef01234567";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::ChangeMembershipT p;
    p.account_id = "ACC-1002";
    p.add = true;
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::SetChallengeT p;
    p.question_id = "first_pet";
    p.answer_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$YW5zd2Vy";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::RequestAccessT p;
    p.kind = "access";
    p.name = "Bob Stone";
    p.phone = "+1 555 0100";
    p.email = "bob@example.com";
    p.account_name = "Stone Ltd";
    p.account_number = "ACC-2001";
    p.service_address = "1 Main St";
    p.description = "Also Carol (carol@example.com)";
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  {
    fb::DecideAccessRequestT p;
    p.approve = true;
    p.reason = "known customer";
    p.user_id = "u89abcdef0123456789abcdef";
    p.account_id = "ACC-2001";
    p.role = fb::Role::Staff;
    out.push_back(WrapCommand(++n, std::move(p)));
  }
  AddChatCommands(out, n);
}

}  // namespace

std::vector<fb::CommandEnvelopeT> SampleCommands() {
  std::vector<fb::CommandEnvelopeT> out;
  int n = 0;
  AddCaseCommands(out, n);
  AddPortalCommands(out, n);
  return out;
}

fb::CommandResultT SampleResult() {
  fb::CommandResultT r;
  r.command_id = "cmd-9";
  r.aggregate_id = "CS00000050455";
  r.code = fb::ResultCode::FailedPrecondition;
  r.rule = "case.closed_is_final";
  r.message = "CLOSED cases take no comments";
  auto fe = std::make_unique<fb::FieldErrorT>();
  fe->field = "body";
  fe->message = "must be 1..10000 characters";
  r.field_errors.push_back(std::move(fe));
  r.version = 12;
  r.event_count = 2;
  r.events_partition = 3;
  r.events_offset = 4567;
  r.decided_at_us = 1'795'000'000'000'001;
  r.schema_version = kResultSchemaVersion;
  r.actor_user_id = "u0123456789abcdef01234567";
  r.context = "cases";
  return r;
}

std::vector<std::string> AbsentFields(const std::string& buffer,
                                      const flatbuffers::TypeTable* table) {
  AbsentCollector c;
  flatbuffers::IterateFlatBuffer(reinterpret_cast<const uint8_t*>(buffer.data()),
                                 table, &c);
  return c.absent;
}

}  // namespace docket::events::testdata
