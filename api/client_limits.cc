#include "api/client_limits.h"

#include <vector>

#include "api/client_address.h"
#include "api/problem.h"
#include "api/request.h"

namespace docket::api {

namespace {

std::set<std::string> Canonical(const std::set<std::string>& addresses) {
  std::set<std::string> out;
  for (const auto& a : addresses) out.insert(CanonicalAddress(a));
  return out;
}

}  // namespace

ClientLimits::ClientLimits(ClientLimitOptions options, const Clock& clock)
    : options_(std::move(options)),
      per_address_(options_.per_address, clock),
      per_user_(options_.per_user, clock) {
  options_.trusted_proxies = Canonical(options_.trusted_proxies);
}

std::string ClientLimits::ClientAddress(const Request& req) const {
  const std::string addr = CanonicalAddress(req.client_address);
  if (options_.trusted_proxies.empty() || !options_.trusted_proxies.count(addr)) return addr;
  const std::string xff = HeaderValue(req, "X-Forwarded-For");
  std::vector<std::string> hops;
  std::string_view rest = xff;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string hop(rest.substr(0, comma));
    hop.erase(0, hop.find_first_not_of(' '));
    hop.erase(hop.find_last_not_of(' ') + 1);
    if (!hop.empty()) hops.push_back(CanonicalAddress(hop.substr(0, 64)));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!options_.trusted_proxies.count(*it)) return *it;
  }
  return addr;
}

std::string ClientLimits::ClientKey(const Request& req) const {
  return LimitKey(ClientAddress(req));
}

std::optional<Reply> ClientLimits::TakeAddress(const Request& req) {
  if (auto wait = per_address_.Take(ClientKey(req))) return TooMany(*wait);
  return std::nullopt;
}

std::optional<Reply> ClientLimits::TakeUser(const std::string& user_id) {
  if (auto wait = per_user_.Take(user_id)) return TooMany(*wait);
  return std::nullopt;
}

}  // namespace docket::api
