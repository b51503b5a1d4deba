// BlobCollector: removes attachment bytes no case refers to any more
// (rejected uploads, removed attachments, uploads cut off halfway).
//
// A blob is in use while an attachment that names it is live in the case
// read model (CaseQueries::ReferencedBlobs); every other blob, and every
// temporary file, is removed once it is older than `grace` (uploads in
// flight: stored, but not yet decided and projected). A pass runs only
// while the read model has caught up with its log, since a model that lags
// has not yet seen the newest attachments; gateways sharing one blob
// directory each run passes, which is harmless (a pass removes only what
// none of the models it reads refers to, and they read the same log).
//
// Thread-safe; Start() runs passes every `interval` on its own thread
// until Stop() or destruction.
#ifndef DOCKET_API_ROUTES_BLOB_COLLECTOR_H_
#define DOCKET_API_ROUTES_BLOB_COLLECTOR_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "api/blob_store.h"
#include "common/clock.h"

namespace docket::api {

struct BlobCollectorOptions {
  std::chrono::seconds interval{600};
  std::chrono::seconds grace{3600};
};

class BlobCollector {
 public:
  // The blobs in use; an error when that cannot be told now (then the
  // pass removes nothing).
  using Referenced = std::function<Result<std::unordered_set<std::string>>()>;
  // False while the read model lags (then the pass removes nothing).
  using CaughtUp = std::function<bool()>;

  struct Pass {
    size_t kept = 0;
    size_t removed = 0;
    uint64_t removed_bytes = 0;
  };

  // `store` and `clock` must outlive the collector.
  BlobCollector(const BlobStore* store, Referenced referenced, CaughtUp caught_up,
                const Clock& clock, BlobCollectorOptions options = {});
  ~BlobCollector();

  // One pass, now. kUnavailable (nothing removed) when the model lags, or
  // the model or the store cannot be read.
  Result<Pass> CollectOnce();
  void Start();
  void Stop();

 private:
  const BlobStore* store_;
  Referenced referenced_;
  CaughtUp caught_up_;
  const Clock& clock_;
  BlobCollectorOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace docket::api

#endif  // DOCKET_API_ROUTES_BLOB_COLLECTOR_H_
