#include "api/routes/blob_collector.h"

#include <spdlog/spdlog.h>

namespace docket::api {

BlobCollector::BlobCollector(const BlobStore* store, Referenced referenced, CaughtUp caught_up,
                             const Clock& clock, BlobCollectorOptions options)
    : store_(store),
      referenced_(std::move(referenced)),
      caught_up_(std::move(caught_up)),
      clock_(clock),
      options_(options) {}

BlobCollector::~BlobCollector() { Stop(); }

Result<BlobCollector::Pass> BlobCollector::CollectOnce() {
  if (!caught_up_()) return UnavailableError("blob collector: the case read model lags");
  // The cutoff is taken before the model is read: a blob stored after it
  // is kept whatever the model says.
  const int64_t cutoff =
      clock_.NowMicros() - std::chrono::duration_cast<std::chrono::microseconds>(options_.grace)
                               .count();
  DOCKET_ASSIGN_OR_RETURN(std::unordered_set<std::string> in_use, referenced_());
  DOCKET_ASSIGN_OR_RETURN(std::vector<BlobFile> files, store_->List());
  Pass pass;
  for (const BlobFile& f : files) {
    if ((!f.sha256.empty() && in_use.count(f.sha256)) || f.modified_us >= cutoff ||
        !store_->RemoveIfOlder(f, cutoff)) {
      ++pass.kept;
      continue;
    }
    ++pass.removed;
    pass.removed_bytes += f.size;
  }
  return pass;
}

void BlobCollector::Start() {
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, options_.interval, [this] { return stop_; })) {
      lock.unlock();
      Result<Pass> pass = CollectOnce();
      if (!pass.ok()) {
        spdlog::info("gateway: blob collection skipped: {}", pass.status().ToString());
      } else if (pass->removed > 0) {
        spdlog::info("gateway: removed {} unreferenced blobs ({} bytes), kept {}", pass->removed,
                     pass->removed_bytes, pass->kept);
      }
      lock.lock();
    }
  });
}

void BlobCollector::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace docket::api
