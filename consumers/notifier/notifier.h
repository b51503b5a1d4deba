// Notifier: the role of docketd that sends e-mail (docs/notifications.md).
//
// Two threads. The consumer reads the events topic of every context that has
// MailRules (read_committed), asks the rules which mails each event causes,
// and writes those mails, the rules' state and the offsets in one batch
// (Outbox). The sender takes the mails that are due, looks up each
// recipient's address (Directory), renders its template, and sends it over
// SMTP with Message-ID <sha256(event id|recipient)@from-domain>:
//
//   - sent: recorded at once ("effectively once": a crash between the SMTP
//     server's 250 and that record -- milliseconds -- sends the same mail,
//     same Message-ID, again; nothing else can);
//   - refused for now (no connection, 4xx, recipient not in the read model
//     yet): tried again after a backoff with jitter (1 s doubling to 5 min),
//     never dropped;
//   - refused for good (5xx, a template error, a recipient never found):
//     kept as failed, counted, listed and re-queued by `docketctl
//     notifications list|retry`.
//
// A fresh store starts at the end of every partition: a notifier never
// mails about the past. Rebuilding read models does not touch it, so a
// rebuild sends nothing. Run one notifier per deployment.
//
// Thread-safe: Start once, then stats() from any thread; Stop joins.
#ifndef DOCKET_CONSUMERS_NOTIFIER_NOTIFIER_H_
#define DOCKET_CONSUMERS_NOTIFIER_NOTIFIER_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "consumers/notifier/mail_rules.h"
#include "consumers/notifier/outbox.h"
#include "consumers/notifier/smtp.h"
#include "consumers/notifier/templates.h"
#include "events/kafka.h"
#include "events/topics.h"

namespace docket::notifier {

struct NotifierOptions {
  kafka::KafkaOptions kafka;
  events::TopicLayout layout;
  std::string dir;            // the store, e.g. <data-dir>/notifier
  std::string templates_dir;  // config/mail
  // Links in mails start with this, e.g. "https://portal.example.com"
  // (never taken from a request's Host).
  std::string public_base_url = "http://127.0.0.1:8080";
  SmtpOptions smtp;
  std::chrono::milliseconds retry_min{1000};
  std::chrono::milliseconds retry_max{300'000};
  // A recipient user the read model does not know after this many tries is
  // a permanent failure.
  int unknown_recipient_attempts = 20;
  Status Validate() const;
};

struct Recipient {
  std::string email;
  std::string name;
};

class Notifier {
 public:
  // A user's address and name; nullopt when the user is unknown (yet).
  using Directory = std::function<Result<std::optional<Recipient>>(const std::string& user_id)>;

  struct Stats {
    std::atomic<uint64_t> queued{0};
    std::atomic<uint64_t> sent{0};
    std::atomic<uint64_t> skipped{0};   // to the actor themselves
    std::atomic<uint64_t> retried{0};   // transient failures
    std::atomic<uint64_t> failed{0};    // permanent failures
    std::atomic<uint64_t> unreadable{0};  // records that are not events
  };

  // The token of the single-use link that command `command_id` issued to
  // `user_id` (MailIntent::vars "link_command"); the identity context's
  // (aggregates::LinkToken).
  using LinkMaker =
      std::function<std::string(const std::string& user_id, const std::string& command_id)>;

  // `rules` must outlive the notifier. A recipient with an '@' is an
  // address; any other is a user id for `directory`.
  Notifier(NotifierOptions options, std::vector<const MailRules*> rules, Directory directory,
           LinkMaker link_maker, const Clock& clock);
  ~Notifier();

  // Opens the store and templates, positions every partition (storing a
  // fresh store's start at once), starts both threads.
  Status Start();
  void Stop();
  const Stats& stats() const { return stats_; }
  // Prometheus text for /metrics.
  std::string MetricsText() const;
  // The directory `docketctl notifications retry` drops requests in.
  static std::string RetryRequestDir(const std::string& store_dir);

 private:
  Status Position();
  void Consume();
  Status ConsumeOnce();
  void SendLoop();
  void Deliver(Pending p, SmtpSender& smtp);
  void HandleRetryRequests();
  int64_t Backoff(int attempts);

  NotifierOptions options_;
  std::vector<const MailRules*> rules_;
  Directory directory_;
  LinkMaker link_maker_;
  const Clock& clock_;
  std::unique_ptr<Outbox> outbox_;
  std::optional<Templates> templates_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::atomic<bool> stop_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool mail_queued_ = false;  // guarded by wake_mu_: the sender has work
  std::thread consumer_thread_;
  std::thread sender_thread_;
  Stats stats_;
};

}  // namespace docket::notifier

#endif  // DOCKET_CONSUMERS_NOTIFIER_NOTIFIER_H_
