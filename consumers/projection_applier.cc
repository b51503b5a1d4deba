// ProjectionApplier: records into one read store (consumers/projection_applier.h).
#include "consumers/projection_applier.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <thread>

#include "consumers/log.h"
#include "events/codec.h"
#include "projections/dead_keys.h"

namespace docket::consumers {
namespace {

using nlohmann::json;
using projections::ReadStore;
constexpr projections::CommonCf kDead = projections::CommonCf::kDead;
using projections::Txn;

// Reasons that park an aggregate: the record or the log is wrong. Anything else
// (the store failing) fails the batch, which is then retried whole.
bool IsPoison(const Status& s) {
  return s.code() == StatusCode::kDataLoss || s.code() == StatusCode::kFailedPrecondition;
}

}  // namespace

std::string DeadLetterKey(const projections::Projection& projection, const kafka::Message& m) {
  return projection.DeadLetterKey(m.key, m.partition, m.offset);
}

struct ProjectionApplier::Lane {
  Lane(const projections::Projection& p, ReadStore* s, bool bulk)
      : projection(p), store(s), applier(p.NewApplier()) {
    if (bulk) fold = std::make_unique<Txn>(s);
  }
  Status ApplyRecord(Txn& txn, const kafka::Message& m);
  Status Park(Txn& txn, const std::string& aggregate_key, const kafka::Message& m,
              const std::string& reason);
  // Applies one parked record's bytes; the failure reason, or "" when done.
  Result<std::string> TryApply(Txn& txn, const std::string& aggregate_key, std::string_view bytes);
  Result<std::map<int32_t, int64_t>> Apply(const std::vector<kafka::Message>& records,
                                           const std::map<int32_t, int64_t>& new_positions);
  Result<std::string> Retry(const std::string& aggregate_key);

  const projections::Projection& projection;
  ReadStore* store;
  std::unique_ptr<projections::EventApplier> applier;  // this lane's only
  std::set<std::string> parked;
  std::map<int32_t, int64_t> positions;
  Counters counters;
  std::unique_ptr<Txn> fold;  // kBulk: what Apply folded since the last Flush
};

ProjectionApplier::ProjectionApplier(const projections::Projection& projection, ReadStore* store,
                                     int lanes, Mode mode)
    : projection_(projection), store_(store), mode_(mode) {
  for (int i = 0; i < std::clamp(lanes, 1, 16); ++i) {
    lanes_.push_back(std::make_unique<Lane>(projection_, store, mode == Mode::kBulk));
  }
}
ProjectionApplier::~ProjectionApplier() { WaitIngestion().IgnoreError(); }

ProjectionApplier::Lane& ProjectionApplier::LaneOf(int32_t partition) {
  return *lanes_[static_cast<size_t>(partition < 0 ? 0 : partition) % lanes_.size()];
}

void ProjectionApplier::DropFolds() {
  for (auto& lane : lanes_) {
    if (lane->fold) lane->fold = std::make_unique<Txn>(store_);
  }
}

Status ProjectionApplier::Load() {
  WaitIngestion().IgnoreError();  // what it stored is read below
  DropFolds();
  for (auto& lane : lanes_) {
    lane->parked.clear();
    lane->positions.clear();
  }
  Status parse = Status::Ok();
  DOCKET_RETURN_IF_ERROR(store_->Scan(kDead, projections::keys::DeadPrefix(),
                                      [&](std::string_view k, std::string_view v) {
                                        json record = json::parse(v, nullptr, false);
                                        const int32_t p = record.is_object()
                                                              ? record.value("partition", 0)
                                                              : 0;
                                        LaneOf(p).parked.insert(std::string(k.substr(2)));
                                        return true;
                                      }));
  DOCKET_ASSIGN_OR_RETURN(auto offsets, store_->Offsets());
  for (const auto& [p, next] : offsets) LaneOf(p).positions[p] = next;
  return Status::Ok();
}

namespace {
// A lane's Apply with any exception turned into a Status: an exception must
// not escape a lane thread (std::terminate) or skip joining the others.
template <typename Lane>
Result<std::map<int32_t, int64_t>> GuardedApply(Lane& lane,
                                                const std::vector<kafka::Message>& records,
                                                const std::map<int32_t, int64_t>& positions) {
  try {
    return lane.Apply(records, positions);
  } catch (const std::exception& e) {
    return InternalError(std::string("projection lane failed: ") + e.what());
  }
}
}  // namespace

Result<std::map<int32_t, int64_t>> ProjectionApplier::Apply(
    const std::vector<kafka::Message>& records, const std::map<int32_t, int64_t>& positions) {
  const size_t n = lanes_.size();
  std::vector<std::vector<kafka::Message>> lane_records(n);
  std::vector<std::map<int32_t, int64_t>> lane_positions(n);
  for (const auto& m : records) {
    lane_records[static_cast<size_t>(std::max(0, m.partition)) % n].push_back(m);
  }
  for (const auto& [p, pos] : positions) lane_positions[static_cast<size_t>(std::max(0, p)) % n][p] = pos;
  std::vector<Result<std::map<int32_t, int64_t>>> results(n, std::map<int32_t, int64_t>{});
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < n; ++i) {
    if (lane_records[i].empty() && lane_positions[i].empty()) {
      results[i] = lanes_[i]->positions;
      continue;
    }
    helpers.emplace_back([&, i] { results[i] = GuardedApply(*lanes_[i], lane_records[i], lane_positions[i]); });
  }
  results[0] = GuardedApply(*lanes_[0], lane_records[0], lane_positions[0]);
  for (auto& t : helpers) t.join();
  std::map<int32_t, int64_t> all;
  for (auto& r : results) {
    if (!r.ok()) {
      // The lanes' folds are ingested together: none of them stands alone.
      DropFolds();
      return r.status();
    }
    all.insert(r->begin(), r->end());
  }
  return all;
}

Status ProjectionApplier::WaitIngestion() {
  if (!ingestion_.valid()) return Status::Ok();
  Status s = ingestion_.get();
  for (auto& lane : lanes_) {
    if (lane->fold) lane->fold->ReadThrough(nullptr);
  }
  ingesting_.clear();
  // The folds since read through what failed to be stored.
  if (!s.ok()) DropFolds();
  return s;
}

Status ProjectionApplier::Flush() {
  if (mode_ != Mode::kBulk) return Status::Ok();
  DOCKET_RETURN_IF_ERROR(WaitIngestion());
  std::vector<Txn*> folds;
  for (auto& lane : lanes_) folds.push_back(lane->fold.get());
  DOCKET_RETURN_IF_ERROR(store_->Ingest(folds));
  for (Txn* fold : folds) fold->Clear();
  return Status::Ok();
}

Status ProjectionApplier::FlushInBackground() {
  if (mode_ != Mode::kBulk) return Status::Ok();
  DOCKET_RETURN_IF_ERROR(WaitIngestion());
  std::vector<Txn*> folds;
  for (auto& lane : lanes_) {
    ingesting_.push_back(std::move(lane->fold));
    folds.push_back(ingesting_.back().get());
    lane->fold = std::make_unique<Txn>(store_);
    lane->fold->ReadThrough(folds.back());
  }
  ingestion_ = std::async(std::launch::async, [store = store_, folds]() -> Status {
    try {
      return store->Ingest(folds);
    } catch (const std::exception& e) {
      return InternalError(std::string("bulk ingestion failed: ") + e.what());
    }
  });
  return Status::Ok();
}

size_t ProjectionApplier::PendingBytes() const {
  size_t n = 0;
  for (const auto& lane : lanes_) n += lane->fold ? lane->fold->ApproximateBytes() : 0;
  return n;
}

Result<std::string> ProjectionApplier::Retry(const std::string& aggregate_key) {
  if (mode_ == Mode::kBulk) return FailedPreconditionError("retry: not in a bulk build");
  DOCKET_ASSIGN_OR_RETURN(auto existing, store_->Get(kDead, projections::keys::DeadKey(aggregate_key)));
  if (!existing) return NotFoundError(aggregate_key + " is not parked");
  json record = json::parse(*existing, nullptr, false);
  const int32_t p = record.is_object() ? record.value("partition", 0) : 0;
  return LaneOf(p).Retry(aggregate_key);
}

ProjectionApplier::Counters ProjectionApplier::counters() const {
  Counters c;
  for (const auto& lane : lanes_) {
    c.applied += lane->counters.applied;
    c.skipped += lane->counters.skipped;
    c.parked += lane->counters.parked;
  }
  return c;
}

size_t ProjectionApplier::parked_aggregates() const {
  size_t n = 0;
  for (const auto& lane : lanes_) n += lane->parked.size();
  return n;
}

Status ProjectionApplier::Lane::Park(Txn& txn, const std::string& aggregate_key, const kafka::Message& m,
                               const std::string& reason) {
  const std::string dead_key = projections::keys::DeadKey(aggregate_key);
  DOCKET_ASSIGN_OR_RETURN(auto existing, txn.Get(kDead, dead_key));
  json record;
  if (existing) {
    record = json::parse(*existing, nullptr, false);
    if (record.is_discarded()) record = json::object();
    record["parked"] = record.value("parked", 0) + 1;
  } else {
    // Only what the log determines (no times of processing, no retry
    // counts): verify compares a live model with a replay.
    record = {{"aggregate", aggregate_key}, {"partition", m.partition}, {"offset", m.offset},
              {"reason", reason}, {"parked", 1}};
    ProjectorLog()->warn("{} {} parked at {}@{}: {}", projection.context(), aggregate_key,
                         m.partition, m.offset, reason);
  }
  txn.Put(kDead, dead_key, record.dump(-1, ' ', false, json::error_handler_t::replace));
  txn.Put(kDead, projections::keys::ParkedKey(aggregate_key, m.partition, m.offset), m.value);
  parked.insert(aggregate_key);
  ++counters.parked;
  return Status::Ok();
}

Result<std::string> ProjectionApplier::Lane::TryApply(Txn& txn, const std::string& aggregate_key,
                                                std::string_view bytes) {
  auto event = events::DecodeEvent(bytes);
  if (!event.ok()) return "decode: " + event.status().message();
  if (event->aggregate_id != aggregate_key) {
    return "the record's key '" + aggregate_key + "' is not its aggregate id '" +
           event->aggregate_id + "'";
  }
  txn.SetSavePoint();
  Result<projections::ApplyOutcome> outcome = projections::ApplyOutcome::kApplied;
  try {
    outcome = applier->Apply(*event, txn);
  } catch (const std::exception& e) {
    // A stored row of an unexpected shape: the aggregate is parked, not the runner.
    outcome = DataLossError(std::string("projection failed: ") + e.what());
  }
  if (!outcome.ok()) {
    txn.RollbackToSavePoint();
    if (IsPoison(outcome.status())) return outcome.status().message();
    return outcome.status();
  }
  txn.PopSavePoint();
  if (*outcome == projections::ApplyOutcome::kApplied) {
    ++counters.applied;
  } else {
    ++counters.skipped;
  }
  return std::string();
}

Status ProjectionApplier::Lane::ApplyRecord(Txn& txn, const kafka::Message& m) {
  const std::string aggregate_key = projection.DeadLetterKey(m.key, m.partition, m.offset);
  if (parked.count(aggregate_key)) return Park(txn, aggregate_key, m, "");
  DOCKET_ASSIGN_OR_RETURN(std::string reason, TryApply(txn, aggregate_key, m.value));
  if (!reason.empty()) return Park(txn, aggregate_key, m, reason);
  return Status::Ok();
}

Result<std::map<int32_t, int64_t>> ProjectionApplier::Lane::Apply(
    const std::vector<kafka::Message>& records, const std::map<int32_t, int64_t>& new_positions) {
  Txn batch(store);
  Txn& txn = fold ? *fold : batch;
  std::map<int32_t, int64_t> next = positions;
  const std::set<std::string> parked_before = parked;
  const Counters counters_before = counters;
  auto undo = [&] {
    parked = parked_before;
    counters = counters_before;
  };
  for (const auto& m : records) {
    auto it = next.find(m.partition);
    if (it != next.end() && m.offset < it->second) continue;  // already stored
    Status s = ApplyRecord(txn, m);
    if (!s.ok()) {
      undo();
      return s;
    }
    next[m.partition] = m.offset + 1;
  }
  for (const auto& [p, pos] : new_positions) {
    auto it = next.find(p);
    if (it == next.end() || pos > it->second) next[p] = pos;
  }
  for (const auto& [p, pos] : next) {
    auto it = positions.find(p);
    if (it == positions.end() || it->second != pos) ReadStore::PutOffset(txn, p, pos);
  }
  if (!fold && txn.count() > 0) {
    if (Status s = store->Commit(txn); !s.ok()) {
      undo();
      return s;
    }
  }
  positions = next;
  return next;
}

Result<std::string> ProjectionApplier::Lane::Retry(const std::string& aggregate_key) {
  const std::string dead_key = projections::keys::DeadKey(aggregate_key);
  DOCKET_ASSIGN_OR_RETURN(auto existing, store->Get(kDead, dead_key));
  if (!existing) return NotFoundError(aggregate_key + " is not parked");
  json record = json::parse(*existing, nullptr, false);
  if (record.is_discarded()) record = json::object();
  Txn txn(store);
  size_t applied = 0, remaining = 0;
  std::string failure;
  std::string failed_key;
  Status scan_error = Status::Ok();
  const std::string prefix = projections::keys::ParkedPrefix(aggregate_key);
  Status s = store->Scan(kDead, prefix, [&](std::string_view k, std::string_view v) {
    if (!failure.empty()) {
      ++remaining;
      return true;
    }
    auto r = TryApply(txn, aggregate_key, v);
    if (!r.ok()) {
      scan_error = r.status();
      return false;
    }
    if (!r->empty()) {
      failure = *r;
      failed_key = std::string(k);
      ++remaining;
      return true;
    }
    txn.Delete(kDead, k);
    ++applied;
    return true;
  });
  DOCKET_RETURN_IF_ERROR(s);
  DOCKET_RETURN_IF_ERROR(scan_error);
  std::string outcome;
  if (failure.empty()) {
    txn.Delete(kDead, dead_key);
    outcome = aggregate_key + ": applied " + std::to_string(applied) +
              " parked record(s); no longer parked";
  } else {
    // The first record still failing is now the head of the queue.
    const std::string pos = failed_key.substr(prefix.size());
    record["partition"] = std::stoi(pos.substr(0, 5));
    record["offset"] = std::stoll(pos.substr(5));
    record["reason"] = failure;
    record["parked"] = remaining;
    txn.Put(kDead, dead_key, record.dump(-1, ' ', false, json::error_handler_t::replace));
    outcome = aggregate_key + ": applied " + std::to_string(applied) + ", still parked (" +
              std::to_string(remaining) + " record(s)): " + failure;
  }
  DOCKET_RETURN_IF_ERROR(store->Commit(txn));
  if (failure.empty()) parked.erase(aggregate_key);
  return outcome;
}

}  // namespace docket::consumers
