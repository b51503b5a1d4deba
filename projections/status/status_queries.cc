#include "projections/status/status_queries.h"

#include <nlohmann/json.hpp>

#include <cstdio>

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

std::string EncodeFeedback(const FeedbackView& f) {
  return json{{"id", f.id},           {"user_id", f.user_id}, {"user_name", f.user_name},
              {"message", f.message}, {"rating", f.rating},   {"page", f.page},
              {"created_at_us", f.created_at_us}}
      .dump();
}

Result<FeedbackView> DecodeFeedback(std::string_view row) {
  json j = json::parse(row, nullptr, false);
  if (!j.is_object()) return DataLossError("status: stored feedback is not JSON");
  try {
    FeedbackView f;
    f.id = j.at("id").get<std::string>();
    f.user_id = j.at("user_id").get<std::string>();
    f.user_name = j.at("user_name").get<std::string>();
    f.message = j.at("message").get<std::string>();
    f.rating = j.at("rating").get<int>();
    f.page = j.at("page").get<std::string>();
    f.created_at_us = j.at("created_at_us").get<int64_t>();
    return f;
  } catch (const json::exception& e) {
    return DataLossError(std::string("status: stored feedback: ") + e.what());
  }
}

std::string FeedbackKey(int64_t created_at_us, std::string_view id) {
  char inv[17];
  std::snprintf(inv, sizeof inv, "%016llx",
                static_cast<unsigned long long>(~static_cast<uint64_t>(created_at_us)));
  return std::string(inv) + std::string(id);
}

Result<FeedbackPage> StatusQueries::Feedback(size_t limit, std::string_view after) const {
  if (!after.empty() && (after.size() < 17 || after.size() > 100 ||
                         after.substr(0, 16).find_first_not_of("0123456789abcdef") !=
                             std::string_view::npos)) {
    return InvalidArgumentError("page[after] is not a cursor of this list");
  }
  FeedbackPage page;
  auto it = store_->NewIterator(StatusCf::kFeedback);
  it->Seek(std::string(after));
  if (!after.empty() && it->Valid() && it->key().ToStringView() == after) it->Next();
  std::string last;
  for (; it->Valid(); it->Next()) {
    if (page.rows.size() == limit) {
      page.after = last;
      break;
    }
    DOCKET_ASSIGN_OR_RETURN(FeedbackView f, DecodeFeedback(it->value().ToStringView()));
    last = it->key().ToString();
    page.rows.push_back(std::move(f));
  }
  if (!it->status().ok()) return UnavailableError("status: " + it->status().ToString());
  return page;
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
