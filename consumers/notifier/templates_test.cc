#include "consumers/notifier/templates.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace docket::notifier {
namespace {

TEST(TemplatesTest, VariablesAreReplacedAndEscapedInHtml) {
  nlohmann::json vars = {{"name", "Ann <ann@example.com>"}, {"n", 3}};
  EXPECT_EQ(*Substitute("Hi {{name}}, {{ n }} new", vars, false),
            "Hi Ann <ann@example.com>, 3 new");
  EXPECT_EQ(*Substitute("<p>{{name}}</p>", vars, true), "<p>Ann &lt;ann@example.com&gt;</p>");
  EXPECT_EQ(*Substitute("no vars {{", vars, false), "no vars {{");
}

TEST(TemplatesTest, AnUnknownVariableIsAnErrorNotAHole) {
  Result<std::string> r = Substitute("Hi {{nmae}}", {{"name", "Ann"}}, false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("nmae"), std::string::npos);
}

TEST(TemplatesTest, LoadsCompleteTemplatesAndRefusesPartialOnes) {
  char tmpl[] = "/tmp/docket-templates-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  std::ofstream(dir + "/hello.subject") << "Hello {{name}}\n";
  std::ofstream(dir + "/hello.txt") << "Hi {{name}}";
  std::ofstream(dir + "/hello.html") << "<b>{{name}}</b>";
  Result<Templates> t = Templates::Load(dir);
  ASSERT_TRUE(t.ok()) << t.status();
  Result<Rendered> r = t->Render("hello", {{"name", "A&B\nC"}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->subject, "Hello A&B C");  // one line
  EXPECT_EQ(r->text, "Hi A&B\nC");
  EXPECT_EQ(r->html, "<b>A&amp;B\nC</b>");
  EXPECT_EQ(t->Render("nope", {}).status().code(), StatusCode::kNotFound);
  std::ofstream(dir + "/broken.txt") << "x";
  EXPECT_EQ(Templates::Load(dir).status().code(), StatusCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

TEST(TemplatesTest, TheShippedTemplatesRenderWithTheirVariables) {
  Result<Templates> t = Templates::Load(DOCKET_MAIL_TEMPLATES);
  ASSERT_TRUE(t.ok()) << t.status();
  const nlohmann::json common = {{"recipient_name", "Ann"}, {"recipient_email", "a@x.com"},
                                 {"portal_url", "https://p"}, {"case_number", "CS00000000001"},
                                 {"case_subject", "S"}, {"case_path", "/cases/CS00000000001"},
                                 {"actor_name", "Sam"}, {"body", "b"}, {"file_name", "f"},
                                 {"state", "Open"}, {"message", "m"}, {"resolution", "r"},
                                 {"reason", "r"}, {"link", "https://p/x#token=t"},
                                 {"expires_at", "2026"}, {"how", "h"}, {"changed_at", "2026"},
                                 {"link_command", "c"}, {"link_path", "/x"},
                                 {"chat_topic", "t"}, {"transcript", "[x] Ann: hi"}};
  for (const char* name : {"password_reset", "account_locked", "password_changed",
                           "case_comment", "case_attachment", "case_state", "case_resolved",
                           "case_cancelled", "watcher_added", "watcher_removed",
                           "chat_transcript"}) {
    Result<Rendered> r = t->Render(name, common);
    EXPECT_TRUE(r.ok()) << name << ": " << r.status();
  }
}

}  // namespace
}  // namespace docket::notifier
