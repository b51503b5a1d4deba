#include "api/routes/login_throttle.h"

#include <algorithm>

#include "common/text.h"

namespace docket::api {
namespace {

constexpr double kPairMemorySeconds = 15 * 60;

RateLimit PerMinute(double n) { return {n / 60.0, std::max(1.0, n)}; }

}  // namespace

LoginThrottle::LoginThrottle(double per_minute, const Clock& clock)
    : per_address_(PerMinute(per_minute), clock),
      failures_per_email_(PerMinute(per_minute), clock),
      failures_per_pair_({per_minute > 0 ? 1.0 / kPairMemorySeconds : 0, 1.0}, clock) {}

std::string LoginThrottle::PairKey(const std::string& address, const std::string& email) {
  return address + "\n" + Lower(email);
}

std::optional<int> LoginThrottle::AdmitAddress(const std::string& address) {
  return per_address_.Take(address);
}

std::optional<int> LoginThrottle::AdmitEmail(const std::string& address, const std::string& email) {
  std::optional<int> wait = failures_per_email_.Peek(Lower(email));
  if (!wait || failures_per_pair_.Untouched(PairKey(address, email))) return std::nullopt;
  return wait;
}

void LoginThrottle::Failed(const std::string& address, const std::string& email) {
  failures_per_email_.Take(Lower(email));
  failures_per_pair_.Take(PairKey(address, email));
}

}  // namespace docket::api
