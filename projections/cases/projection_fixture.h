// Shared fixture of the projection unit tests: a fresh ReadStore in a
// temporary directory and builders for the events of a case's life, with
// versions counted per case.
#ifndef DOCKET_PROJECTIONS_CASES_PROJECTION_FIXTURE_H_
#define DOCKET_PROJECTIONS_CASES_PROJECTION_FIXTURE_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "events/codec.h"
#include "events/envelope.h"
#include "projections/cases/case_projection.h"
#include "projections/cases/case_queries.h"
#include "projections/read_store.h"

namespace docket::projections {

class ReadModelTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Applies one event in its own batch; the projection's status.
  Result<ApplyOutcome> Apply(const fb::EventEnvelopeT& e);
  // Applies and expects kApplied.
  void Ok(const fb::EventEnvelopeT& e);

  fb::EventEnvelopeT Opened(const std::string& number, const std::string& account,
                            const std::string& subject, const std::string& description = "d",
                            const std::string& case_type = "technical_support",
                            const std::string& category = "internet");
  // The case's next event (version = last + 1), by a customer of `account`
  // unless `staff`.
  template <typename T>
  fb::EventEnvelopeT Next(const std::string& number, T payload, bool staff = false) {
    fb::ActorT actor = Actor(number, staff);
    clock_us_ += 1'000'000;
    return events::MakeEvent(number, ++versions_[number], actor,
                             "cmd-" + std::to_string(++commands_), 0, clock_us_,
                             std::move(payload));
  }
  fb::EventEnvelopeT Comment(const std::string& number, const std::string& body);
  // Every summary field of `number` as stored (staff scope).
  nlohmann::json Summary(const std::string& number);
  std::vector<nlohmann::json> ActivityItems(const std::string& number, bool staff = true);

  Scope Customer(const std::string& account) const { return Scope{false, {account}}; }
  Scope Staff() const { return Scope{true, {}}; }

  std::string dir_;
  std::unique_ptr<ReadStore> store_;
  std::unique_ptr<CaseQueries> queries_;
  TextAnalyzer text_;
  std::map<std::string, uint64_t> versions_;
  std::map<std::string, std::string> accounts_;  // case -> account
  int64_t clock_us_ = 1'790'000'000'000'000;
  int commands_ = 0;

 private:
  fb::ActorT Actor(const std::string& number, bool staff);
};

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_CASES_PROJECTION_FIXTURE_H_
