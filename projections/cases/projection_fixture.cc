#include "projections/cases/projection_fixture.h"

#include <filesystem>

#include "projections/cases/case_rows.h"

namespace docket::projections {

void ReadModelTest::SetUp() {
  char tmpl[] = "/tmp/docket-readmodel-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  dir_ = tmpl;
  auto s = ReadStore::Open(dir_, CaseFamilies());
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  store_ = std::move(*s);
  queries_ = std::make_unique<CaseQueries>(store_.get());
}

void ReadModelTest::TearDown() {
  queries_.reset();
  store_.reset();
  std::filesystem::remove_all(dir_);
}

Result<ApplyOutcome> ReadModelTest::Apply(const fb::EventEnvelopeT& e) {
  // Through the codec, as the runner does.
  DOCKET_ASSIGN_OR_RETURN(fb::EventEnvelopeT decoded, events::DecodeEvent(events::EncodeEvent(e)));
  Txn txn(store_.get());
  DOCKET_ASSIGN_OR_RETURN(ApplyOutcome out, ApplyCaseEvent(decoded, txn, text_));
  DOCKET_RETURN_IF_ERROR(store_->Commit(txn));
  return out;
}

void ReadModelTest::Ok(const fb::EventEnvelopeT& e) {
  auto r = Apply(e);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(*r, ApplyOutcome::kApplied);
}

fb::ActorT ReadModelTest::Actor(const std::string& number, bool staff) {
  fb::ActorT a;
  if (staff) {
    a.user_id = "agent-1";
    a.role = fb::Role::Staff;
    a.display_name = "Agent One";
  } else {
    a.user_id = "cust-" + accounts_[number];
    a.role = fb::Role::Customer;
    a.account_ids = {accounts_[number]};
    a.display_name = "Carla Customer";
  }
  return a;
}

fb::EventEnvelopeT ReadModelTest::Opened(const std::string& number, const std::string& account,
                                         const std::string& subject,
                                         const std::string& description,
                                         const std::string& case_type,
                                         const std::string& category) {
  accounts_[number] = account;
  fb::CaseOpenedT o;
  o.case_number = number;
  o.account_id = account;
  o.case_type = case_type;
  o.category = category;
  o.subject = subject;
  o.description = description;
  o.service_address = "1 Main Street, Springfield";
  auto f = std::make_unique<fb::FieldT>();
  f->key = "router_model";
  f->value = "XR-500";
  o.fields.push_back(std::move(f));
  return Next(number, std::move(o));
}

fb::EventEnvelopeT ReadModelTest::Comment(const std::string& number, const std::string& body) {
  fb::CommentAddedT c;
  c.comment_id = "c" + std::to_string(commands_ + 1);
  c.body = body;
  return Next(number, std::move(c));
}

nlohmann::json ReadModelTest::Summary(const std::string& number) {
  auto head = store_->Get(Cf::kCases, number);
  auto body = store_->Get(Cf::kBodies, number);
  EXPECT_TRUE(head.ok() && head->has_value() && body.ok() && body->has_value()) << number;
  if (!head.ok() || !head->has_value() || !body.ok() || !body->has_value()) return {};
  auto summary = SummaryJson(number, **head, **body);
  EXPECT_TRUE(summary.ok()) << summary.status();
  return summary.ok() ? *summary : nlohmann::json();
}

std::vector<nlohmann::json> ReadModelTest::ActivityItems(const std::string& number, bool staff) {
  auto page = queries_->Activity(staff ? Staff() : Customer(accounts_[number]), number, 100, "");
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? page->items : std::vector<nlohmann::json>{};
}

}  // namespace docket::projections
