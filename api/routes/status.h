// The status context's routes: system status (read by everyone, posted by
// staff), quick links (config/quick-links.json) and feedback (docs/api.md).
#ifndef DOCKET_API_ROUTES_STATUS_H_
#define DOCKET_API_ROUTES_STATUS_H_

#include <nlohmann/json.hpp>

#include <string>

#include "api/gateway.h"
#include "consumers/projection_runner.h"
#include "projections/status/status_queries.h"

namespace docket::api {

class StatusRoutes final : public RouteModule {
 public:
  // `status` keeps the status read models; it must outlive the routes.
  // `quick_links_path`: a JSON array of {"title", "url"} strings; empty: no
  // links.
  StatusRoutes(consumers::ProjectionRunner* status, std::string quick_links_path)
      : status_(status), quick_links_path_(std::move(quick_links_path)) {}

  // Loads the quick links (kInvalidArgument naming the file when it cannot
  // be read or has another shape) and adds the routes.
  Status Register(Router& router, Services& services) override;

 private:
  Status LoadQuickLinks();
  Reply GetSystemStatus(Call& call);
  Reply PutSystemStatus(Call& call);
  OrReply<std::vector<projections::ServiceView>> ServiceRows() const;
  Reply Feedback(Call& call);

  consumers::ProjectionRunner* status_;
  std::string quick_links_path_;
  nlohmann::json quick_links_ = nlohmann::json::array();
  Services* s_ = nullptr;
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_STATUS_H_
