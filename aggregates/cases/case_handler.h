// The cases context's AggregateHandler: the case aggregate (case.h) with
// CaseSnapshot as the encoded state.
#ifndef DOCKET_AGGREGATES_CASES_CASE_HANDLER_H_
#define DOCKET_AGGREGATES_CASES_CASE_HANDLER_H_

#include "aggregates/cases/case.h"
#include "aggregates/handler.h"

namespace docket::aggregates {

class CaseHandler final : public AggregateHandler {
 public:
  // `catalog` must outlive the handler.
  CaseHandler(const Catalog* catalog, CaseLimits limits)
      : catalog_(catalog), limits_(limits) {}

  std::string_view context() const override { return "cases"; }
  // OpenCase through ReopenCase: the case, its attachments and watchers.
  bool Handles(fb::Command type) const override;
  bool Creates(const fb::CommandEnvelopeT& c) const override {
    return c.command.type == fb::Command::OpenCase;
  }
  Result<int32_t> PartitionOf(std::string_view id, int32_t partitions) const override {
    return CasePartition(id, partitions);
  }
  std::string NewId(uint64_t counter, int32_t partition, int32_t partitions) const override {
    return FormatCaseNumber(counter, partition, partitions);
  }
  uint64_t CounterAfter(std::string_view id, int32_t partitions) const override;
  Decision Decide(std::string_view state, const fb::CommandEnvelopeT& command,
                  int64_t now_us, const std::string& new_id) const override;
  Result<std::string> Apply(std::string_view state,
                            const fb::EventEnvelopeT& event) const override;
  uint64_t Version(std::string_view state) const override;
  std::optional<int64_t> TimerDueAt(std::string_view state) const override;
  std::optional<fb::CommandEnvelopeT> TimerCommand(std::string_view state,
                                                   int64_t now_us) const override;

  const CaseLimits& limits() const { return limits_; }

 private:
  Result<CaseSnapshot> Load(std::string_view state) const;

  const Catalog* catalog_;
  CaseLimits limits_;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_CASES_CASE_HANDLER_H_
