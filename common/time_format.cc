#include "common/time_format.h"

#include <cstdio>
#include <ctime>

namespace docket {

std::string FormatMicros(int64_t us) {
  if (us < 0 || us >= 253'402'300'800'000'000) return std::to_string(us);
  const int64_t secs = us / 1'000'000;
  const int64_t frac = us - secs * 1'000'000;
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[40];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(frac));
  return out;
}

}  // namespace docket
