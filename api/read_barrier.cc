#include "api/read_barrier.h"

namespace docket::api {

ReadBarrier::ReadBarrier(LogEnd log_end, WaitFor wait_for,
                         std::chrono::milliseconds failure_backoff)
    : log_end_(std::move(log_end)),
      wait_for_(std::move(wait_for)),
      failure_backoff_(failure_backoff) {}

Result<int64_t> ReadBarrier::FreshEnd(int32_t partition) {
  std::unique_lock<std::mutex> lock(mu_);
  Slot& slot = slots_[partition];
  if (!slot.running && slot.finished > 0 && !slot.end.ok() &&
      std::chrono::steady_clock::now() - slot.finished_at < failure_backoff_) {
    return slot.end.status();
  }
  // A probe in flight started before this call: the next one is needed.
  const uint64_t need = slot.started + 1;
  while (slot.finished < need) {
    if (slot.running) {
      cv_.wait(lock);
      continue;
    }
    slot.running = true;
    const uint64_t mine = ++slot.started;
    lock.unlock();
    Result<int64_t> end = log_end_(partition);
    lock.lock();
    slot.running = false;
    slot.finished = mine;
    slot.end = std::move(end);
    slot.finished_at = std::chrono::steady_clock::now();
    ++probes_;
    cv_.notify_all();
  }
  return slot.end;
}

Status ReadBarrier::Await(int32_t partition, std::chrono::milliseconds timeout) {
  Result<int64_t> end = FreshEnd(partition);
  if (!end.ok()) return UnavailableError("the end of partition " + std::to_string(partition) +
                                         " is unknown: " + end.status().message());
  if (*end <= 0 || wait_for_(partition, *end, std::chrono::milliseconds(0))) return Status::Ok();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (slots_[partition].stuck_end == *end) {
      return UnavailableError("partition " + std::to_string(partition) + " is stuck before " +
                              std::to_string(*end));
    }
  }
  if (!wait_for_(partition, *end, timeout)) {
    std::lock_guard<std::mutex> lock(mu_);
    slots_[partition].stuck_end = *end;
    return UnavailableError("the read model has not reached " + std::to_string(*end) +
                            " on partition " + std::to_string(partition) + " in time");
  }
  return Status::Ok();
}

uint64_t ReadBarrier::probes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return probes_;
}

}  // namespace docket::api
