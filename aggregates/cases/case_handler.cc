#include "aggregates/cases/case_handler.h"

namespace docket::aggregates {

Result<CaseSnapshot> CaseHandler::Load(std::string_view state) const {
  if (state.empty()) return CaseSnapshot{};
  return events::DecodeCaseSnapshot(state);
}

uint64_t CaseHandler::CounterAfter(std::string_view id, int32_t partitions) const {
  Result<uint64_t> n = ParseCaseNumber(id);
  if (!n.ok()) return 0;
  return *n / static_cast<uint64_t>(partitions) + 1;
}

bool CaseHandler::Handles(fb::Command type) const {
  switch (type) {
    case fb::Command::OpenCase:
    case fb::Command::AddComment:
    case fb::Command::AddInternalNote:
    case fb::Command::AddAttachment:
    case fb::Command::RenameAttachment:
    case fb::Command::RemoveAttachment:
    case fb::Command::AddWatcher:
    case fb::Command::RemoveWatcher:
    case fb::Command::CancelCase:
    case fb::Command::AcceptCase:
    case fb::Command::RequestInformation:
    case fb::Command::ResolveCase:
    case fb::Command::AcceptResolution:
    case fb::Command::RejectResolution:
    case fb::Command::CloseCase:
    case fb::Command::ReopenCase:
      return true;
    default:
      return false;
  }
}

Decision CaseHandler::Decide(std::string_view state, const fb::CommandEnvelopeT& command,
                             int64_t now_us, const std::string& new_id) const {
  Result<CaseSnapshot> s = Load(state);
  if (!s.ok()) {
    return Rejection{fb::ResultCode::Internal, "state.corrupt", s.status().ToString(), {}};
  }
  DecideContext ctx{catalog_, &limits_, now_us, new_id};
  return DecideCase(*s, command, ctx);
}

Result<std::string> CaseHandler::Apply(std::string_view state,
                                       const fb::EventEnvelopeT& event) const {
  DOCKET_ASSIGN_OR_RETURN(CaseSnapshot s, Load(state));
  ApplyCase(&s, event);
  return events::EncodeCaseSnapshot(s);
}

uint64_t CaseHandler::Version(std::string_view state) const {
  Result<CaseSnapshot> s = Load(state);
  return s.ok() ? s->version : 0;
}

std::optional<int64_t> CaseHandler::TimerDueAt(std::string_view state) const {
  Result<CaseSnapshot> s = Load(state);
  if (!s.ok() || s->state != fb::CaseState::Resolved) return std::nullopt;
  return s->resolved_at_us + limits_.auto_close_after.count();
}

std::optional<fb::CommandEnvelopeT> CaseHandler::TimerCommand(std::string_view state,
                                                              int64_t now_us) const {
  Result<CaseSnapshot> s = Load(state);
  if (!s.ok() || !AutoCloseDue(*s, now_us, limits_)) return std::nullopt;
  return MakeAutoCloseCommand(*s);
}

}  // namespace docket::aggregates
