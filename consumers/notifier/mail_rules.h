// The seam between the notifier (consumers/notifier/notifier.h) and a
// context: which mails an event causes. Each context that mails has its
// rules in its own folder (consumers/<context>/) and registers them in the
// composition root; the notifier knows no context by name.
#ifndef DOCKET_CONSUMERS_NOTIFIER_MAIL_RULES_H_
#define DOCKET_CONSUMERS_NOTIFIER_MAIL_RULES_H_

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "schemas/envelope_generated.h"

namespace docket::notifier {

// One mail to send. The notifier identifies it by (event id, recipient):
// that pair is its Message-ID, and it is queued once and sent once.
struct MailIntent {
  // A user id (the notifier looks up the address when it sends, so a mail
  // queued before the user's read model row exists still finds it), or an
  // e-mail address.
  std::string recipient;
  std::string template_name;  // consumers/notifier/templates.h
  // The template's variables. A "link_command" member (a command id) makes
  // the notifier add "link": the single-use link that command issued to the
  // recipient (aggregates::LinkToken), built only when the mail is sent.
  nlohmann::json vars = nlohmann::json::object();
  // Never to the user who caused the event (a user id, or empty): checked
  // against the recipient's address when it is sent.
  std::string skip_user_id;
};

// What rules remember between events (e.g. a case's watchers), stored with
// the notifier's offsets, so it is exactly as old as what was consumed.
class RuleState {
 public:
  virtual ~RuleState() = default;
  virtual Result<std::optional<std::string>> Get(const std::string& key) = 0;
  virtual void Put(const std::string& key, const std::string& value) = 0;
};

class MailRules {
 public:
  virtual ~MailRules() = default;
  // The context whose events topic the notifier reads for these rules.
  virtual std::string_view context() const = 0;
  // The mails `event` causes (often none). May read and write `state` (keys
  // are the rules' own). Pure otherwise: no clock, no I/O. kDataLoss for a
  // state row that does not parse.
  virtual Result<std::vector<MailIntent>> Mails(const fb::EventEnvelopeT& event,
                                                RuleState& state) const = 0;
};

}  // namespace docket::notifier

#endif  // DOCKET_CONSUMERS_NOTIFIER_MAIL_RULES_H_
