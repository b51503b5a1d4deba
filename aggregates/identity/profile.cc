#include "aggregates/identity/profile.h"

#include <algorithm>

#include "aggregates/identity/identity_rules.h"
#include "aggregates/rules.h"
#include "common/text.h"

namespace docket::aggregates {
namespace {

using identity_rules::IsStaff;
using identity_rules::One;

using fb::ResultCode;
using fb::Role;

std::optional<Rejection> CheckPhone(const std::string& phone) {
  if (!ValidPhone(phone)) {
    return Invalid("user.phone", "phone", "must be at most 40 digits, spaces or +-().x");
  }
  return std::nullopt;
}

Decision DecideUpdate(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                      const fb::UpdateProfileT& c) {
  if (!IsStaff(*cmd.actor) && cmd.actor->user_id != s.user->user_id) {
    return Reject(ResultCode::PermissionDenied, "user.own_profile",
                  "only the user and staff change a profile");
  }
  if (auto r = CheckText(c.name, "name", 1, 200, "user.name")) return *r;
  if (auto r = CheckPhone(c.phone)) return *r;
  fb::UserProfileChangedT e;
  e.name = c.name;
  e.phone = c.phone;
  return One(std::move(e));
}

Decision DecideUsername(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                        const fb::SetUsernameT& c) {
  if (!IsStaff(*cmd.actor)) {
    return Reject(ResultCode::PermissionDenied, "user.staff_only", "only staff set usernames");
  }
  if (!c.username.empty() && !ValidUsername(c.username)) {
    return Invalid("user.username", "username",
                   "must be 3..32 letters, digits or '._-', starting with a letter");
  }
  if (c.username == s.user->username) {
    return Reject(ResultCode::FailedPrecondition, "user.username_unchanged",
                  "the user has this username already");
  }
  fb::UsernameChangedT e;
  e.username = c.username;
  return One(std::move(e));
}

Decision DecideMembership(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                          const fb::ChangeMembershipT& c, const IdentityLimits& lim) {
  if (!IsStaff(*cmd.actor)) {
    return Reject(ResultCode::PermissionDenied, "user.staff_only",
                  "only staff change memberships");
  }
  const fb::UserCreatedT& u = *s.user;
  if (u.role != Role::Customer) {
    return Reject(ResultCode::FailedPrecondition, "user.accounts",
                  "staff see every account; they have no memberships");
  }
  if (!IsAccountNumber(c.account_id)) {
    return Invalid("user.accounts", "account_id", "is not an account id");
  }
  const bool member =
      std::find(u.account_ids.begin(), u.account_ids.end(), c.account_id) != u.account_ids.end();
  if (c.add && member) {
    return Reject(ResultCode::AlreadyExists, "user.member",
                  "the user is a member of " + c.account_id + " already");
  }
  if (c.add && u.account_ids.size() >= lim.max_memberships) {
    return Reject(ResultCode::FailedPrecondition, "user.too_many_accounts",
                  "a customer has at most " + std::to_string(lim.max_memberships) + " accounts");
  }
  if (!c.add && !member) {
    return Reject(ResultCode::NotFound, "user.not_member",
                  "the user is not a member of " + c.account_id);
  }
  if (!c.add && u.account_ids.size() == 1) {
    return Reject(ResultCode::FailedPrecondition, "user.last_account",
                  "a customer keeps at least one account; disable the user instead");
  }
  fb::MembershipChangedT e;
  e.account_id = c.account_id;
  e.added = c.add;
  return One(std::move(e));
}

bool KnownQuestion(const std::string& id, const IdentityLimits& lim) {
  if (lim.challenge_questions.empty()) {
    return !id.empty() && id.size() <= 64 &&
           id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
  }
  return std::find(lim.challenge_questions.begin(), lim.challenge_questions.end(), id) !=
         lim.challenge_questions.end();
}

Decision DecideChallenge(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                         const fb::SetChallengeT& c, const IdentityLimits& lim) {
  if (cmd.actor->user_id != s.user->user_id) {
    return Reject(ResultCode::PermissionDenied, "user.own_challenge",
                  "only the user sets their challenge question");
  }
  if (!KnownQuestion(c.question_id, lim)) {
    return Invalid("user.challenge_question", "question_id", "is not one of the questions");
  }
  if (c.answer_hash.rfind("$argon2id$", 0) != 0) {
    return Invalid("user.challenge_hash", "answer_hash", "must be an Argon2id hash");
  }
  fb::ChallengeSetT e;
  e.question_id = c.question_id;
  e.answer_hash = c.answer_hash;
  return One(std::move(e));
}

}  // namespace

bool IsProfileCommand(fb::Command type) {
  return type == fb::Command::UpdateProfile || type == fb::Command::SetUsername ||
         type == fb::Command::ChangeMembership || type == fb::Command::SetChallenge;
}

Decision DecideProfile(const fb::PortalSnapshotT& s, const fb::CommandEnvelopeT& cmd,
                       const IdentityLimits& lim) {
  if (!s.user) {
    return Reject(ResultCode::NotFound, "user.not_found", "user " + cmd.aggregate_id + " not found");
  }
  const fb::CommandUnion& c = cmd.command;
  switch (c.type) {
    case fb::Command::UpdateProfile:
      return DecideUpdate(s, cmd, *c.AsUpdateProfile());
    case fb::Command::SetUsername:
      return DecideUsername(s, cmd, *c.AsSetUsername());
    case fb::Command::ChangeMembership:
      return DecideMembership(s, cmd, *c.AsChangeMembership(), lim);
    case fb::Command::SetChallenge:
      return DecideChallenge(s, cmd, *c.AsSetChallenge(), lim);
    default:
      return Invalid("command.context", "command", "is not a profile command");
  }
}

bool IsProfileEvent(fb::Event type) {
  switch (type) {
    case fb::Event::UserProfileChanged:
    case fb::Event::UsernameChanged:
    case fb::Event::MembershipChanged:
    case fb::Event::ChallengeSet:
    case fb::Event::UnlockAdvised:
      return true;
    default:
      return false;
  }
}

Status FoldProfile(fb::PortalSnapshotT& s, const fb::EventUnion& e) {
  if (!s.user) {
    return DataLossError(std::string(fb::EnumNameEvent(e.type)) + " before UserCreated");
  }
  fb::UserCreatedT& u = *s.user;
  switch (e.type) {
    case fb::Event::UserProfileChanged:
      u.name = e.AsUserProfileChanged()->name;
      u.phone = e.AsUserProfileChanged()->phone;
      break;
    case fb::Event::UsernameChanged:
      u.username = e.AsUsernameChanged()->username;
      break;
    case fb::Event::MembershipChanged: {
      const auto* m = e.AsMembershipChanged();
      std::erase(u.account_ids, m->account_id);
      if (m->added) {
        u.account_ids.push_back(m->account_id);
        std::sort(u.account_ids.begin(), u.account_ids.end());
      }
      break;
    }
    case fb::Event::ChallengeSet:
      if (!s.security) s.security = std::make_unique<fb::UserSecurityT>();
      s.security->challenge_question = e.AsChallengeSet()->question_id;
      break;
    case fb::Event::UnlockAdvised:
      break;
    default:
      return DataLossError(std::string(fb::EnumNameEvent(e.type)) + " is not a profile event");
  }
  return Status::Ok();
}

}  // namespace docket::aggregates
