// PortalReads: the identity and status read models as the gateway reads
// them, over the identity and status ProjectionRunners (RocksDB, projections/
// identity and projections/status). It keeps the shape of the PortalView it
// replaces (optional rows, the services list, read-your-writes by context,
// CaughtUp) so api/gateway.cc changed only type names; the gateway rewrite
// may use IdentityQueries / StatusQueries on the runners' stores directly.
//
// A query that fails in the store (kDataLoss, kUnavailable) is logged and
// answered like a missing row (nullopt / an empty list): the caller sees
// "not found", never a half row.
//
// Thread-safe: every method may be called from any thread; the runners must
// outlive this object.
#ifndef DOCKET_API_PORTAL_READS_H_
#define DOCKET_API_PORTAL_READS_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "consumers/projection_runner.h"
#include "projections/identity/identity_queries.h"
#include "projections/status/status_queries.h"

namespace docket::api {

class PortalReads {
 public:
  PortalReads(consumers::ProjectionRunner* identity, consumers::ProjectionRunner* status)
      : identity_(identity), status_(status) {}

  std::optional<projections::AccountView> Account(const std::string& id) const;
  std::optional<projections::UserView> User(const std::string& id) const;
  std::optional<projections::UserView> UserByEmail(const std::string& email) const;  // any case
  std::vector<projections::ServiceView> Services() const;  // by name

  // Waits until the event at `offset` of `context`'s events partition has
  // been applied. False on timeout or for a context other than the
  // identity and status runners'.
  bool WaitForPosition(std::string_view context, int32_t partition, int64_t offset,
                       std::chrono::milliseconds timeout);
  // True once the identity projection has caught up with the log as it was
  // when its runner started (sign-ins need every user).
  bool CaughtUp() const { return identity_->CaughtUp(); }

 private:
  consumers::ProjectionRunner* identity_;
  consumers::ProjectionRunner* status_;
};

}  // namespace docket::api

#endif  // DOCKET_API_PORTAL_READS_H_
