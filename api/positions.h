// Positions and read-your-writes. A command's reply names where its events
// landed (Docket-Position: "<context>:<partition>:<offset>"); a query may
// send that back (Docket-Min-Position) to wait, boundedly, until the
// context's read models have applied it.
//
// Each context registers its read model (ReadModel) at start-up; positions
// of an unregistered context are malformed. Waits hold a worker thread, so
// at most `max_waiters` requests wait at once; the rest get 503 at once.
//
// Thread-safe after the registrations.
#ifndef DOCKET_API_POSITIONS_H_
#define DOCKET_API_POSITIONS_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "api/http.h"

namespace docket::api {

struct Position {
  std::string context;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string Text() const;  // "cases:3:1842"
};

// What the gateway needs of one context's read model.
struct ReadModel {
  std::string context;
  // True once the record at (partition, offset) of the context's events
  // topic is applied; false when that did not happen within `timeout`.
  std::function<bool(int32_t partition, int64_t offset, std::chrono::milliseconds timeout)>
      wait_for;
  // /readyz: the member of "checks" this model answers (empty: none) and
  // its answer, "ok" or why not.
  std::string check;
  std::function<std::string()> readiness;
  // Prometheus text this model adds to /metrics (may be empty).
  std::function<std::string()> metrics;
};

class Positions {
 public:
  Positions(int32_t partitions, int max_waiters, std::chrono::milliseconds min_position_wait)
      : partitions_(partitions), max_waiters_(max_waiters), wait_(min_position_wait) {}

  void Register(ReadModel model);
  const std::map<std::string, ReadModel>& models() const { return models_; }

  // "<context>:<partition>:<offset>" of a registered context and a partition
  // that exists; nullopt otherwise.
  std::optional<Position> Parse(const std::string& text) const;
  // Waits until `p` is applied; false on timeout (or an unknown context).
  bool Await(const Position& p, std::chrono::milliseconds timeout) const;
  // Docket-Min-Position: nothing when absent or reached; 400 when malformed,
  // 503 (rule position-not-reached) when not reached in time or too many
  // requests wait already.
  std::optional<Reply> AwaitMinPosition(const Request& req);

 private:
  int32_t partitions_;
  int max_waiters_;
  std::chrono::milliseconds wait_;
  std::map<std::string, ReadModel> models_;
  std::atomic<int> waiters_{0};
};

}  // namespace docket::api

#endif  // DOCKET_API_POSITIONS_H_
