// The identity and status contexts' aggregates (schemas/identity.fbs,
// schemas/status.fbs): accounts, users, service status and feedback. Their
// ids are given by the command (never allocated), so uniqueness of an
// account number or an e-mail is the single writer's "already exists".
//
// State is a PortalSnapshot (schemas/portal_state.fbs). Pure and
// thread-safe, like every handler.
#ifndef DOCKET_AGGREGATES_PORTAL_H_
#define DOCKET_AGGREGATES_PORTAL_H_

#include <string>
#include <string_view>

#include "aggregates/handler.h"

namespace docket::aggregates {

// The context a command belongs to: "cases", "identity" or "status".
std::string_view ContextOf(fb::Command type);

// The user aggregate id of an e-mail: "u" + 24 hex digits of
// SHA-256(lower-cased e-mail).
std::string UserIdForEmail(std::string_view email);
// The service status aggregate id: "svc-" + service name.
std::string ServiceAggregateId(std::string_view service);
// Account numbers: 1..32 of [A-Za-z0-9-]. Service names: 1..64 of [a-z0-9-].
bool IsAccountNumber(std::string_view s);
bool IsServiceName(std::string_view s);

// Why `password` is too weak for a user with this e-mail and name (at least
// 12 characters, 5 different ones, neither the e-mail's local part nor the
// name, no common word or sequence); nullopt when it is acceptable.
std::optional<std::string> WeakPassword(const std::string& password, const std::string& email,
                                        const std::string& name);

std::string_view ServiceStateName(fb::ServiceState s);  // "OPERATIONAL", ...
std::optional<fb::ServiceState> ParseServiceState(std::string_view name);
std::string_view RoleName(fb::Role r);  // "customer", "staff", "admin", "system"

struct PortalLimits {
  size_t max_service_addresses = 50;
  size_t max_memberships = 100;
  Status Validate() const;
};

// Shared by both portal contexts: partitions by FNV-1a of the id, no timers,
// no allocated ids.
class PortalHandler : public AggregateHandler {
 public:
  explicit PortalHandler(PortalLimits limits = {}) : limits_(limits) {}
  bool Creates(const fb::CommandEnvelopeT&) const override { return false; }
  Result<int32_t> PartitionOf(std::string_view id, int32_t partitions) const override;
  std::string NewId(uint64_t, int32_t, int32_t) const override { return ""; }
  uint64_t CounterAfter(std::string_view, int32_t) const override { return 0; }
  Result<std::string> Apply(std::string_view state,
                            const fb::EventEnvelopeT& event) const override;
  uint64_t Version(std::string_view state) const override;
  std::optional<int64_t> TimerDueAt(std::string_view) const override { return std::nullopt; }
  std::optional<fb::CommandEnvelopeT> TimerCommand(std::string_view,
                                                   int64_t) const override {
    return std::nullopt;
  }

 protected:
  PortalLimits limits_;
};

class IdentityHandler final : public PortalHandler {
 public:
  using PortalHandler::PortalHandler;
  std::string_view context() const override { return "identity"; }
  Decision Decide(std::string_view state, const fb::CommandEnvelopeT& command,
                  int64_t now_us, const std::string& new_id) const override;
};

class StatusHandler final : public PortalHandler {
 public:
  using PortalHandler::PortalHandler;
  std::string_view context() const override { return "status"; }
  Decision Decide(std::string_view state, const fb::CommandEnvelopeT& command,
                  int64_t now_us, const std::string& new_id) const override;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_PORTAL_H_
