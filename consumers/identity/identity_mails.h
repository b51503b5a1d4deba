// The identity context's mails (consumers/notifier/mail_rules.h), to the
// user the event is about:
//
//   TokenIssued "reset"   password_reset   the single-use link (built when
//                                          sent: only its digest is on the log)
//   UserLocked            account_locked   how to get back in
//   PasswordSet           password_changed "change" or "reset"
//
// Pure, stateless, thread-safe.
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
