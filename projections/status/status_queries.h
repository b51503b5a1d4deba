// Queries over the status read models (status_projection.h). Read-only,
// thread-safe (the ReadStore is).
//
// Errors: kDataLoss when a stored row does not parse; kUnavailable when the
// store fails.
#ifndef DOCKET_PROJECTIONS_STATUS_STATUS_QUERIES_H_
#define DOCKET_PROJECTIONS_STATUS_STATUS_QUERIES_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "projections/read_store.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

struct ServiceView {
  std::string service;
  fb::ServiceState status = fb::ServiceState::Operational;
  std::string message;
  int64_t updated_at_us = 0;
};

class StatusQueries {
 public:
  // `store` (opened with StatusProjection's families) must outlive this.
  explicit StatusQueries(const ReadStore* store) : store_(store) {}

  // Every service that ever had a status, sorted by name (bytewise).
  Result<std::vector<ServiceView>> Services() const;
  // Feedback submitted so far.
  Result<int64_t> FeedbackCount() const;

 private:
  const ReadStore* store_;
};

// Row encoding (JSON), shared by the projection and the queries.
std::string EncodeService(const ServiceView& s);
Result<ServiceView> DecodeService(std::string_view row);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_STATUS_STATUS_QUERIES_H_
