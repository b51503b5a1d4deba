#include "consumers/notifier/smtp.h"

#include <gtest/gtest.h>

namespace docket::notifier {
namespace {

TEST(SmtpTest, ComposeMakesOneMultipartMessageWithItsIdAndNoInjectedHeaders) {
  Message m;
  m.to = "ann@example.com\r\nBcc: evil@example.com";
  m.message_id = "abc@docket.localhost";
  m.subject = "Case CS1 — update\r\nX-Evil: 1";
  m.text = "Hello";
  m.html = "<p>Hello</p>";
  m.date_us = 1'795'000'000'000'000;
  const std::string s = Compose(m, SmtpOptions{});
  EXPECT_NE(s.find("Message-ID: <abc@docket.localhost>\r\n"), std::string::npos);
  EXPECT_NE(s.find("From: Docket Support <portal@docket.localhost>\r\n"), std::string::npos);
  EXPECT_NE(s.find("Subject: =?UTF-8?B?"), std::string::npos);  // not ASCII: encoded
  EXPECT_EQ(s.find("\r\nBcc:"), std::string::npos);
  EXPECT_EQ(s.find("\r\nX-Evil:"), std::string::npos);
  EXPECT_NE(s.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(s.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
  EXPECT_NE(s.find("SGVsbG8="), std::string::npos);  // "Hello", base64
}

TEST(SmtpTest, OptionsAreChecked) {
  SmtpOptions o;
  EXPECT_TRUE(o.Validate().ok());
  o.security = "ssl";
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
  o = SmtpOptions{};
  o.from_address = "nobody";
  EXPECT_EQ(o.Validate().code(), StatusCode::kInvalidArgument);
}

TEST(SmtpTest, NoServerIsARetryNotAFailure) {
  SmtpOptions o;
  o.port = 1;  // nothing listens there
  o.timeout = std::chrono::milliseconds(2000);
  Message m;
  m.to = "ann@example.com";
  m.message_id = "x@y";
  EXPECT_EQ(SmtpSender(o).Send(m).code(), StatusCode::kUnavailable);
  for (const char* bad : {"", "ann", "ann@example.com\r\nRCPT TO:<x@y>", "a b@c"}) {
    m.to = bad;
    EXPECT_EQ(SmtpSender(o).Send(m).code(), StatusCode::kInvalidArgument) << bad;
  }
}

}  // namespace
}  // namespace docket::notifier
