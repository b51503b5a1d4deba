// Clock: the only way domain code learns the time (house style 6).
//
// Production code takes a `Clock&`; tests pass a ManualClock. Thread-safe.
#ifndef DOCKET_COMMON_CLOCK_H_
#define DOCKET_COMMON_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace docket {

// A duration in whole microseconds (the unit of every timestamp here).
template <typename Rep, typename Period>
constexpr int64_t ToMicros(std::chrono::duration<Rep, Period> d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  // Microseconds since the Unix epoch (UTC).
  virtual int64_t NowMicros() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static SystemClock& Default() {
    static SystemClock clock;
    return clock;
  }
};

// A clock that moves only when told to. For tests and simulations.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_micros = 0) : now_(start_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  void Set(int64_t micros) { now_.store(micros); }
  void Advance(std::chrono::microseconds d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace docket

#endif  // DOCKET_COMMON_CLOCK_H_
