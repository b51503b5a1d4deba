#include "consumers/decider.h"

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "aggregates/rules.h"
#include "common/text.h"
#include "consumers/log.h"
#include "events/codec.h"
#include "events/envelope.h"

namespace docket::consumers {
namespace {

using aggregates::Decision;
using aggregates::Events;
using aggregates::Rejection;

// Counts outstanding delivery callbacks and remembers positions and the
// first failure. Callbacks run on the producer's poll thread.
// Shared with the callbacks: a failed transaction may be aborted (and its
// records' callbacks run) after the batch that created it has returned.
class Deliveries : public std::enable_shared_from_this<Deliveries> {
 public:
  kafka::DeliveryCallback Track(size_t index) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++pending_;
      if (offsets_.size() <= index) offsets_.resize(index + 1, -1);
    }
    return [self = shared_from_this(), index](const kafka::Delivery& d) {
      std::lock_guard<std::mutex> lock(self->mu_);
      if (d.status.ok()) {
        self->offsets_[index] = d.offset;
      } else if (self->error_.ok()) {
        self->error_ = d.status;
      }
      if (--self->pending_ == 0) self->cv_.notify_all();
    };
  }
  // Waits (bounded) until every tracked record reported.
  Status Wait(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return pending_ == 0; })) {
      return UnavailableError("delivery reports missing after " +
                              std::to_string(timeout.count()) + " ms");
    }
    return error_;
  }
  int64_t offset(size_t index) {
    std::lock_guard<std::mutex> lock(mu_);
    return offsets_[index];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t pending_ = 0;
  std::vector<int64_t> offsets_;
  Status error_;
};

fb::CommandResultT ResultFor(const fb::CommandEnvelopeT& c, const std::string& aggregate_id,
                             int64_t now_us, std::string_view context) {
  fb::CommandResultT r;
  r.context = std::string(context);
  r.command_id = c.command_id;
  r.aggregate_id = aggregate_id;
  r.decided_at_us = now_us;
  if (c.actor) r.actor_user_id = c.actor->user_id;
  r.schema_version = events::kResultSchemaVersion;
  return r;
}

}  // namespace

// Everything one batch decides, before it is committed.
struct Decider::BatchWork {
  struct Out {
    int32_t partition;
    std::string key;
    std::string value;
    size_t result;  // index into results
  };
  std::vector<Out> events;
  std::vector<fb::CommandResultT> results;
  std::vector<int32_t> result_partition;
  std::vector<bool> result_is_new;  // false: a stored result sent again
  std::unordered_map<std::string, size_t> by_command;        // in-batch dedupe
  std::map<std::pair<int32_t, std::string>, std::string> states;  // overlay
  std::map<int32_t, uint64_t> counters;                       // overlay
  std::map<int32_t, int64_t> next_command_offset;
  // Command records no one can read, as they were, for the parked topic.
  std::vector<kafka::Record> parked;
  // Set when the batch cannot be decided safely (e.g. the store failed); the
  // session restarts and the commands are read again.
  Status error;

  // A result of partition `p` to send; `is_new` results are stored for
  // dedupe after the commit.
  void AddResult(fb::CommandResultT r, int32_t p, bool is_new) {
    by_command[r.command_id] = results.size();
    results.push_back(std::move(r));
    result_partition.push_back(p);
    result_is_new.push_back(is_new);
  }

  // Once the events are delivered: every result carries the position of its
  // command's last event, an in-batch duplicate that of its first copy.
  void SetEventPositions(Deliveries& event_reports);
  // Per events partition, the offset after the last event delivered.
  std::map<int32_t, int64_t> EventsNext(Deliveries& event_reports) const;
  // Per results partition, the offset after the last result delivered.
  std::map<int32_t, int64_t> ResultsNext(Deliveries& result_reports) const;
};

void Decider::BatchWork::SetEventPositions(Deliveries& event_reports) {
  for (size_t i = 0; i < events.size(); ++i) {
    auto& r = results[events[i].result];
    r.events_partition = events[i].partition;
    r.events_offset = event_reports.offset(i);
  }
  for (size_t i = 0; i < results.size(); ++i) {
    if (!result_is_new[i] && results[i].events_offset < 0) {
      // An in-batch duplicate: copy the first copy's final position.
      const auto& first = results[by_command.at(results[i].command_id)];
      results[i].events_partition = first.events_partition;
      results[i].events_offset = first.events_offset;
    }
  }
}

std::map<int32_t, int64_t> Decider::BatchWork::EventsNext(Deliveries& event_reports) const {
  std::map<int32_t, int64_t> next;
  for (size_t i = 0; i < events.size(); ++i) {
    const int32_t p = events[i].partition;
    next[p] = std::max(next[p], event_reports.offset(i) + 1);
  }
  return next;
}

std::map<int32_t, int64_t> Decider::BatchWork::ResultsNext(Deliveries& result_reports) const {
  std::map<int32_t, int64_t> next;
  for (size_t i = 0; i < results.size(); ++i) {
    const int32_t p = result_partition[i];
    next[p] = std::max(next[p], result_reports.offset(i) + 1);
  }
  return next;
}

Status DeciderOptions::Validate() const {
  DOCKET_RETURN_IF_ERROR(kafka.Validate());
  DOCKET_RETURN_IF_ERROR(layout.Validate());
  if (group_id.empty()) return InvalidArgumentError("decider: group_id is empty");
  if (instance_id.empty()) return InvalidArgumentError("decider: instance_id is empty");
  if (data_dir.empty()) return InvalidArgumentError("decider: data_dir is empty");
  if (max_batch == 0 || max_batch > 100000) {
    return InvalidArgumentError("decider: max_batch must be 1..100000");
  }
  if (producers < 1 || producers > 2) {
    return InvalidArgumentError("decider: producers must be 1 or 2");
  }
  if (session_timeout_ms < 1000) {
    return InvalidArgumentError("decider: session_timeout_ms must be >= 1000");
  }
  if (transaction_timeout < kafka.timeout) {
    return InvalidArgumentError("decider: transaction_timeout must be >= kafka.timeout");
  }
  if (stable_wait < transaction_timeout + std::chrono::seconds(15)) {
    return InvalidArgumentError(
        "decider: stable_wait must be at least transaction_timeout (" +
        std::to_string(transaction_timeout.count()) + " ms) + 15 s");
  }
  return Status::Ok();
}

Decider::Decider(DeciderOptions options, const aggregates::AggregateHandler& handler,
                 const Clock& clock)
    : options_(std::move(options)), handler_(handler), clock_(clock) {}

Decider::~Decider() = default;

std::string Decider::TransactionalId(int slot) const {
  std::string id = options_.layout.prefix + ".decider." + std::string(handler_.context()) +
                   "." + options_.instance_id;
  return slot == 0 ? id : id + "." + std::to_string(slot);
}

bool Decider::Fenced() const {
  for (const auto& p : producers_) {
    if (p && p->fenced()) return true;
  }
  return false;
}

Status Decider::Run(const std::atomic<bool>& stop) {
  DOCKET_RETURN_IF_ERROR(options_.Validate());
  DOCKET_ASSIGN_OR_RETURN(
      store_, StateStore::Open(options_.data_dir + "/decider-" +
                                   std::string(handler_.context()) + "-" +
                                   options_.instance_id,
                               options_.store));
  while (!stop) {
    Status s = RunSession(stop);
    const bool fenced = Fenced();
    std::unique_ptr<kafka::Consumer> ended;
    {
      std::lock_guard lock(consumer_mu_);
      ended = std::move(consumer_);
    }
    ended.reset();  // closes it, outside the lock
    producers_.clear();
    owned_.clear();
    if (s.ok()) break;
    if (fenced) {
      // Another live process runs as this instance; taking the id back would
      // only fence it in turn, forever. Leave it the partitions.
      return AbortedError("decider " + TransactionalId() +
                          " was fenced by another process with the same instance id: " +
                          s.message());
    }
    ++stats_.failed_sessions;
    DeciderLog()->warn("decider {}: session ended: {}; starting a new one",
                       TransactionalId(), s.ToString());
    for (auto waited = std::chrono::milliseconds(0);
         waited < options_.retry_backoff && !stop; waited += std::chrono::milliseconds(50)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return Status::Ok();
}

void Decider::Wake() {
  std::lock_guard lock(consumer_mu_);
  if (consumer_) consumer_->Wake();
}

Status Decider::RunSession(const std::atomic<bool>& stop) {
  assign_error_ = Status::Ok();
  for (int slot = 0; slot < options_.producers; ++slot) {
    kafka::Producer::Options po;
    po.kafka = options_.kafka;
    po.kafka.client_id = TransactionalId(slot);
    po.transactional_id = TransactionalId(slot);
    po.linger_ms = 0;
    po.transaction_timeout = options_.transaction_timeout;
    DOCKET_ASSIGN_OR_RETURN(auto producer, kafka::Producer::Create(po));
    DOCKET_RETURN_IF_ERROR(producer->InitTransactions());
    DOCKET_RETURN_IF_ERROR(producer->Prepare({options_.layout.EventsTopic(handler_.context()),
                                              options_.layout.ResultsTopic()}));
    producers_.push_back(std::move(producer));
  }
  next_producer_ = 0;

  kafka::Consumer::Options co;
  co.kafka = options_.kafka;
  co.kafka.client_id = TransactionalId();
  co.group_id = options_.layout.prefix + "." + options_.group_id + "." +
                std::string(handler_.context());
  co.group_instance_id = TransactionalId();
  co.session_timeout_ms = options_.session_timeout_ms;
  co.fetch_wait_max_ms = kafka::Consumer::Options::kLongLivedFetchWaitMs;
  DOCKET_ASSIGN_OR_RETURN(auto consumer, kafka::Consumer::Create(co));
  {
    std::lock_guard lock(consumer_mu_);
    consumer_ = std::move(consumer);
  }
  DOCKET_RETURN_IF_ERROR(consumer_->Subscribe(
      {options_.layout.CommandsTopic(handler_.context())}, this));
  DeciderLog()->info("decider {}: session started", TransactionalId());

  while (!stop) {
    Result<kafka::PollBatch> batch = consumer_->Poll(options_.max_batch, options_.poll_wait);
    if (!assign_error_.ok()) return assign_error_;
    if (!batch.ok()) return batch.status();
    // When to look at timers is operational cadence (steady clock); what is
    // due is domain time (the injected clock, in ProcessBatch).
    const auto tick = std::chrono::steady_clock::now();
    const bool timers = !owned_.empty() && tick - last_timer_ >= options_.timer_interval;
    if (batch->messages.empty() && !timers) continue;
    if (timers) last_timer_ = tick;
    DOCKET_RETURN_IF_ERROR(ProcessBatch(batch->messages, timers));
  }
  return Status::Ok();
}

void Decider::OnAssigned(const std::vector<kafka::TopicPartitionOffset>& parts) {
  std::vector<int32_t> ids;
  for (const auto& tp : parts) ids.push_back(tp.partition);
  Status s = CatchUp(ids);
  if (!s.ok()) assign_error_ = s.Annotate("catch-up");
}

void Decider::OnRevoked(const std::vector<kafka::TopicPartitionOffset>& parts) {
  for (const auto& tp : parts) {
    owned_.erase(tp.partition);
    DeciderLog()->info("decider {}: partition {} revoked", TransactionalId(), tp.partition);
  }
}

Result<std::vector<kafka::TopicPartitionOffset>> Decider::FencingOffsets(
    const std::map<int32_t, int64_t>& consumed) {
  const std::string topic = options_.layout.CommandsTopic(handler_.context());
  std::vector<kafka::TopicPartitionOffset> offsets;
  for (const auto& [p, next] : consumed) offsets.push_back({topic, p, next});
  if (!offsets.empty()) return offsets;
  // Timer commands only: re-send offsets that are already true. Positions
  // (last consumed + 1) first, then the group's committed offsets.
  std::vector<kafka::TopicPartitionOffset> owned;
  for (const auto& [p, part] : owned_) owned.push_back({topic, p, 0});
  if (owned.empty()) return offsets;
  DOCKET_ASSIGN_OR_RETURN(offsets, consumer_->Positions(owned));
  if (!offsets.empty()) return offsets;
  DOCKET_ASSIGN_OR_RETURN(offsets, consumer_->Committed(owned));
  if (!offsets.empty()) return offsets;
  // Nothing was ever committed for these partitions, so nothing was
  // consumed either: the log start is the exact position.
  DOCKET_ASSIGN_OR_RETURN(auto wm, consumer_->Watermarks(topic, owned[0].partition));
  offsets.push_back({topic, owned[0].partition, wm.first});
  return offsets;
}

Result<std::string> Decider::CurrentState(BatchWork& work, int32_t p,
                                          const std::string& id) {
  auto it = work.states.find({p, id});
  if (it != work.states.end()) return it->second;
  Partition& part = owned_.at(p);
  auto cached = part.states.find(id);
  if (cached != part.states.end()) return cached->second;
  DOCKET_ASSIGN_OR_RETURN(auto stored, store_->Get(p, 's', id));
  std::string state = stored ? *stored : std::string();
  if (part.states.size() >= options_.max_cached_states) part.states.clear();
  part.states[id] = state;
  return state;
}

// Dedupe: a command answered before, in this batch or in the store, gets
// that answer again (true); false to decide it. Sets w.error when the store
// cannot tell: deciding again could apply it twice.
bool Decider::AnsweredBefore(BatchWork& w, int32_t p, const fb::CommandEnvelopeT& cmd) {
  if (auto it = w.by_command.find(cmd.command_id); it != w.by_command.end()) {
    ++stats_.duplicates;
    fb::CommandResultT again = w.results[it->second];
    w.results.push_back(std::move(again));
    w.result_partition.push_back(p);
    w.result_is_new.push_back(false);
    return true;  // positions are copied from the first copy after delivery
  }
  Result<std::optional<std::string>> stored = store_->Get(p, 'd', cmd.command_id);
  if (!stored.ok()) {
    w.error = stored.status().Annotate("dedupe lookup of " + cmd.command_id);
    return true;
  }
  if (!stored->has_value()) return false;
  Result<fb::CommandResultT> r = events::DecodeCommandResult(**stored);
  if (!r.ok()) {
    w.error = r.status().Annotate("stored result of " + cmd.command_id);
    return true;
  }
  ++stats_.duplicates;
  w.AddResult(std::move(*r), p, /*is_new=*/false);
  return true;
}

void Decider::Handle(BatchWork& w, int32_t p, const fb::CommandEnvelopeT& cmd) {
  const int64_t now = clock_.NowMicros();
  auto add_result = [&](fb::CommandResultT r, bool is_new) {
    w.AddResult(std::move(r), p, is_new);
  };
  if (AnsweredBefore(w, p, cmd)) return;
  ++stats_.commands;

  std::string aggregate_id = cmd.aggregate_id;
  std::string state;
  const int32_t partitions = options_.layout.partitions;
  if (handler_.Creates(cmd)) {
    auto c = w.counters.find(p);
    uint64_t counter = c != w.counters.end() ? c->second : owned_.at(p).counter;
    aggregate_id = handler_.NewId(counter, p, partitions);
    w.counters[p] = counter + 1;  // burnt even when rejected: never reused
  } else {
    Result<int32_t> owner = handler_.PartitionOf(aggregate_id, partitions);
    if (!owner.ok() || *owner != p) {
      fb::CommandResultT r = ResultFor(cmd, aggregate_id, now, handler_.context());
      r.code = owner.ok() ? fb::ResultCode::InvalidArgument : fb::ResultCode::NotFound;
      r.rule = owner.ok() ? "command.wrong_partition" : "command.aggregate_id";
      r.message = owner.ok() ? "command for " + aggregate_id + " sent to partition " +
                                   std::to_string(p) + ", owner is " + std::to_string(*owner)
                             : owner.status().message();
      ++stats_.rejected;
      add_result(std::move(r), true);
      return;
    }
    Result<std::string> s = CurrentState(w, p, aggregate_id);
    if (!s.ok()) {
      w.error = s.status().Annotate("state of " + aggregate_id);
      return;
    }
    state = *s;
  }

  Decision d = handler_.Decide(state, cmd, now, aggregate_id);
  fb::CommandResultT r = ResultFor(cmd, aggregate_id, now, handler_.context());
  if (auto* rej = std::get_if<Rejection>(&d)) {
    fb::CommandResultT refused = aggregates::ResultOf(*rej);
    r.code = refused.code;
    r.rule = std::move(refused.rule);
    r.message = std::move(refused.message);
    r.field_errors = std::move(refused.field_errors);
    r.version = handler_.Version(state);
    if (handler_.Creates(cmd)) r.aggregate_id.clear();
    ++stats_.rejected;
    add_result(std::move(r), true);
    return;
  }
  const Events& evs = std::get<Events>(d);
  uint64_t version = handler_.Version(state);
  const size_t result_index = w.results.size();
  std::vector<BatchWork::Out> outs;  // appended only when every event applied
  for (size_t i = 0; i < evs.size(); ++i) {
    fb::EventEnvelopeT env = events::EventOf(cmd, aggregate_id, ++version,
                                             static_cast<uint32_t>(i), now, evs[i]);
    Result<std::string> next = handler_.Apply(state, env);
    if (!next.ok()) {
      r.code = fb::ResultCode::Internal;
      r.rule = "state.apply";
      r.message = next.status().ToString();
      ++stats_.rejected;
      add_result(std::move(r), true);
      return;  // none of this command's events is appended
    }
    state = std::move(*next);
    std::string bytes = events::EncodeEvent(env);
    if (bytes.size() > events::DecodeLimits{}.max_bytes) {
      r.code = fb::ResultCode::InvalidArgument;
      r.rule = "command.too_large";
      r.message = "the command's event " + std::to_string(i) + " would be " +
                  std::to_string(bytes.size()) + " bytes, over the " +
                  std::to_string(events::DecodeLimits{}.max_bytes) + "-byte record limit";
      ++stats_.rejected;
      add_result(std::move(r), true);
      return;
    }
    outs.push_back({p, aggregate_id, std::move(bytes), result_index});
  }
  for (auto& o : outs) w.events.push_back(std::move(o));
  w.states[{p, aggregate_id}] = state;
  r.code = fb::ResultCode::Accepted;
  r.version = version;
  r.event_count = static_cast<uint32_t>(evs.size());
  ++stats_.accepted;
  add_result(std::move(r), true);
}

// Decides the batch's commands in order; commands of partitions no longer
// owned are left out, unreadable ones skipped.
Status Decider::DecideMessages(BatchWork& w, const std::vector<kafka::Message>& messages) {
  for (const kafka::Message& m : messages) {
    if (!owned_.count(m.partition)) continue;
    w.next_command_offset[m.partition] = m.offset + 1;
    Result<fb::CommandEnvelopeT> cmd = events::DecodeCommand(m.value);
    if (!cmd.ok()) {
      Unreadable(w, m, cmd.status());
      continue;
    }
    Handle(w, m.partition, *cmd);
    if (!w.error.ok()) return w.error;
  }
  return Status::Ok();
}

// A command record that does not decode (corrupt, or a newer schema than
// this decider knows): the gateway already answered 202 "will be decided".
// When the record names its command (kCommandIdHeader) its sender gets a
// rejection (Internal, rule command.unreadable; not kept for dedupe, so the
// same command sent again after an upgrade is decided); either way the
// record is parked, as it was, in the parked-commands topic, in the same
// transaction as the offset that moves past it.
void Decider::Unreadable(BatchWork& w, const kafka::Message& m, const Status& why) {
  const std::string source = m.topic + "/" + std::to_string(m.partition) + "/" +
                             std::to_string(m.offset);
  ++stats_.parked;
  std::string command_id;
  for (const auto& h : m.headers) {
    if (h.key == events::kCommandIdHeader) command_id = h.value;
  }
  const bool answerable = !command_id.empty() && command_id.size() <= 128 &&
                          Utf8Length(command_id) > 0 && !w.by_command.count(command_id);
  DeciderLog()->error("decider: {}: {} (parked{})", source, why.ToString(),
                      answerable ? ", rejected" : ", no command id to answer");
  if (answerable) {
    fb::CommandResultT r;
    r.command_id = command_id;
    r.aggregate_id = Utf8Length(m.key) >= 0 ? m.key.substr(0, 256) : std::string();
    r.code = fb::ResultCode::Internal;
    r.rule = events::kUnreadableCommandRule;
    r.context = std::string(handler_.context());
    r.message = "no decider could read this command: " + why.message();
    r.schema_version = events::kResultSchemaVersion;
    w.AddResult(std::move(r), m.partition, /*is_new=*/false);  // never a dedupe answer
  }
  kafka::Record parked{options_.layout.ParkedCommandsTopic(), 0, source, m.value, m.headers};
  parked.headers.push_back({events::kParkedReasonHeader, why.ToString()});
  parked.headers.push_back({events::kParkedSourceHeader, source});
  w.parked.push_back(std::move(parked));
}

// Decides the commands of due timers, within what is left of the batch after
// its `batch_commands` consumed commands.
Status Decider::DecideTimers(BatchWork& w, size_t batch_commands) {
  const int64_t now = clock_.NowMicros();
  // At most max_batch commands per transaction, timers included: after a
  // long downtime the due timers are worked off over several batches.
  size_t budget = options_.max_batch > batch_commands ? options_.max_batch - batch_commands : 0;
  for (auto& [p, part] : owned_) {
    for (const auto& [id, due] : part.timers) {
      if (due > now) continue;
      if (budget == 0) break;
      --budget;
      Result<std::string> state = CurrentState(w, p, id);
      if (!state.ok()) continue;
      if (auto cmd = handler_.TimerCommand(*state, now)) {
        ++stats_.timer_commands;
        Handle(w, p, *cmd);
        if (!w.error.ok()) return w.error;
      }
    }
  }
  return Status::Ok();
}

// Inside the open transaction: the events, then the results (with their
// events' positions), then the consumed offsets; commits, then writes the
// store. The caller aborts the transaction on an error.
Status Decider::SendAndCommit(kafka::Producer& producer, BatchWork& w,
                              const std::vector<kafka::TopicPartitionOffset>& offsets) {
  const std::string events_topic = options_.layout.EventsTopic(handler_.context());
  const std::string results_topic = options_.layout.ResultsTopic();
  using Steady = std::chrono::steady_clock;
  auto stage_start = Steady::now();
  auto stage = [&](Stats::Stage which) {
    const auto now = Steady::now();
    stats_.stages[which].Observe(now - stage_start);
    stage_start = now;
  };
  auto event_reports_ptr = std::make_shared<Deliveries>();
  Deliveries& event_reports = *event_reports_ptr;
  for (size_t i = 0; i < w.events.size(); ++i) {
    const auto& e = w.events[i];
    DOCKET_RETURN_IF_ERROR(producer.Produce({events_topic, e.partition, e.key, e.value},
                                              event_reports.Track(i)));
  }
  DOCKET_RETURN_IF_ERROR(event_reports.Wait(options_.kafka.timeout));
  stage(Stats::kEventsAcked);
  w.SetEventPositions(event_reports);
  auto result_reports_ptr = std::make_shared<Deliveries>();
  Deliveries& result_reports = *result_reports_ptr;
  std::vector<std::string> encoded_results(w.results.size());  // sent, then stored
  for (size_t i = 0; i < w.results.size(); ++i) {
    encoded_results[i] = events::EncodeCommandResult(w.results[i]);
    DOCKET_RETURN_IF_ERROR(producer.Produce(
        {results_topic, w.result_partition[i], w.results[i].command_id, encoded_results[i]},
        result_reports.Track(i)));
  }
  auto parked_reports_ptr = std::make_shared<Deliveries>();
  for (size_t i = 0; i < w.parked.size(); ++i) {
    DOCKET_RETURN_IF_ERROR(producer.Produce(w.parked[i], parked_reports_ptr->Track(i)));
  }
  // The results must be in the log before the offsets say the commands
  // are done: a new owner catching up relies on finding them.
  DOCKET_RETURN_IF_ERROR(result_reports.Wait(options_.kafka.timeout));
  DOCKET_RETURN_IF_ERROR(parked_reports_ptr->Wait(options_.kafka.timeout));
  stage(Stats::kResultsAcked);
  DOCKET_RETURN_IF_ERROR(producer.SendOffsetsToTransaction(offsets, *consumer_));
  DOCKET_RETURN_IF_ERROR(producer.CommitTransaction());
  stage(Stats::kCommit);

  // Committed: now, and only now, the state store.
  DOCKET_RETURN_IF_ERROR(WriteCommitted(w, encoded_results, w.EventsNext(event_reports),
                                        w.ResultsNext(result_reports)));
  stage(Stats::kStoreWrite);
  ++stats_.transactions;
  return Status::Ok();
}

// After the commit: writes the batch's states, results, counters and
// positions to the store in one write, then to the owned partitions.
Status Decider::WriteCommitted(const BatchWork& w,
                               const std::vector<std::string>& encoded_results,
                               const std::map<int32_t, int64_t>& events_next,
                               const std::map<int32_t, int64_t>& results_next) {
  StateStore::Batch batch;
  for (const auto& [key, state] : w.states) batch.Put(key.first, 's', key.second, state);
  for (size_t i = 0; i < w.results.size(); ++i) {
    if (w.result_is_new[i]) {
      batch.Put(w.result_partition[i], 'd', w.results[i].command_id, encoded_results[i]);
    }
  }
  for (const auto& [p, c] : w.counters) batch.PutNumber(p, "counter", c);
  for (const auto& [p, n] : events_next) batch.PutNumber(p, "events_next", n);
  for (const auto& [p, n] : results_next) batch.PutNumber(p, "results_next", n);
  DOCKET_RETURN_IF_ERROR(store_->Write(batch));
  for (const auto& [key, state] : w.states) {
    Partition& part = owned_.at(key.first);
    part.states[key.second] = state;
    if (auto due = handler_.TimerDueAt(state)) {
      part.timers[key.second] = *due;
    } else {
      part.timers.erase(key.second);
    }
  }
  for (const auto& [p, c] : w.counters) owned_.at(p).counter = c;
  for (const auto& [p, n] : events_next) owned_.at(p).events_next = n;
  for (const auto& [p, n] : results_next) owned_.at(p).results_next = n;
  return Status::Ok();
}

Status Decider::ProcessBatch(const std::vector<kafka::Message>& messages, bool run_timers) {
  const auto start = std::chrono::steady_clock::now();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  for (const kafka::Message& m : messages) {
    if (m.timestamp_ms > 0) {
      stats_.stages[Stats::kInLog].ObserveSeconds(
          static_cast<double>(std::max<int64_t>(0, now_ms - m.timestamp_ms)) / 1000.0);
    }
  }
  BatchWork w;
  DOCKET_RETURN_IF_ERROR(DecideMessages(w, messages));
  if (run_timers) DOCKET_RETURN_IF_ERROR(DecideTimers(w, messages.size()));
  if (w.results.empty() && w.next_command_offset.empty()) return Status::Ok();
  stats_.stages[Stats::kDecide].Observe(std::chrono::steady_clock::now() - start);

  // Every transaction sends consumed offsets, also one of timer commands
  // only: the group metadata that comes with them fences a stale owner.
  DOCKET_ASSIGN_OR_RETURN(std::vector<kafka::TopicPartitionOffset> offsets,
                          FencingOffsets(w.next_command_offset));
  if (offsets.empty()) {
    DeciderLog()->debug("decider {}: no offsets to fence timer commands with yet; "
                        "retrying later", TransactionalId());
    return Status::Ok();
  }
  kafka::Producer& producer = *producers_[next_producer_];
  next_producer_ = (next_producer_ + 1) % producers_.size();
  DOCKET_RETURN_IF_ERROR(producer.BeginTransaction());
  Status s = SendAndCommit(producer, w, offsets);
  if (!s.ok() && !producer.fenced() && s.code() != StatusCode::kAborted) {
    producer.AbortTransaction().IgnoreError();
  }
  if (s.ok()) stats_.stages[Stats::kBatch].Observe(std::chrono::steady_clock::now() - start);
  return s;
}

}  // namespace docket::consumers
