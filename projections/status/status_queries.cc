#include "projections/status/status_queries.h"

#include <nlohmann/json.hpp>

#include "projections/status/status_projection.h"

namespace docket::projections {

using nlohmann::json;

std::string EncodeService(const ServiceView& s) {
  return json{{"service", s.service},
              {"status", static_cast<int>(s.status)},
              {"message", s.message},
              {"updated_at_us", s.updated_at_us}}
      .dump();
}

Result<ServiceView> DecodeService(std::string_view row) {
  json j = json::parse(row, nullptr, false);
  if (!j.is_object()) return DataLossError("status: stored service is not JSON");
  try {
    ServiceView s;
    s.service = j.at("service").get<std::string>();
    const int state = j.at("status").get<int>();
    if (state < static_cast<int>(fb::ServiceState::MIN) ||
        state > static_cast<int>(fb::ServiceState::MAX)) {
      return DataLossError("status: stored service has state " + std::to_string(state));
    }
    s.status = static_cast<fb::ServiceState>(state);
    s.message = j.at("message").get<std::string>();
    s.updated_at_us = j.at("updated_at_us").get<int64_t>();
    return s;
  } catch (const json::exception& e) {
    return DataLossError(std::string("status: stored service: ") + e.what());
  }
}

Result<std::vector<ServiceView>> StatusQueries::Services() const {
  std::vector<ServiceView> out;
  Status bad = Status::Ok();
  DOCKET_RETURN_IF_ERROR(store_->Scan(StatusCf::kServices, "",
                                      [&](std::string_view, std::string_view v) {
                                        auto s = DecodeService(v);
                                        if (!s.ok()) {
                                          bad = s.status();
                                          return false;
                                        }
                                        out.push_back(std::move(*s));
                                        return true;
                                      }));
  DOCKET_RETURN_IF_ERROR(bad);
  return out;
}

Result<int64_t> StatusQueries::FeedbackCount() const {
  DOCKET_ASSIGN_OR_RETURN(auto v, store_->Get(StatusCf::kCounters, kFeedbackCountKey));
  if (!v) return int64_t{0};
  auto n = DecodeCounter(*v);
  if (!n) return DataLossError("status: the feedback counter is not a counter");
  return *n;
}

}  // namespace docket::projections
