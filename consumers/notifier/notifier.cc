#include "consumers/notifier/notifier.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "common/hash.h"
#include "common/log.h"
#include "common/text.h"
#include "events/codec.h"

namespace docket::notifier {
namespace {

namespace fs = std::filesystem;

spdlog::logger* Log() {
  static std::shared_ptr<spdlog::logger> l = ModuleLogger("notifier");
  return l.get();
}

std::string Domain(const std::string& address) {
  const size_t at = address.rfind('@');
  return at == std::string::npos ? "docket.localhost" : address.substr(at + 1);
}

}  // namespace

Status NotifierOptions::Validate() const {
  if (dir.empty()) return InvalidArgumentError("notifier: the store directory is required");
  if (templates_dir.empty()) return InvalidArgumentError("notifier: the templates are required");
  if (public_base_url.rfind("http://", 0) != 0 && public_base_url.rfind("https://", 0) != 0) {
    return InvalidArgumentError("notifier: public-base-url must start with http:// or https://");
  }
  if (retry_min.count() <= 0 || retry_max < retry_min || unknown_recipient_attempts <= 0) {
    return InvalidArgumentError("notifier: retry bounds must be > 0 and min <= max");
  }
  return smtp.Validate();
}

std::string Notifier::RetryRequestDir(const std::string& store_dir) {
  return store_dir + "-retry";
}

Notifier::Notifier(NotifierOptions options, std::vector<const MailRules*> rules,
                   Directory directory, LinkMaker link_maker, const Clock& clock)
    : options_(std::move(options)),
      rules_(std::move(rules)),
      directory_(std::move(directory)),
      link_maker_(std::move(link_maker)),
      clock_(clock) {}

Notifier::~Notifier() { Stop(); }

void Notifier::Stop() {
  stop_ = true;
  wake_.notify_all();
  if (consumer_) consumer_->Wake();
  if (consumer_thread_.joinable()) consumer_thread_.join();
  if (sender_thread_.joinable()) sender_thread_.join();
}

Status Notifier::Start() {
  DOCKET_RETURN_IF_ERROR(options_.Validate());
  DOCKET_ASSIGN_OR_RETURN(Templates t, Templates::Load(options_.templates_dir));
  templates_ = std::move(t);
  std::error_code ec;
  fs::create_directories(RetryRequestDir(options_.dir), ec);
  DOCKET_ASSIGN_OR_RETURN(outbox_, Outbox::Open(options_.dir));
  kafka::Consumer::Options co;
  co.kafka = options_.kafka;
  co.kafka.client_id = "docket-notifier";
  co.fetch_wait_max_ms = kafka::Consumer::Options::kLongLivedFetchWaitMs;
  DOCKET_ASSIGN_OR_RETURN(consumer_, kafka::Consumer::Create(co));
  DOCKET_RETURN_IF_ERROR(Position());
  consumer_thread_ = std::thread([this] { Consume(); });
  sender_thread_ = std::thread([this] { SendLoop(); });
  return Status::Ok();
}

// Every partition of every rules' topic, from the stored offset; a fresh
// store's start (the end) is stored before anything is read.
Status Notifier::Position() {
  std::vector<kafka::TopicPartitionOffset> assignment;
  Outbox::Batch fresh(outbox_.get());
  bool any_fresh = false;
  for (const MailRules* r : rules_) {
    const std::string topic = options_.layout.EventsTopic(std::string(r->context()));
    DOCKET_ASSIGN_OR_RETURN(std::vector<int32_t> parts, consumer_->Partitions(topic));
    for (int32_t p : parts) {
      DOCKET_ASSIGN_OR_RETURN(std::optional<int64_t> at, outbox_->Offset(topic, p));
      if (!at) {
        DOCKET_ASSIGN_OR_RETURN(auto wm, consumer_->Watermarks(topic, p));
        at = wm.second;
        fresh.SetOffset(topic, p, *at);
        any_fresh = true;
      }
      assignment.push_back({topic, p, *at});
    }
  }
  if (any_fresh) DOCKET_RETURN_IF_ERROR(outbox_->Commit(fresh));
  return consumer_->Assign(assignment);
}

void Notifier::Consume() {
  while (!stop_) {
    Status s = ConsumeOnce();
    if (!s.ok()) {
      Log()->warn("notifier: {}; retrying in 1 s", s.ToString());
      std::unique_lock<std::mutex> lock(wake_mu_);
      wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_.load(); });
    }
  }
}

Status Notifier::ConsumeOnce() {
  DOCKET_ASSIGN_OR_RETURN(kafka::PollBatch polled,
                          consumer_->Poll(500, std::chrono::milliseconds(500)));
  if (polled.messages.empty()) return Status::Ok();
  Outbox::Batch batch(outbox_.get());
  const int64_t now = clock_.NowMicros();
  for (const kafka::Message& m : polled.messages) {
    batch.SetOffset(m.topic, m.partition, m.offset + 1);
    Result<fb::EventEnvelopeT> e = events::DecodeEvent(m.value);
    if (!e.ok()) {
      // The projections park it; there is nothing to mail about.
      ++stats_.unreadable;
      Log()->error("notifier: {}/{}@{} is not an event: {}", m.topic, m.partition, m.offset,
                   e.status().ToString());
      continue;
    }
    for (const MailRules* r : rules_) {
      if (options_.layout.EventsTopic(std::string(r->context())) != m.topic) continue;
      DOCKET_ASSIGN_OR_RETURN(std::vector<MailIntent> mails, r->Mails(*e, batch));
      for (const MailIntent& mail : mails) {
        DOCKET_RETURN_IF_ERROR(batch.Queue(e->event_id, mail, now));
      }
    }
  }
  // A failed commit stores nothing: the same records are read again.
  Status committed = outbox_->Commit(batch);
  if (!committed.ok()) {
    DOCKET_RETURN_IF_ERROR(Position());
    return committed;
  }
  stats_.queued += batch.queued();
  if (batch.queued() > 0) {
    {
      std::lock_guard<std::mutex> lock(wake_mu_);
      mail_queued_ = true;
    }
    wake_.notify_all();
  }
  return Status::Ok();
}

int64_t Notifier::Backoff(int attempts) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const double base = std::min<double>(options_.retry_max.count(),
                                       options_.retry_min.count() * std::pow(2.0, attempts - 1));
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return static_cast<int64_t>(base * jitter(rng) * 1000);  // µs
}

void Notifier::SendLoop() {
  SmtpSender smtp(options_.smtp);
  while (!stop_) {
    HandleRetryRequests();
    Result<std::vector<Pending>> due = outbox_->Due(clock_.NowMicros(), 50);
    if (!due.ok()) Log()->error("notifier: {}", due.status().ToString());
    if (due.ok()) {
      for (Pending& p : *due) {
        if (stop_) break;
        Deliver(std::move(p), smtp);
      }
    }
    if (due.ok() && due->size() == 50) continue;
    // New mail wakes the sender at once; the wait only spaces out the looks
    // for retries that came due (seconds apart: retry_min) and for retry
    // requests (docketctl mail retry).
    std::unique_lock<std::mutex> lock(wake_mu_);
    wake_.wait_for(lock, std::chrono::seconds(1),
                   [this] { return stop_.load() || mail_queued_; });
    mail_queued_ = false;
  }
}

void Notifier::Deliver(Pending p, SmtpSender& smtp) {
  const int64_t now = clock_.NowMicros();
  auto retry = [&](const std::string& why) {
    ++p.attempts;
    p.last_error = why;
    p.next_us = now + Backoff(p.attempts);
    ++stats_.retried;
    if (Status s = outbox_->MarkRetry(p); !s.ok()) Log()->error("notifier: {}", s.ToString());
  };
  auto fail = [&](const std::string& why) {
    ++p.attempts;
    p.last_error = why;
    ++stats_.failed;
    Log()->error("notifier: mail {} for event {} refused for good: {}", p.intent.template_name,
                 p.event_id, why);
    if (Status s = outbox_->MarkFailed(p); !s.ok()) Log()->error("notifier: {}", s.ToString());
  };
  const MailIntent& mail = p.intent;
  Recipient to{mail.recipient, mail.recipient};
  const bool is_user = mail.recipient.find('@') == std::string::npos;
  if (is_user) {
    Result<std::optional<Recipient>> r = directory_(mail.recipient);
    if (!r.ok()) return retry(r.status().ToString());
    if (!*r) {
      if (p.attempts + 1 >= options_.unknown_recipient_attempts) {
        return fail("unknown user " + mail.recipient);
      }
      return retry("user " + mail.recipient + " not in the read model yet");
    }
    to = **r;
  }
  if (!mail.skip_user_id.empty()) {
    Result<std::optional<Recipient>> actor = directory_(mail.skip_user_id);
    if (!actor.ok()) return retry(actor.status().ToString());
    if (*actor && Lower((*actor)->email) == Lower(to.email)) {
      ++stats_.skipped;  // never to the user who caused it
      if (Status s = outbox_->MarkSent(p, now); !s.ok()) Log()->error("{}", s.ToString());
      return;
    }
  }
  nlohmann::json vars = mail.vars;
  vars["recipient_name"] = to.name;
  vars["recipient_email"] = to.email;
  vars["portal_url"] = options_.public_base_url;
  if (vars.contains("link_command") && is_user) {
    const std::string token =
        link_maker_(mail.recipient, vars["link_command"].get<std::string>());
    vars["link"] = options_.public_base_url + vars.value("link_path", std::string("/")) +
                   "#token=" + token;
  }
  Result<Rendered> r = templates_->Render(mail.template_name, vars);
  if (!r.ok()) return fail(r.status().ToString());
  Message m;
  m.to = to.email;
  m.message_id = Sha256Hex(p.key).substr(0, 40) + "@" + Domain(options_.smtp.from_address);
  m.subject = r->subject;
  m.text = r->text;
  m.html = r->html;
  m.date_us = now;
  Status sent = smtp.Send(m);
  if (sent.ok()) {
    ++stats_.sent;
    if (Status s = outbox_->MarkSent(p, clock_.NowMicros()); !s.ok()) {
      Log()->error("notifier: {}", s.ToString());
    }
    return;
  }
  if (sent.code() == StatusCode::kUnavailable) return retry(sent.message());
  fail(sent.message());
}

// `docketctl notifications retry` drops one file per key (its SHA-256 as the
// name, the key inside) into the retry directory.
void Notifier::HandleRetryRequests() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(RetryRequestDir(options_.dir), ec)) {
    std::ifstream in(e.path());
    std::string key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Status s = outbox_->Retry(key, clock_.NowMicros());
    if (!s.ok() && s.code() != StatusCode::kNotFound) {
      Log()->warn("notifier: retry of a refused mail: {}", s.ToString());
      continue;
    }
    fs::remove(e.path(), ec);
  }
}

std::string Notifier::MetricsText() const {
  std::string t;
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    t += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
         " " + std::to_string(v) + "\n";
  };
  counter("docket_mail_queued_total", "Mails queued by the notifier.", stats_.queued);
  counter("docket_mail_sent_total", "Mails the SMTP server accepted.", stats_.sent);
  counter("docket_mail_skipped_total", "Mails not sent: the recipient caused the event.",
          stats_.skipped);
  counter("docket_mail_retries_total", "Sends refused for now (tried again later).",
          stats_.retried);
  counter("docket_mail_failed_total",
          "Mails refused for good (docketctl notifications list|retry).", stats_.failed);
  if (outbox_) {
    Result<size_t> pending = outbox_->PendingCount();
    if (pending.ok()) {
      t += "# HELP docket_mail_pending Mails waiting to be sent.\n# TYPE docket_mail_pending "
           "gauge\ndocket_mail_pending " + std::to_string(*pending) + "\n";
    }
  }
  return t;
}

}  // namespace docket::notifier
