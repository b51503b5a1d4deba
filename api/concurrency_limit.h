// ConcurrencyLimit: at most `per_key` units held for one key (a user) and
// `total` units for all keys at once: exports running (a unit each, since
// each holds a worker thread while it streams), upload bytes being received
// (their sizes). A key holding nothing may always take one acquisition,
// however large, so one big upload is never refused for its size alone.
// Acquire hands out a hold that gives the units back when its last copy is
// destroyed, wherever that happens (a streamed reply ends on another thread
// than it began).
//
// Thread-safe.
#ifndef DOCKET_API_CONCURRENCY_LIMIT_H_
#define DOCKET_API_CONCURRENCY_LIMIT_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace docket::api {

class ConcurrencyLimit : public std::enable_shared_from_this<ConcurrencyLimit> {
 public:
  // Always held by a shared_ptr (holds refer back to it).
  static std::shared_ptr<ConcurrencyLimit> Create(uint64_t per_key, uint64_t total) {
    return std::shared_ptr<ConcurrencyLimit>(new ConcurrencyLimit(per_key, total));
  }

  // A hold on `units` for `key`, or nullptr when that would take `key`
  // (holding something already) past per_key, or everyone past total.
  std::shared_ptr<void> Acquire(const std::string& key, uint64_t units = 1) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      uint64_t& mine = held_[key];
      if ((mine > 0 && mine + units > per_key_) || (all_ > 0 && all_ + units > total_)) {
        if (mine == 0) held_.erase(key);
        return nullptr;
      }
      mine += units;
      all_ += units;
    }
    return std::shared_ptr<void>(reinterpret_cast<void*>(1), [self = shared_from_this(), key,
                                                               units](void*) {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->all_ -= units;
      auto it = self->held_.find(key);
      if (it != self->held_.end() && (it->second -= units) == 0) self->held_.erase(it);
    });
  }

 private:
  ConcurrencyLimit(uint64_t per_key, uint64_t total) : per_key_(per_key), total_(total) {}

  const uint64_t per_key_;
  const uint64_t total_;
  std::mutex mu_;
  uint64_t all_ = 0;
  std::unordered_map<std::string, uint64_t> held_;
};

}  // namespace docket::api

#endif  // DOCKET_API_CONCURRENCY_LIMIT_H_
