#include "consumers/identity/identity_mails.h"

#include "common/time_format.h"

namespace docket::notifier {
namespace {

using nlohmann::json;

// The link mail of a TokenIssued, by purpose.
struct LinkMail {
  const char* purpose;
  const char* template_name;
  const char* path;  // the portal page that takes the link
};
constexpr LinkMail kLinkMails[] = {
    {"reset", "password_reset", "/reset-password"},
    {"activation", "invitation", "/activate"},
    {"unlock", "unlock_link", "/unlock"},
};

const char* RequestWhat(const std::string& kind) {
  return kind == "recovery" ? "request for help signing in" : "request for portal access";
}

std::string RequestKey(const std::string& id) { return "access/" + id; }

}  // namespace

Result<std::vector<MailIntent>> IdentityMails::Mails(const fb::EventEnvelopeT& e,
                                                     RuleState& state) const {
  MailIntent m;
  m.recipient = e.aggregate_id;
  switch (e.event.type) {
    case fb::Event::TokenIssued: {
      const auto* t = e.event.AsTokenIssued();
      const LinkMail* mail = nullptr;
      for (const LinkMail& l : kLinkMails) {
        if (t->purpose == l.purpose) mail = &l;
      }
      if (!mail) return std::vector<MailIntent>{};
      m.template_name = mail->template_name;
      m.vars = {{"link_command", e.command_id},
                {"link_path", mail->path},
                {"expires_at", FormatMicros(t->expires_at_us)}};
      break;
    }
    case fb::Event::UnlockAdvised:
      m.template_name = "unlock_use_reset";
      break;
    case fb::Event::UserLocked:
      m.template_name = "account_locked";
      break;
    case fb::Event::PasswordSet: {
      const std::string& purpose = e.event.AsPasswordSet()->purpose;
      if (purpose == "activation") return std::vector<MailIntent>{};  // they chose it just now
      m.template_name = "password_changed";
      m.vars = {{"how", purpose == "reset" ? "with a link from a forgotten-password e-mail"
                                           : "in My Account"},
                {"changed_at", FormatMicros(e.occurred_at_us)}};
      break;
    }
    case fb::Event::AccessRequested: {
      // The requester is not a user (yet): the mail goes to the address
      // given, and the decision's mail finds it here.
      const auto* a = e.event.AsAccessRequested();
      const json who = {{"email", a->email}, {"name", a->name}, {"kind", a->kind}};
      state.Put(RequestKey(a->request_id), who.dump());
      m.recipient = a->email;
      m.template_name = "access_request_received";
      m.vars = {{"name", a->name},
                {"request_id", a->request_id},
                {"request_what", RequestWhat(a->kind)}};
      break;
    }
    case fb::Event::AccessRequestDecided: {
      const auto* d = e.event.AsAccessRequestDecided();
      DOCKET_ASSIGN_OR_RETURN(std::optional<std::string> row, state.Get(RequestKey(e.aggregate_id)));
      if (!row) return std::vector<MailIntent>{};  // requested before the notifier started
      const json who = json::parse(*row, nullptr, false);
      if (!who.is_object() || !who.contains("email") || !who["email"].is_string()) {
        return DataLossError("identity mails: stored access request " + e.aggregate_id +
                             " does not parse");
      }
      const std::string kind = who.value("kind", "access");
      m.recipient = who["email"].get<std::string>();
      m.template_name = d->approved ? "access_request_approved" : "access_request_rejected";
      m.vars = {{"name", who.value("name", "")},
                {"request_id", e.aggregate_id},
                {"request_what", RequestWhat(kind)},
                {"reason", d->reason}};
      if (d->approved) {
        m.vars["next_step"] = kind == "access"
                                  ? "An e-mail with a link to activate your account follows."
                                  : "Our staff will contact you.";
      }
      break;
    }
    default:
      return std::vector<MailIntent>{};
  }
  return std::vector<MailIntent>{std::move(m)};
}

}  // namespace docket::notifier
