#include "api/portal_reads.h"

#include <spdlog/spdlog.h>

namespace docket::api {
namespace {

template <typename T>
std::optional<T> OrNothing(Result<std::optional<T>> r, std::string_view what) {
  if (r.ok()) return std::move(*r);
  spdlog::error("portal reads: {}: {}", what, r.status().ToString());
  return std::nullopt;
}

}  // namespace

std::optional<projections::AccountView> PortalReads::Account(const std::string& id) const {
  auto store = identity_->store();
  if (!store) return std::nullopt;
  return OrNothing(projections::IdentityQueries(store.get()).Account(id), "account");
}

std::optional<projections::UserView> PortalReads::User(const std::string& id) const {
  auto store = identity_->store();
  if (!store) return std::nullopt;
  return OrNothing(projections::IdentityQueries(store.get()).User(id), "user");
}

std::optional<projections::UserView> PortalReads::UserByEmail(const std::string& email) const {
  auto store = identity_->store();
  if (!store) return std::nullopt;
  return OrNothing(projections::IdentityQueries(store.get()).UserByEmail(email), "user by e-mail");
}

std::vector<projections::ServiceView> PortalReads::Services() const {
  auto store = status_->store();
  if (!store) return {};
  auto r = projections::StatusQueries(store.get()).Services();
  if (r.ok()) return std::move(*r);
  spdlog::error("portal reads: services: {}", r.status().ToString());
  return {};
}

bool PortalReads::WaitForPosition(std::string_view context, int32_t partition, int64_t offset,
                                  std::chrono::milliseconds timeout) {
  for (consumers::ProjectionRunner* r : {identity_, status_}) {
    if (r->projection().context() == context) {
      return r->WaitForPosition(partition, offset, timeout);
    }
  }
  return false;
}

}  // namespace docket::api
