#include "common/offset_clock.h"

#include <fstream>

namespace docket {

int64_t OffsetClock::NowMicros() const {
  const int64_t now = SystemClock::Default().NowMicros();
  if (now >= next_read_us_.load(std::memory_order_relaxed)) {
    next_read_us_.store(now + 20'000, std::memory_order_relaxed);
    std::ifstream in(path_);
    double seconds = 0;
    if (!(in >> seconds)) seconds = 0;
    offset_us_.store(static_cast<int64_t>(seconds * 1e6), std::memory_order_relaxed);
  }
  return now + offset_us_.load(std::memory_order_relaxed);
}

}  // namespace docket
