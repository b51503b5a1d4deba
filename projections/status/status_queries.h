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

struct FeedbackView {
  std::string id;
  std::string user_id;
  std::string user_name;  // as it was when sent
  std::string message;
  int rating = 0;  // 1..5, 0 = none given
  std::string page;
  int64_t created_at_us = 0;
};

struct FeedbackPage {
  std::vector<FeedbackView> rows;  // newest first
  std::string after;               // the next page's cursor; "" at the end
};

class StatusQueries {
 public:
  // `store` (opened with StatusProjection's families) must outlive this.
  explicit StatusQueries(const ReadStore* store) : store_(store) {}

  // Every service that ever had a status, sorted by name (bytewise).
  Result<std::vector<ServiceView>> Services() const;
  // Feedback submitted so far.
  Result<int64_t> FeedbackCount() const;
  // Feedback, newest first, `limit` rows after the cursor `after` (a
  // previous page's; "" = from the newest). kInvalidArgument for a cursor
  // that is not one.
  Result<FeedbackPage> Feedback(size_t limit, std::string_view after) const;

 private:
  const ReadStore* store_;
};

// Row encoding (JSON), shared by the projection and the queries.
std::string EncodeService(const ServiceView& s);
std::string EncodeFeedback(const FeedbackView& f);
Result<FeedbackView> DecodeFeedback(std::string_view row);
std::string FeedbackKey(int64_t created_at_us, std::string_view id);
Result<ServiceView> DecodeService(std::string_view row);

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_STATUS_STATUS_QUERIES_H_
