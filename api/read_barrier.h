// ReadBarrier: a read that sees every write committed before it started, on
// a read model fed from a Kafka partition (what etcd calls a ReadIndex). The
// caller learns the partition's end from the broker and waits until the
// model has passed it. The gateway uses it where a stale answer is a hole:
// a session ended on another gateway must be refused here at once.
//
// The broker is asked once per partition at a time: a caller that arrives
// while a probe is in flight waits for the next probe (one that starts
// after it arrived, so its answer is fresh enough), and every caller that
// arrived meanwhile shares that one. So the broker sees at most one probe
// per partition in flight however many requests there are, and each caller
// waits at most two probes and the model's catch-up.
//
// A failed probe is shared too, and remembered for `failure_backoff`:
// callers in that time fail at once instead of each waiting for a dead
// broker. Likewise an end the model did not reach in time (a transaction
// left open by a crashed producer holds read_committed readers until the
// broker aborts it): while probes keep giving that same end, callers fail at
// once instead of each waiting out the timeout.
//
// Thread-safe.
#ifndef DOCKET_API_READ_BARRIER_H_
#define DOCKET_API_READ_BARRIER_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "common/status.h"

namespace docket::api {

class ReadBarrier {
 public:
  // The end (next offset) of a partition, from the broker.
  using LogEnd = std::function<Result<int64_t>(int32_t partition)>;
  // True once the model has applied every record before `end`.
  using WaitFor =
      std::function<bool(int32_t partition, int64_t end, std::chrono::milliseconds timeout)>;

  ReadBarrier(LogEnd log_end, WaitFor wait_for,
              std::chrono::milliseconds failure_backoff = std::chrono::milliseconds(1000));

  // Ok once the model has applied everything committed to `partition`
  // before this call. kUnavailable when the end cannot be learnt (or was
  // not, within the backoff), or is not reached within `timeout`.
  Status Await(int32_t partition, std::chrono::milliseconds timeout);
  // Probes the broker has answered or failed (for tests and metrics).
  uint64_t probes() const;

 private:
  struct Slot {
    uint64_t started = 0;   // probes started
    uint64_t finished = 0;  // the last one finished
    bool running = false;
    Result<int64_t> end = int64_t{0};
    std::chrono::steady_clock::time_point finished_at;
    int64_t stuck_end = -1;  // an end not reached in time
  };
  // The end from a probe that started after the call (see above).
  Result<int64_t> FreshEnd(int32_t partition);

  LogEnd log_end_;
  WaitFor wait_for_;
  std::chrono::milliseconds failure_backoff_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<int32_t, Slot> slots_;
  uint64_t probes_ = 0;
};

}  // namespace docket::api

#endif  // DOCKET_API_READ_BARRIER_H_
