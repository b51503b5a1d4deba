// SmtpSender: sends one message over SMTP with libcurl (plain, STARTTLS or
// implicit TLS; optional credentials).
//
// Errors say what to do next:
//   kFailedPrecondition  the server refused for good (a 5xx reply, e.g. an
//                        unknown recipient): retrying cannot help;
//   kUnavailable         anything else (no connection, a timeout, a 4xx
//                        reply): retry later;
//   kInvalidArgument     a message that cannot be sent (the recipient is not
//                        one address).
//
// Thread-compatible: one sender per thread.
#ifndef DOCKET_CONSUMERS_NOTIFIER_SMTP_H_
#define DOCKET_CONSUMERS_NOTIFIER_SMTP_H_

#include <chrono>
#include <string>

#include "common/status.h"

namespace docket::notifier {

struct SmtpOptions {
  std::string host = "127.0.0.1";
  int port = 2525;
  // "none", "starttls" (required), or "tls" (implicit, smtps://).
  std::string security = "none";
  std::string username;  // empty: no AUTH
  std::string password;  // never logged
  std::string from_address = "portal@docket.localhost";
  std::string from_name = "Docket Support";
  std::chrono::milliseconds timeout{10000};
  // kInvalidArgument naming the bad setting.
  Status Validate() const;
};

struct Message {
  std::string to;          // one address
  std::string message_id;  // without the angle brackets
  std::string subject;
  std::string text;        // the plain-text part
  std::string html;        // the HTML part
  int64_t date_us = 0;
};

// The whole RFC 5322 message (multipart/alternative, UTF-8, base64 bodies,
// an RFC 2047 subject). Pure.
std::string Compose(const Message& m, const SmtpOptions& options);

// Keeps its connection open between messages (no QUIT and new handshake
// per mail), so a message's 250 is the last thing Send waits for.
class SmtpSender {
 public:
  explicit SmtpSender(SmtpOptions options);
  ~SmtpSender();
  SmtpSender(const SmtpSender&) = delete;
  SmtpSender& operator=(const SmtpSender&) = delete;
  Status Send(const Message& m);

 private:
  SmtpOptions options_;
  void* curl_ = nullptr;  // CURL*, made on first use, kept while it works
};

}  // namespace docket::notifier

#endif  // DOCKET_CONSUMERS_NOTIFIER_SMTP_H_
