// Positions and read-your-writes. A command's reply names where its events
// landed (Docket-Position: "<context>:<partition>:<offset>"); a query may
// send that back (Docket-Min-Position) to wait, boundedly, until the
// context's read models have applied it.
//
// Each context registers its read model (ReadModel) at start-up; positions
// of an unregistered context are malformed. A position at or past the end
// of its partition (SetLogEnd: the broker's high watermark) was never given
// out: it is refused at once rather than waited for (the broker is asked
// only for a position past every end already seen). Waits hold a worker
// thread, so at most `max_waiters` requests wait at once and at most
// `max_waiters_per_user` of one user; the rest get 503 at once, so one
// client cannot hold every other user's read-your-writes hostage.
//
// Thread-safe after the registrations.
#ifndef DOCKET_API_POSITIONS_H_
#define DOCKET_API_POSITIONS_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "api/http.h"
#include "api/read_barrier.h"
#include "common/status.h"

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
  Positions(int32_t partitions, int max_waiters, std::chrono::milliseconds min_position_wait,
            int max_waiters_per_user = 2)
      : partitions_(partitions),
        max_waiters_(max_waiters),
        max_waiters_per_user_(max_waiters_per_user),
        wait_(min_position_wait) {}

  // The end (next offset) of a position's partition; an error when it
  // cannot be learnt (then the position is waited for as usual).
  using LogEnd = std::function<Result<int64_t>(const Position&)>;

  // Before the first request.
  void Register(ReadModel model);
  // After every Register: also makes each model's ReadBarrier.
  void SetLogEnd(LogEnd log_end);
  const std::map<std::string, ReadModel>& models() const { return models_; }

  // "<context>:<partition>:<offset>" of a registered context and a partition
  // that exists; nullopt otherwise.
  std::optional<Position> Parse(const std::string& text) const;
  // Waits until `p` is applied; false on timeout (or an unknown context).
  bool Await(const Position& p, std::chrono::milliseconds timeout) const;
  // Docket-Min-Position of `user_id`'s request: nothing when absent or
  // reached; 400 when malformed or past the end of its partition; 503
  // (rule position-not-reached) when not reached in time or too many
  // requests (of everyone, or of this user) wait already.
  std::optional<Reply> AwaitMinPosition(const Request& req, const std::string& user_id);
  // A fresh read (api/read_barrier.h): Ok once `context`'s model has
  // applied everything committed to `partition` before the call;
  // kUnavailable when that cannot be known or reached within `timeout`.
  Status AwaitCommitted(const std::string& context, int32_t partition,
                        std::chrono::milliseconds timeout);

 private:
  std::optional<Reply> AwaitSlot(const Position& p, const std::string& text,
                                 const std::string& user_id);
  // The largest end of p's partition LogEnd has told (0: none yet).
  int64_t KnownEnd(const Position& p);
  void NoteEnd(const Position& p, int64_t end);

  int32_t partitions_;
  int max_waiters_;
  int max_waiters_per_user_;
  std::chrono::milliseconds wait_;
  std::map<std::string, ReadModel> models_;
  LogEnd log_end_;
  std::map<std::string, std::unique_ptr<ReadBarrier>> barriers_;  // set by SetLogEnd
  std::mutex ends_mu_;
  std::map<std::pair<std::string, int32_t>, int64_t> known_ends_;
  std::atomic<int> waiters_{0};
  std::mutex users_mu_;
  std::unordered_map<std::string, int> user_waiters_;  // only users waiting now
};

}  // namespace docket::api

#endif  // DOCKET_API_POSITIONS_H_
