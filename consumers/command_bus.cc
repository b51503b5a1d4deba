#include "consumers/command_bus.h"

#include <algorithm>
#include <future>

#include "common/hash.h"
#include "consumers/log.h"

namespace docket::consumers {

Status CommandBusOptions::Validate() const {
  DOCKET_RETURN_IF_ERROR(kafka.Validate());
  DOCKET_RETURN_IF_ERROR(layout.Validate());
  if (max_cached_results == 0) {
    return InvalidArgumentError("command bus: max_cached_results must be > 0");
  }
  if (max_in_flight == 0) {
    return InvalidArgumentError("command bus: max_in_flight must be > 0");
  }
  return Status::Ok();
}

CommandBus::CommandBus(CommandBusOptions options,
                       std::vector<const aggregates::AggregateHandler*> handlers)
    : options_(std::move(options)), handlers_(std::move(handlers)) {}

Result<std::unique_ptr<CommandBus>> CommandBus::Create(
    CommandBusOptions options, const aggregates::AggregateHandler& handler) {
  return Create(std::move(options), std::vector<const aggregates::AggregateHandler*>{&handler});
}

Result<std::unique_ptr<CommandBus>> CommandBus::Create(
    CommandBusOptions options, std::vector<const aggregates::AggregateHandler*> handlers) {
  DOCKET_RETURN_IF_ERROR(options.Validate());
  if (handlers.empty()) return InvalidArgumentError("command bus: no handlers");
  std::unique_ptr<CommandBus> bus(new CommandBus(std::move(options), std::move(handlers)));
  kafka::Producer::Options po;
  po.kafka = bus->options_.kafka;
  po.kafka.client_id = "docket-command-bus";
  po.linger_ms = 0;
  DOCKET_ASSIGN_OR_RETURN(bus->producer_, kafka::Producer::Create(po));
  std::vector<std::string> command_topics;
  for (const auto* h : bus->handlers_) {
    command_topics.push_back(bus->options_.layout.CommandsTopic(h->context()));
  }
  // Only so that the first commands do not wait for the lookup.
  if (Status s = bus->producer_->Prepare(command_topics); !s.ok()) {
    DeciderLog()->warn("command bus: {}", s.ToString());
  }

  kafka::Consumer::Options co;
  co.kafka = bus->options_.kafka;
  co.kafka.client_id = "docket-command-bus";
  co.fetch_wait_max_ms = kafka::Consumer::Options::kLongLivedFetchWaitMs;
  DOCKET_ASSIGN_OR_RETURN(bus->consumer_, kafka::Consumer::Create(co));
  const std::string topic = bus->options_.layout.ResultsTopic();
  DOCKET_ASSIGN_OR_RETURN(auto parts, bus->consumer_->Partitions(topic));
  std::vector<kafka::TopicPartitionOffset> assignment;
  // Each partition's share of the cache is read back first, so Lookup
  // finds the recent results of every gateway, across a restart.
  const int64_t back = static_cast<int64_t>(bus->options_.recent_results_on_start /
                                            std::max<size_t>(1, parts.size()));
  for (int32_t p : parts) {
    // Explicit offsets, resolved now: a result written after Create
    // returns is always seen.
    DOCKET_ASSIGN_OR_RETURN(auto wm, bus->consumer_->Watermarks(topic, p));
    assignment.push_back({topic, p, std::max(wm.first, wm.second - back)});
  }
  DOCKET_RETURN_IF_ERROR(bus->consumer_->Assign(assignment));
  bus->listener_ = std::thread([b = bus.get()] { b->Listen(); });
  return bus;
}

CommandBus::~CommandBus() {
  stop_ = true;
  if (consumer_) consumer_->Wake();  // null when Create failed before it
  if (listener_.joinable()) listener_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;  // a callback's SubmitAsync from here on is refused
  }
  // Flushes (bounded) and reports every queued command while the waiters
  // are still here; those written but not answered end pending, those whose
  // write was never confirmed with an error.
  producer_.reset();
  std::vector<std::pair<WaiterPtr, bool>> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, w] : waiters_) left.emplace_back(w, w->written);
    for (const auto& [w, written] : left) TakeLocked(w);
  }
  for (const auto& [w, written] : left) {
    if (written) {
      w->done(Pending(w->command_id));
    } else {
      w->done(UnavailableError("command bus closed before the write of command " +
                               w->command_id + " was confirmed; submit it again"));
    }
  }
}

void CommandBus::Listen() {
  while (!stop_) {
    Result<kafka::PollBatch> batch = consumer_->Poll(1000, UntilFirstDeadline());
    if (!batch.ok()) {
      DeciderLog()->warn("command bus: {}", batch.status().ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      ExpireWaiters();
      continue;
    }
    std::vector<fb::CommandResultT> results;
    results.reserve(batch->messages.size());
    for (const kafka::Message& m : batch->messages) {
      Result<fb::CommandResultT> r = events::DecodeCommandResult(m.value);
      if (!r.ok()) {
        DeciderLog()->error("command bus: {}/{}@{}: {}", m.topic, m.partition, m.offset,
                            r.status().ToString());
        continue;
      }
      results.push_back(std::move(*r));
    }
    if (!results.empty()) Remember(std::move(results));
    ExpireWaiters();
  }
}

// One lock per poll: the results go into the cache, and each waiter of one
// of them is taken out and finished (outside the lock).
void CommandBus::Remember(std::vector<fb::CommandResultT> results) {
  std::vector<std::pair<WaiterPtr, fb::CommandResultT>> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (fb::CommandResultT& r : results) {
      // Every waiter of this command id is taken at once: no copy of the
      // range, no search per waiter.
      auto [first, last] = waiters_.equal_range(r.command_id);
      for (auto it = first; it != last; ++it) {
        const WaiterPtr& w = it->second;
        w->finished = true;
        EraseDeadlineLocked(w);
        ready.emplace_back(w, r);
      }
      waiters_.erase(first, last);
      std::string id = r.command_id;
      if (results_.insert_or_assign(id, std::move(r)).second) order_.push_back(id);
    }
    while (results_.size() > options_.max_cached_results) {
      results_.erase(order_.front());
      order_.pop_front();
    }
  }
  const auto now = std::chrono::steady_clock::now();
  for (auto& [w, r] : ready) {
    stats_.answered.Observe(now - w->started);
    CommandOutcome out;
    out.decided = true;
    out.result = std::move(r);
    w->done(std::move(out));
  }
}

bool CommandBus::TakeLocked(const WaiterPtr& w) {
  if (w->finished) return false;
  w->finished = true;
  auto [first, last] = waiters_.equal_range(w->command_id);
  for (auto it = first; it != last; ++it) {
    if (it->second == w) {
      waiters_.erase(it);
      break;
    }
  }
  EraseDeadlineLocked(w);
  return true;
}

void CommandBus::EraseDeadlineLocked(const WaiterPtr& w) {
  auto [first, last] = deadlines_.equal_range(w->deadline);
  for (auto it = first; it != last; ++it) {
    if (it->second == w) {
      deadlines_.erase(it);
      return;
    }
  }
}

void CommandBus::Finish(const WaiterPtr& w, Result<CommandOutcome> outcome) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!TakeLocked(w)) return;
  }
  w->done(std::move(outcome));
}

void CommandBus::ExpireWaiters() {
  std::vector<WaiterPtr> expired;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
      WaiterPtr w = deadlines_.begin()->second;
      deadlines_.erase(deadlines_.begin());
      if (ExpireLocked(w)) expired.push_back(std::move(w));
    }
  }
  for (const WaiterPtr& w : expired) w->done(Pending(w->command_id));
}

std::chrono::milliseconds CommandBus::UntilFirstDeadline() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  listen_until_ = now + kIdlePoll;
  if (!deadlines_.empty()) listen_until_ = std::min(listen_until_, deadlines_.begin()->first);
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::ceil<std::chrono::milliseconds>(listen_until_ - now));
}

bool CommandBus::ExpireLocked(const WaiterPtr& w) {
  if (w->finished) return false;
  // Not yet written: "pending" would tell the caller the command is on the
  // log. The write's report finishes it (pending, or the write's error).
  if (!w->written) {
    w->expired = true;
    return false;
  }
  return TakeLocked(w);
}

void CommandBus::Written(const WaiterPtr& w, const kafka::Delivery& d) {
  if (!d.status.ok()) {
    Finish(w, d.status.Annotate("command " + w->command_id));
    return;
  }
  stats_.written.Observe(std::chrono::steady_clock::now() - w->started);
  Result<CommandOutcome> out = Pending(w->command_id);
  {
    std::lock_guard<std::mutex> lock(mu_);
    w->written = true;
    if (w->finished) return;
    // A result already known (the same command id sent before) answers at
    // once; else the listener will, or the deadline.
    auto it = results_.find(w->command_id);
    if (it != results_.end()) {
      out->decided = true;
      out->result = it->second;
    } else if (!w->expired) {
      return;
    }
    TakeLocked(w);
  }
  w->done(std::move(out));
}

CommandOutcome CommandBus::Pending(const std::string& command_id) {
  CommandOutcome out;
  out.result.command_id = command_id;
  return out;
}

const aggregates::AggregateHandler* CommandBus::HandlerOf(fb::Command type) const {
  for (const auto* h : handlers_) {
    if (h->Handles(type)) return h;
  }
  return nullptr;
}

std::string_view CommandBus::ContextOf(fb::Command type) const {
  const aggregates::AggregateHandler* h = HandlerOf(type);
  return h ? h->context() : std::string_view();
}

Result<CommandBus::WaiterPtr> CommandBus::Start(const fb::CommandEnvelopeT& command,
                                               std::chrono::milliseconds wait,
                                               SubmitCallback done) {
  if (command.command_id.empty()) {
    return InvalidArgumentError("command bus: command_id is empty");
  }
  const aggregates::AggregateHandler* handler = HandlerOf(command.command.type);
  if (handler == nullptr) {
    return InvalidArgumentError("command bus: no handler for " +
                                std::string(events::CommandTypeName(command.command.type)));
  }
  const int32_t partitions = options_.layout.partitions;
  int32_t partition;
  std::string key = command.aggregate_id;
  if (handler->Creates(command)) {
    // Any partition can create; spread by command id (stable for retries).
    partition = static_cast<int32_t>(Fnv1a(command.command_id) %
                                     static_cast<uint64_t>(partitions));
    key = command.command_id;
  } else {
    DOCKET_ASSIGN_OR_RETURN(partition, handler->PartitionOf(command.aggregate_id, partitions));
  }
  auto w = std::make_shared<Waiter>();
  w->command_id = command.command_id;
  w->started = std::chrono::steady_clock::now();
  w->deadline = w->started + wait;
  w->done = std::move(done);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return UnavailableError("command bus: closing");
    if (waiters_.size() >= options_.max_in_flight) {
      return UnavailableError("command bus: " + std::to_string(waiters_.size()) +
                                    " commands already wait for their result; try again");
    }
    // A rejection for an unreadable record answers that record only: the
    // command sent again is waited for afresh.
    auto it = results_.find(command.command_id);
    if (it != results_.end() && it->second.rule == events::kUnreadableCommandRule) {
      results_.erase(it);
    }
    waiters_.emplace(w->command_id, w);
    deadlines_.emplace(w->deadline, w);
    // The listener would see this deadline pass late: wake it to wait less.
    if (w->deadline < listen_until_) consumer_->Wake();
  }
  Status queued = producer_->Produce(
      {options_.layout.CommandsTopic(handler->context()), partition, key,
       events::EncodeCommand(command), {{events::kCommandIdHeader, command.command_id}}},
      [this, w](const kafka::Delivery& d) { Written(w, d); });
  if (!queued.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    // A result of an earlier send of the same id may have finished it
    // meanwhile: then `done` has the outcome, and no error is returned.
    if (!TakeLocked(w)) return w;
    return queued.Annotate("command " + command.command_id);
  }
  return w;
}

Status CommandBus::SubmitAsync(const fb::CommandEnvelopeT& command,
                               std::chrono::milliseconds wait, SubmitCallback done) {
  return Start(command, wait, std::move(done)).status();
}

Result<CommandOutcome> CommandBus::Submit(const fb::CommandEnvelopeT& command,
                                          std::chrono::milliseconds wait) {
  auto promise = std::make_shared<std::promise<Result<CommandOutcome>>>();
  std::future<Result<CommandOutcome>> future = promise->get_future();
  DOCKET_ASSIGN_OR_RETURN(
      WaiterPtr w, Start(command, wait, [promise](Result<CommandOutcome> out) {
        promise->set_value(std::move(out));
      }));
  // The listener expires waiters on its poll cadence; a caller that waits
  // does not overshoot by it. The write's outcome is always awaited (an
  // unwritten command is never "pending"), bounded by the producer's
  // delivery timeout.
  if (future.wait_until(w->deadline) == std::future_status::timeout) {
    bool expired;
    {
      std::lock_guard<std::mutex> lock(mu_);
      expired = ExpireLocked(w);
    }
    if (expired) return Pending(w->command_id);
  }
  return future.get();
}

std::optional<fb::CommandResultT> CommandBus::Lookup(const std::string& command_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = results_.find(command_id);
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

}  // namespace docket::consumers
