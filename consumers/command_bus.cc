#include "consumers/command_bus.h"

#include <algorithm>

#include "common/hash.h"
#include "consumers/log.h"

namespace docket::consumers {

Status CommandBusOptions::Validate() const {
  DOCKET_RETURN_IF_ERROR(kafka.Validate());
  DOCKET_RETURN_IF_ERROR(layout.Validate());
  if (max_cached_results == 0) {
    return InvalidArgumentError("command bus: max_cached_results must be > 0");
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
  po.linger_ms = 1;
  DOCKET_ASSIGN_OR_RETURN(bus->producer_, kafka::Producer::Create(po));

  kafka::Consumer::Options co;
  co.kafka = bus->options_.kafka;
  co.kafka.client_id = "docket-command-bus";
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
  if (listener_.joinable()) listener_.join();
}

void CommandBus::Listen() {
  while (!stop_) {
    Result<kafka::PollBatch> batch = consumer_->Poll(1000, std::chrono::milliseconds(100));
    if (!batch.ok()) {
      DeciderLog()->warn("command bus: {}", batch.status().ToString());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    for (const kafka::Message& m : batch->messages) {
      Result<fb::CommandResultT> r = events::DecodeCommandResult(m.value);
      if (!r.ok()) {
        DeciderLog()->error("command bus: {}/{}@{}: {}", m.topic, m.partition, m.offset,
                            r.status().ToString());
        continue;
      }
      Remember(std::move(*r));
    }
  }
}

void CommandBus::Remember(fb::CommandResultT r) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string id = r.command_id;
    if (results_.insert_or_assign(id, std::move(r)).second) order_.push_back(id);
    while (results_.size() > options_.max_cached_results) {
      results_.erase(order_.front());
      order_.pop_front();
    }
  }
  cv_.notify_all();
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

Result<CommandOutcome> CommandBus::Submit(const fb::CommandEnvelopeT& command,
                                          std::chrono::milliseconds wait) {
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
  {
    // A rejection for an unreadable record answers that record only: the
    // command sent again is waited for afresh.
    std::lock_guard<std::mutex> lock(mu_);
    auto it = results_.find(command.command_id);
    if (it != results_.end() && it->second.rule == events::kUnreadableCommandRule) {
      results_.erase(it);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  kafka::Delivery d =
      producer_
          ->Produce({options_.layout.CommandsTopic(handler->context()), partition, key,
                     events::EncodeCommand(command),
                     {{events::kCommandIdHeader, command.command_id}}})
          .get();
  if (!d.status.ok()) return d.status.Annotate("command " + command.command_id);

  std::unique_lock<std::mutex> lock(mu_);
  CommandOutcome out;
  if (cv_.wait_until(lock, deadline,
                     [&] { return results_.count(command.command_id) > 0; })) {
    out.decided = true;
    out.result = results_.at(command.command_id);
  } else {
    out.result.command_id = command.command_id;
  }
  return out;
}

std::optional<fb::CommandResultT> CommandBus::Lookup(const std::string& command_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = results_.find(command_id);
  if (it == results_.end()) return std::nullopt;
  return it->second;
}

}  // namespace docket::consumers
