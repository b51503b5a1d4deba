#include "consumers/notifier/smtp.h"

#include <curl/curl.h>

#include <cstring>
#include <ctime>
#include <memory>

#include "common/hash.h"

namespace docket::notifier {
namespace {

// A body as base64 in lines of 76 (RFC 2045).
std::string Base64Lines(const std::string& s) {
  const std::string b = Base64(s);
  std::string out;
  for (size_t i = 0; i < b.size(); i += 76) out += b.substr(i, 76) + "\r\n";
  return out;
}

// A header value that may hold any UTF-8 (RFC 2047 encoded-word).
std::string EncodedWord(const std::string& s) {
  bool plain = true;
  for (unsigned char c : s) plain = plain && c >= 32 && c < 127;
  return plain ? s : "=?UTF-8?B?" + Base64(s) + "?=";
}

// No CR or LF may reach a header: a value cannot add headers.
std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return s;
}

std::string RfcDate(int64_t us) {
  const std::time_t t = static_cast<std::time_t>(us / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

struct Upload {
  const std::string* data;
  size_t at = 0;
};

size_t ReadPayload(char* out, size_t size, size_t n, void* p) {
  auto* u = static_cast<Upload*>(p);
  const size_t len = std::min(size * n, u->data->size() - u->at);
  std::memcpy(out, u->data->data() + u->at, len);
  u->at += len;
  return len;
}

struct CurlFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

Status SmtpOptions::Validate() const {
  if (host.empty() || port <= 0 || port > 65535) {
    return InvalidArgumentError("smtp: host and a port 1..65535 are required");
  }
  if (security != "none" && security != "starttls" && security != "tls") {
    return InvalidArgumentError("smtp: security must be none, starttls or tls");
  }
  if (from_address.find('@') == std::string::npos) {
    return InvalidArgumentError("smtp: the from address must be an e-mail address");
  }
  if (timeout.count() <= 0) return InvalidArgumentError("smtp: the timeout must be > 0");
  return Status::Ok();
}

std::string Compose(const Message& m, const SmtpOptions& o) {
  const std::string boundary = "=_docket_" + Sha256Hex(m.message_id).substr(0, 24);
  std::string s;
  s += "Date: " + RfcDate(m.date_us) + "\r\n";
  s += "From: " + EncodedWord(OneLine(o.from_name)) + " <" + OneLine(o.from_address) + ">\r\n";
  s += "To: <" + OneLine(m.to) + ">\r\n";
  s += "Message-ID: <" + OneLine(m.message_id) + ">\r\n";
  s += "Subject: " + EncodedWord(OneLine(m.subject)) + "\r\n";
  s += "MIME-Version: 1.0\r\n";
  s += "Auto-Submitted: auto-generated\r\n";
  s += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n\r\n";
  for (const auto& [type, body] : {std::pair<const char*, const std::string*>{"plain", &m.text},
                                   {"html", &m.html}}) {
    s += "--" + boundary + "\r\n";
    s += std::string("Content-Type: text/") + type + "; charset=UTF-8\r\n";
    s += "Content-Transfer-Encoding: base64\r\n\r\n";
    s += Base64Lines(*body);
  }
  s += "--" + boundary + "--\r\n";
  return s;
}

SmtpSender::SmtpSender(SmtpOptions options) : options_(std::move(options)) {}

SmtpSender::~SmtpSender() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

Status SmtpSender::Send(const Message& m) {
  // No line break, space or bracket: an address cannot add SMTP commands.
  if (m.to.find('@') == std::string::npos ||
      m.to.find_first_of(" \t\r\n<>") != std::string::npos) {
    return InvalidArgumentError("smtp: '" + m.to.substr(0, 64) + "' is not one address");
  }
  if (!curl_) curl_ = curl_easy_init();
  if (!curl_) return UnavailableError("smtp: curl_easy_init failed");
  const std::string payload = Compose(m, options_);
  const std::string scheme = options_.security == "tls" ? "smtps://" : "smtp://";
  const std::string url = scheme + options_.host + ":" + std::to_string(options_.port);
  const std::string from = "<" + options_.from_address + ">";
  std::unique_ptr<curl_slist, CurlFree> rcpt(curl_slist_append(nullptr, ("<" + m.to + ">").c_str()));
  Upload upload{&payload};
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadPayload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  if (options_.security == "starttls") curl_easy_setopt(c, CURLOPT_USE_SSL, CURLUSESSL_ALL);
  if (!options_.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, options_.password.c_str());
  }
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);  // the list dies here
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  if (rc == CURLE_OK) return Status::Ok();
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  // After a failure, start the next message on a fresh connection.
  curl_easy_cleanup(c);
  curl_ = nullptr;
  const std::string why = "smtp " + options_.host + ":" + std::to_string(options_.port) + ": " +
                          (error[0] ? error : curl_easy_strerror(rc)) +
                          (reply ? " (reply " + std::to_string(reply) + ")" : "");
  if (reply >= 500 && reply < 600) return FailedPreconditionError(why);
  return UnavailableError(why);
}

}  // namespace docket::notifier
