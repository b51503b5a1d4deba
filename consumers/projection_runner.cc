// The projection runner and BuildUntil (consumers/projection_runner.h); the
// applier they share is consumers/projection_applier.cc.
#include "consumers/projection_runner.h"

#include <absl/cleanup/cleanup.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "consumers/log.h"

namespace docket::consumers {
namespace {

namespace fs = std::filesystem;
using projections::ReadStore;

}  // namespace

Status ProjectorOptions::Validate() const {
  DOCKET_RETURN_IF_ERROR(kafka.Validate());
  DOCKET_RETURN_IF_ERROR(layout.Validate());
  if (context.empty() || context.find_first_of("/\\. ") != std::string::npos) {
    return InvalidArgumentError("projector: context '" + context + "' is not a context name");
  }
  if (data_dir.empty()) return InvalidArgumentError("projector: data_dir is empty");
  if (max_batch == 0 || max_batch > 100000) {
    return InvalidArgumentError("projector: max_batch must be 1..100000");
  }
  if (bulk_bytes == 0) return InvalidArgumentError("projector: bulk_bytes must be positive");
  return Status::Ok();
}

std::string ProjectorOptions::Root() const {
  return (fs::path(data_dir) / "projections" / context).string();
}

std::string RetryRequestDir(const ProjectorOptions& options) {
  return (fs::path(options.Root()) / "requests").string();
}

namespace {
Status CheckContext(const projections::Projection& projection, const ProjectorOptions& options) {
  if (projection.context() != options.context) {
    return InvalidArgumentError("projector: options are for context '" + options.context +
                                "', the projection is '" + std::string(projection.context()) +
                                "'");
  }
  return Status::Ok();
}

// The consumer's positions of the partitions a poll returned records or an
// end of: librdkafka moves a position past the transaction markers the poll
// stepped over (since 1.4), so a partition's commit marker counts as read
// when the poll that took the transaction's last record returns, not when
// the next fetch (held up to fetch.wait.max.ms) reports the partition's end.
// That is what a read barrier at the log end waits for (api/read_barrier.h).
Result<std::map<int32_t, int64_t>> PolledPositions(kafka::Consumer& consumer,
                                                   const std::string& topic,
                                                   const kafka::PollBatch& batch) {
  std::set<int32_t> touched;
  for (const auto& m : batch.messages) touched.insert(m.partition);
  for (const auto& e : batch.reached_end) touched.insert(e.partition);
  std::map<int32_t, int64_t> out;
  if (touched.empty()) return out;
  std::vector<kafka::TopicPartitionOffset> asked;
  for (int32_t p : touched) asked.push_back({topic, p, 0});
  DOCKET_ASSIGN_OR_RETURN(auto pos, consumer.Positions(asked));
  for (const auto& tp : pos) out[tp.partition] = tp.offset;
  return out;
}
}  // namespace

// ---- BuildUntil -------------------------------------------------------------------

Status BuildUntil(const projections::Projection& projection, const ProjectorOptions& options,
                  const std::string& dir, std::map<int32_t, int64_t> until,
                  const std::function<void(const BuildProgress&)>& progress,
                  const std::atomic<bool>& stop) {
  DOCKET_RETURN_IF_ERROR(options.Validate());
  DOCKET_RETURN_IF_ERROR(CheckContext(projection, options));
  DOCKET_ASSIGN_OR_RETURN(
      auto store, projections::OpenStore(projection, dir, {.memory = options.store_memory}));
  ProjectionApplier applier(projection, store.get(), 2, ProjectionApplier::Mode::kBulk);
  DOCKET_RETURN_IF_ERROR(applier.Load());
  kafka::Consumer::Options co;
  co.kafka = options.kafka;
  co.read_committed = true;
  DOCKET_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(co));
  const std::string topic = options.EventsTopic();
  DOCKET_ASSIGN_OR_RETURN(auto partitions, consumer->Partitions(topic));
  DOCKET_ASSIGN_OR_RETURN(auto stored, store->Offsets());
  if (until.empty()) {
    for (int32_t p : partitions) {
      DOCKET_ASSIGN_OR_RETURN(auto wm, consumer->Watermarks(topic, p));
      until[p] = wm.second;
    }
  }
  std::vector<kafka::TopicPartitionOffset> assignment;
  int64_t total = 0, done = 0;
  std::map<int32_t, int64_t> position;
  for (int32_t p : partitions) {
    const int64_t from = stored.count(p) ? stored[p] : 0;
    position[p] = from;
    if (from < until[p]) {
      assignment.push_back({topic, p, from});
      total += until[p] - from;
    }
  }
  DOCKET_RETURN_IF_ERROR(consumer->Assign(assignment));
  const auto started = std::chrono::steady_clock::now();
  auto last_report = started;
  auto report = [&](bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!progress || (!force && now - last_report < std::chrono::milliseconds(500))) return;
    last_report = now;
    const double secs = std::chrono::duration<double>(now - started).count();
    progress(BuildProgress{done, total, secs > 0 ? done / secs : 0});
  };
  auto finished = [&] {
    for (const auto& [p, end] : until) {
      if (position[p] < end) return false;
    }
    return true;
  };
  // Polls are gathered before they are applied: one poll mostly holds one
  // partition's records (librdkafka hands a fetch over partition by
  // partition), so applying each poll alone left one lane idle while the
  // other worked. kGather records span every partition's fetch.
  constexpr size_t kGather = 32768;
  std::vector<kafka::Message> records;
  std::map<int32_t, int64_t> ends;
  while (!finished()) {
    if (stop) return AbortedError("build stopped before it caught up");
    DOCKET_ASSIGN_OR_RETURN(kafka::PollBatch batch,
                            consumer->Poll(options.max_batch, options.poll_wait));
    // Apply what is gathered once the fetched records ran out or a
    // partition passed its end (a log still written would never run out).
    bool apply_now = batch.messages.size() < options.max_batch;
    for (auto& m : batch.messages) {
      if (m.offset < until[m.partition]) {
        records.push_back(std::move(m));
      } else {
        apply_now = true;
      }
    }
    DOCKET_ASSIGN_OR_RETURN(auto polled, PolledPositions(*consumer, topic, batch));
    for (const auto& [p, end] : polled) ends[p] = std::min(end, until[p]);
    if (records.empty() && ends.empty()) {
      report(false);
      continue;
    }
    if (records.size() < kGather && !apply_now) continue;
    DOCKET_ASSIGN_OR_RETURN(auto now_at, applier.Apply(records, ends));
    records.clear();
    ends.clear();
    // One fold is ingested while the next one fills: each gets half the
    // budget, so the build holds about as much as one fold of bulk_bytes.
    if (applier.PendingBytes() >= options.bulk_bytes / 2) {
      DOCKET_RETURN_IF_ERROR(applier.FlushInBackground());
    }
    done = 0;
    for (const auto& [p, pos] : now_at) {
      position[p] = pos;
      const int64_t from = stored.count(p) ? stored[p] : 0;
      done += std::min(pos, until[p]) - from;
    }
    report(false);
  }
  // Make the stored offsets exactly `until` for partitions whose last
  // records were markers the build did not need to read.
  DOCKET_RETURN_IF_ERROR(applier.Apply({}, until).status());
  DOCKET_RETURN_IF_ERROR(applier.Flush());
  report(true);
  return Status::Ok();
}

// ---- ProjectionRunner ---------------------------------------------------------------

ProjectionRunner::ProjectionRunner(const projections::Projection& projection,
                                   ProjectorOptions options)
    : projection_(projection), options_(std::move(options)) {}
ProjectionRunner::~ProjectionRunner() = default;

std::shared_ptr<ReadStore> ProjectionRunner::store() const {
  std::lock_guard lock(mu_);
  return store_;
}

bool ProjectionRunner::WaitForPosition(int32_t partition, int64_t offset,
                                       std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return applied_cv_.wait_for(lock, timeout, [&] {
    auto it = lag_.find(partition);
    return it != lag_.end() && it->second.next_offset > offset;
  });
}

std::vector<PartitionLag> ProjectionRunner::Lag() const {
  std::lock_guard lock(mu_);
  std::vector<PartitionLag> out;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (auto [p, lag] : lag_) {
    auto ts = last_timestamp_ms_.find(p);
    lag.seconds = lag.events() > 0 && ts != last_timestamp_ms_.end()
                      ? std::max<double>(0, (now_ms - ts->second) / 1000.0)
                      : 0;
    out.push_back(lag);
  }
  return out;
}

void ProjectionRunner::Publish(const std::map<int32_t, int64_t>& positions,
                               const std::vector<kafka::Message>& records) {
  {
    std::lock_guard lock(mu_);
    for (const auto& [p, pos] : positions) {
      auto& l = lag_[p];
      l.partition = p;
      l.next_offset = pos;
      l.end_offset = std::max(l.end_offset, pos);
    }
    for (const auto& m : records) last_timestamp_ms_[m.partition] = m.timestamp_ms;
    if (!records.empty()) ++changes_;
    for (const auto& m : records) changed_keys_.emplace_back(changes_, m.key);
    while (changed_keys_.size() > kChangedKeysKept) {
      dropped_through_ = changed_keys_.front().first;
      changed_keys_.pop_front();
    }
  }
  applied_cv_.notify_all();
}

uint64_t ProjectionRunner::WaitForChange(uint64_t seen, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  applied_cv_.wait_for(lock, timeout, [&] { return changes_ > seen; });
  return changes_;
}

ProjectionRunner::Changes ProjectionRunner::WaitForChangedKeys(uint64_t seen,
                                                               std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  applied_cv_.wait_for(lock, timeout, [&] { return changes_ > seen; });
  Changes out;
  out.now = changes_;
  out.complete = dropped_through_ <= seen;
  std::set<std::string_view> once;
  for (auto it = changed_keys_.rbegin(); it != changed_keys_.rend() && it->first > seen; ++it) {
    if (once.insert(it->second).second) out.keys.push_back(it->second);
  }
  return out;
}

void ProjectionRunner::HandleRetryRequests(ProjectionApplier& applier) {
  std::error_code ec;
  const fs::path dir = RetryRequestDir(options_);
  if (!fs::exists(dir, ec)) return;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".retry") continue;
    std::ifstream in(entry.path());
    std::string aggregate_key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto outcome = applier.Retry(aggregate_key);
    const std::string text = outcome.ok() ? *outcome : outcome.status().ToString();
    ProjectorLog()->info("dead-letter retry: {}", text);
    const fs::path done = fs::path(entry.path()).replace_extension(".done");
    std::ofstream(done.string() + ".tmp") << text << "\n";
    fs::rename(done.string() + ".tmp", done, ec);
    fs::remove(entry.path(), ec);
  }
}

Status ProjectionRunner::RunSession(const std::atomic<bool>& stop) {
  const std::string root = options_.Root();
  DOCKET_ASSIGN_OR_RETURN(std::string dir, projections::CurrentGeneration(root));
  // The generation being served. After a failed session it is still open
  // (RocksDB's lock is held by this process), so it is reused, not reopened.
  std::shared_ptr<ReadStore> served = store();
  std::shared_ptr<ReadStore> store = served && served->dir() == dir ? served : nullptr;
  if (!store) {
    const ReadStore::Options so{.memory = options_.store_memory};
    DOCKET_ASSIGN_OR_RETURN(auto opened, ReadStore::Open(dir, projection_.Families(), so));
    if (Status format = projections::CheckModelFormat(projection_, *opened, false);
        format.code() == StatusCode::kFailedPrecondition) {
      // Built by another model format (an upgrade): build a fresh generation
      // from the log, as a new installation would, and drop the old one.
      ProjectorLog()->warn("projection {}: {}; building a new generation from the log",
                           options_.context, format.message());
      opened.reset();
      DOCKET_ASSIGN_OR_RETURN(std::string fresh, projections::NewGeneration(root));
      DOCKET_RETURN_IF_ERROR(projections::SwapGeneration(root, fresh));
      std::error_code ec;
      fs::remove_all(dir, ec);
      dir = fresh;
      DOCKET_ASSIGN_OR_RETURN(opened, projections::OpenStore(projection_, dir, so));
    } else if (!format.ok()) {
      return format;
    }
    store = std::move(opened);
  }
  // A new generation (a rebuild was swapped in) is served only once it has
  // caught up with what the old one served: readers never go back in time,
  // and a position already confirmed stays confirmed.
  bool serving = !served || served == store;
  std::map<int32_t, int64_t> serve_from;
  if (!serving) {
    std::lock_guard lock(mu_);
    for (const auto& [p, l] : lag_) serve_from[p] = l.next_offset;
  }
  ProjectionApplier applier(projection_, store.get());
  DOCKET_RETURN_IF_ERROR(applier.Load());
  HandleRetryRequests(applier);

  kafka::Consumer::Options co;
  co.kafka = options_.kafka;
  co.group_id = options_.GroupId();
  co.read_committed = true;
  // (The positions past commit markers do not wait for the end of a
  // partition that the next empty fetch reports: PolledPositions.)
  co.fetch_wait_max_ms = kafka::Consumer::Options::kLongLivedFetchWaitMs;
  DOCKET_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(co));
  {
    std::lock_guard lock(mu_);
    polling_ = consumer.get();
  }
  absl::Cleanup not_polling = [this] {
    std::lock_guard lock(mu_);
    polling_ = nullptr;
  };
  const std::string topic = options_.EventsTopic();
  DOCKET_ASSIGN_OR_RETURN(auto partitions, consumer->Partitions(topic));
  DOCKET_ASSIGN_OR_RETURN(auto stored, store->Offsets());
  std::vector<kafka::TopicPartitionOffset> assignment;
  std::map<int32_t, int64_t> positions;
  for (int32_t p : partitions) {
    positions[p] = stored.count(p) ? stored[p] : 0;
    assignment.push_back({topic, p, positions[p]});
  }
  DOCKET_RETURN_IF_ERROR(consumer->Assign(assignment));
  auto start_serving = [&] {
    std::string previous;
    {
      std::lock_guard lock(mu_);
      if (store_ && store_ != store) previous = store_->dir();
      if (store_ && store_ != store) store_->db()->PauseBackgroundWork().PermitUncheckedError();
      store_ = store;
      lag_.clear();
    }
    serving = true;
    Publish(positions, {});
    if (!previous.empty()) {
      // Readers still holding the old generation keep their open files.
      std::error_code ec;
      fs::remove_all(previous, ec);
      ProjectorLog()->info("projection {}: now serving {} (removed {})", options_.context, dir,
                           previous);
    }
  };
  auto caught_up = [&] {
    for (const auto& [p, from] : serve_from) {
      if (positions[p] < from) return false;
    }
    return true;
  };
  if (serving || caught_up()) start_serving();
  DOCKET_RETURN_IF_ERROR(ReadFirstEnds(*consumer, topic, partitions));
  if (serving) NoteCaughtUp(positions);
  ProjectorLog()->info("projection {}: {} {}, {} partitions, {} parked aggregates",
                       options_.context, serving ? "serving" : "catching up", dir,
                       partitions.size(), applier.parked_aggregates());

  auto last_check = std::chrono::steady_clock::now();
  auto last_lag = std::chrono::steady_clock::time_point{};
  ProjectionApplier::Counters reported;
  while (!stop) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_check >= options_.check_interval) {
      last_check = now;
      auto live = projections::ExistingGeneration(root);
      if (live.ok() && *live != dir) {
        ++stats_.swaps;
        return Status::Ok();  // the next session opens the new generation
      }
      HandleRetryRequests(applier);
    }
    if (now - last_lag >= options_.lag_interval) {
      last_lag = now;
      RefreshLag(*consumer, topic, partitions, positions, serving);
    }
    auto batch = consumer->Poll(options_.max_batch, options_.poll_wait);
    if (!batch.ok()) {
      if (batch.status().code() == StatusCode::kUnavailable) continue;
      return batch.status();
    }
    // Without the positions the records alone move them (a failure here
    // only puts the step past a marker off to a later poll).
    auto polled = PolledPositions(*consumer, topic, *batch);
    std::map<int32_t, int64_t> ends;
    if (polled.ok()) ends = std::move(*polled);
    if (batch->messages.empty() && ends.empty()) continue;
    DOCKET_ASSIGN_OR_RETURN(positions, applier.Apply(batch->messages, ends));
    ++stats_.batches;
    const auto c = applier.counters();
    stats_.applied += c.applied - reported.applied;
    stats_.skipped += c.skipped - reported.skipped;
    stats_.parked += c.parked - reported.parked;
    reported = c;
    if (!serving && caught_up()) start_serving();
    if (serving) {
      Publish(positions, batch->messages);
      NoteCaughtUp(positions);
    }
  }
  return Status::Ok();
}

Status ProjectionRunner::ReadFirstEnds(kafka::Consumer& consumer, const std::string& topic,
                                       const std::vector<int32_t>& partitions) {
  if (first_ends_known_) return Status::Ok();
  std::map<int32_t, int64_t> ends;
  for (int32_t p : partitions) {
    DOCKET_ASSIGN_OR_RETURN(auto wm, consumer.Watermarks(topic, p));
    ends[p] = wm.second;
  }
  first_ends_ = std::move(ends);
  first_ends_known_ = true;
  return Status::Ok();
}

void ProjectionRunner::RefreshLag(kafka::Consumer& consumer, const std::string& topic,
                                  const std::vector<int32_t>& partitions,
                                  const std::map<int32_t, int64_t>& positions, bool serving) {
  // No broker round trip on the apply loop: the high watermarks the fetch
  // responses carried, and an asynchronous commit. (Six blocking watermark
  // queries and a synchronous commit every 2 s held every read-your-writes
  // wait behind them: docs/benchmarks.md.)
  std::vector<kafka::TopicPartitionOffset> commit;
  std::map<int32_t, int64_t> ends;
  for (int32_t p : partitions) {
    if (auto high = consumer.CachedHighWatermark(topic, p)) ends[p] = *high;
    auto at = positions.find(p);
    commit.push_back({topic, p, at == positions.end() ? 0 : at->second});
  }
  if (serving) {
    std::lock_guard lock(mu_);
    for (const auto& [p, end] : ends) {
      lag_[p].end_offset = end;
      lag_[p].end_known = true;
    }
  }
  consumer.CommitAsync(commit).IgnoreError();  // lag reporting only
}

void ProjectionRunner::Wake() {
  std::lock_guard lock(mu_);
  if (polling_) polling_->Wake();
}

bool ProjectionRunner::WaitCaughtUp(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return applied_cv_.wait_for(lock, timeout, [&] { return caught_up_.load(); });
}

void ProjectionRunner::NoteCaughtUp(const std::map<int32_t, int64_t>& positions) {
  if (caught_up_ || !first_ends_known_) return;
  for (const auto& [p, end] : first_ends_) {
    auto it = positions.find(p);
    if (end > 0 && (it == positions.end() || it->second < end)) return;
  }
  {
    std::lock_guard lock(mu_);  // a waiter checks and sleeps under mu_
    caught_up_ = true;
  }
  applied_cv_.notify_all();
  ProjectorLog()->info("projection {}: caught up with the log as it was at start",
                       options_.context);
}

Status ProjectionRunner::Run(const std::atomic<bool>& stop) {
  DOCKET_RETURN_IF_ERROR(options_.Validate());
  DOCKET_RETURN_IF_ERROR(CheckContext(projection_, options_));
  while (!stop) {
    Status s = RunSession(stop);
    if (s.ok()) continue;
    if (s.code() == StatusCode::kInvalidArgument) return s;
    ++stats_.failed_sessions;
    ProjectorLog()->warn("projection {}: session failed, retrying: {}", options_.context,
                         s.ToString());
    std::this_thread::sleep_for(options_.retry_backoff);
  }
  return Status::Ok();
}

}  // namespace docket::consumers
