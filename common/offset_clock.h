// OffsetClock: for tests of a whole process only (docketd
// --test-clock-offset-file). The time is the system clock plus a number of
// seconds (may be fractional or negative) read from a file, so a test can
// move a running docketd forward, e.g. past a link's expiry. The file is
// read again at most every 20 ms; a missing or unreadable file is an
// offset of 0. Thread-safe.
#ifndef DOCKET_COMMON_OFFSET_CLOCK_H_
#define DOCKET_COMMON_OFFSET_CLOCK_H_

#include <atomic>
#include <string>

#include "common/clock.h"

namespace docket {

class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::string path) : path_(std::move(path)) {}
  int64_t NowMicros() const override;

 private:
  std::string path_;
  mutable std::atomic<int64_t> offset_us_{0};
  mutable std::atomic<int64_t> next_read_us_{0};
};

}  // namespace docket

#endif  // DOCKET_COMMON_OFFSET_CLOCK_H_
