// The cases context's mails (consumers/notifier/mail_rules.h): to the
// case's opener and every watcher, never to the user who acted (checked
// when sent), never for an internal note.
//
//   CommentAdded                 case_comment     the comment
//   AttachmentAdded              case_attachment  the file name
//   CaseAccepted, InformationRequested, ResolutionAccepted,
//   ResolutionRejected, CaseClosed, CaseReopened
//                                case_state       the new state
//   CaseResolved                 case_resolved    the resolution
//   CaseCancelled                case_cancelled   the reason
//   WatcherAdded / WatcherRemoved  watcher_added / watcher_removed, to
//                                the watcher only
//
// State (RuleState "case/<number>"): number, subject, opener, watchers,
// folded from the events in order.
//
// Pure, thread-safe.
#ifndef DOCKET_CONSUMERS_CASES_CASE_MAILS_H_
#define DOCKET_CONSUMERS_CASES_CASE_MAILS_H_

#include "consumers/notifier/mail_rules.h"

namespace docket::notifier {

class CaseMails final : public MailRules {
 public:
  std::string_view context() const override { return "cases"; }
  Result<std::vector<MailIntent>> Mails(const fb::EventEnvelopeT& event,
                                        RuleState& state) const override;
};

}  // namespace docket::notifier

#endif  // DOCKET_CONSUMERS_CASES_CASE_MAILS_H_
