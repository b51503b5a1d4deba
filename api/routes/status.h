// The status context's routes (docs/api.md): system status (read by
// everyone, posted by staff) over the configured services
// (config/status-services.json), quick links (config/quick-links.json),
// feedback (sent by anyone signed in, read by staff), and the portal's look
// and footer links (config/portal.json), public so the sign-in page shows
// them.
#ifndef DOCKET_API_ROUTES_STATUS_H_
#define DOCKET_API_ROUTES_STATUS_H_

#include <nlohmann/json.hpp>

#include <string>

#include "api/gateway.h"
#include "consumers/projection_runner.h"
#include "projections/status/status_queries.h"

namespace docket::api {

struct StatusRoutesOptions {
  // A JSON array of {"title", "description", "url"} strings ("description"
  // may be left out); empty path: no links.
  std::string quick_links_path;
  // A JSON array of {"id", "name"}: the services System Status lists, in
  // order, by name; ids as service names (1..64 of a-z, 0-9, '-'). Staff may
  // post a status for another service too: it is listed after them by id.
  // Empty path: only the services that have a status.
  std::string services_path;
  // A JSON object with at least "product_name" (a string): the portal's
  // look and links, answered as it is. Empty path: {"product_name": "Docket"}.
  std::string portal_path;
};

class StatusRoutes final : public RouteModule {
 public:
  // `status` keeps the status read models; it must outlive the routes.
  StatusRoutes(consumers::ProjectionRunner* status, StatusRoutesOptions options)
      : status_(status), options_(std::move(options)) {}

  // Loads the three files (kInvalidArgument naming the file and the
  // problem when one cannot be read or has another shape) and adds the
  // routes.
  Status Register(Router& router, Services& services) override;

 private:
  Status LoadQuickLinks();
  Status LoadServices();
  Status LoadPortal();
  Reply GetSystemStatus(Call& call);
  Reply PutSystemStatus(Call& call);
  OrReply<std::vector<projections::ServiceView>> ServiceRows() const;
  nlohmann::json ServiceJson(const projections::ServiceView& s) const;
  Reply Feedback(Call& call);
  Reply ListFeedback(Call& call);

  consumers::ProjectionRunner* status_;
  StatusRoutesOptions options_;
  nlohmann::json quick_links_ = nlohmann::json::array();
  std::vector<std::pair<std::string, std::string>> services_;  // id, name
  nlohmann::json portal_ = {{"product_name", "Docket"}};
  Services* s_ = nullptr;
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_STATUS_H_
