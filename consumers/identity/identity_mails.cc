#include "consumers/identity/identity_mails.h"

#include "common/time_format.h"

namespace docket::notifier {

Result<std::vector<MailIntent>> IdentityMails::Mails(const fb::EventEnvelopeT& e,
                                                     RuleState&) const {
  MailIntent m;
  m.recipient = e.aggregate_id;
  switch (e.event.type) {
    case fb::Event::TokenIssued: {
      const auto* t = e.event.AsTokenIssued();
      if (t->purpose != "reset") return std::vector<MailIntent>{};
      m.template_name = "password_reset";
      m.vars = {{"link_command", e.command_id},
                {"link_path", "/reset-password"},
                {"expires_at", FormatMicros(t->expires_at_us)}};
      break;
    }
    case fb::Event::UserLocked:
      m.template_name = "account_locked";
      break;
    case fb::Event::PasswordSet:
      m.template_name = "password_changed";
      m.vars = {{"how", e.event.AsPasswordSet()->purpose == "reset"
                            ? "with a link from a forgotten-password e-mail"
                            : "in My Account"},
                {"changed_at", FormatMicros(e.occurred_at_us)}};
      break;
    default:
      return std::vector<MailIntent>{};
  }
  return std::vector<MailIntent>{std::move(m)};
}

}  // namespace docket::notifier
