// The chat context's mails (consumers/notifier/mail_rules.h): the
// transcript, to the conversation's customer, when they ask for it.
//
//   ChatTranscriptRequested   chat_transcript   the transcript so far
//
// State (RuleState "chat/<id>"): the customer and the topic, and the
// transcript's lines (messages, who joined, transfers, the end), folded
// from the events in order; at most kMaxTranscriptChars characters, then
// "…" (the portal shows the whole conversation).
//
// Pure, thread-safe.
#ifndef DOCKET_CONSUMERS_CHAT_CHAT_MAILS_H_
#define DOCKET_CONSUMERS_CHAT_CHAT_MAILS_H_

#include "consumers/notifier/mail_rules.h"

namespace docket::notifier {

class ChatMails final : public MailRules {
 public:
  static constexpr size_t kMaxTranscriptChars = 20'000;

  std::string_view context() const override { return "chat"; }
  Result<std::vector<MailIntent>> Mails(const fb::EventEnvelopeT& event,
                                        RuleState& state) const override;
};

}  // namespace docket::notifier

#endif  // DOCKET_CONSUMERS_CHAT_CHAT_MAILS_H_
