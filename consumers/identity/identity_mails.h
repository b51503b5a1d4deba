// The identity context's mails (consumers/notifier/mail_rules.h), to the
// user the event is about:
//
//   TokenIssued "reset"      password_reset   the single-use link (built
//   TokenIssued "activation" invitation       when sent: only its digest is
//   TokenIssued "unlock"     unlock_link      on the log)
//   UnlockAdvised            unlock_use_reset no challenge question: reset
//   UserLocked               account_locked   how to get back in
//   PasswordSet              password_changed "change" or "reset"
//
// and to the address an access request gave (remembered in the rule state
// under "access/<request id>" for the decision):
//
//   AccessRequested          access_request_received
//   AccessRequestDecided     access_request_approved or _rejected
//
// Pure (state only through RuleState), thread-safe.
#ifndef DOCKET_CONSUMERS_IDENTITY_IDENTITY_MAILS_H_
#define DOCKET_CONSUMERS_IDENTITY_IDENTITY_MAILS_H_

#include "consumers/notifier/mail_rules.h"

namespace docket::notifier {

class IdentityMails final : public MailRules {
 public:
  std::string_view context() const override { return "identity"; }
  Result<std::vector<MailIntent>> Mails(const fb::EventEnvelopeT& event,
                                        RuleState& state) const override;
};

}  // namespace docket::notifier

#endif  // DOCKET_CONSUMERS_IDENTITY_IDENTITY_MAILS_H_
