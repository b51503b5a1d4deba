// The decider's catch-up of newly assigned partitions from the log
// (docs/decider.md, "Catch-up"), apart from deciding: states, counters and
// dedupe entries rebuilt from the events and results topics, in chunks.
#include <set>
#include <thread>

#include "consumers/decider.h"
#include "consumers/log.h"
#include "events/codec.h"

namespace docket::consumers {

Status Decider::CatchUp(const std::vector<int32_t>& partitions) {
  if (partitions.empty()) return Status::Ok();
  const std::string events_topic = options_.layout.EventsTopic(handler_.context());
  const std::string results_topic = options_.layout.ResultsTopic();
  std::map<int32_t, Partition> parts;
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int32_t p : partitions) {
    Partition& part = parts[p];
    DOCKET_ASSIGN_OR_RETURN(part.counter, store_->GetNumber(p, "counter"));
    DOCKET_ASSIGN_OR_RETURN(part.events_next, store_->GetNumber(p, "events_next"));
    DOCKET_ASSIGN_OR_RETURN(part.results_next, store_->GetNumber(p, "results_next"));
    assignment.push_back({events_topic, p, static_cast<int64_t>(part.events_next)});
    assignment.push_back({results_topic, p, static_cast<int64_t>(part.results_next)});
  }
  // A previous owner may still have a transaction open on these partitions
  // (it was paused or cut off after sending its offsets). read_committed
  // stops before it, so catching up now could miss events that commit a
  // moment later. Wait until it ends, one way or the other.
  DOCKET_RETURN_IF_ERROR(WaitUntilStable(assignment));
  kafka::Consumer::Options co;
  co.kafka = options_.kafka;
  co.fetch_wait_max_ms = 10;
  DOCKET_ASSIGN_OR_RETURN(auto reader, kafka::Consumer::Create(co));
  DOCKET_RETURN_IF_ERROR(reader->Assign(assignment));

  // Read in bounded chunks: every catch_up_flush_events events, what was
  // read (states, results, derived results of accepted commands) and the
  // positions it reflects go to the store in one write.
  StateStore::Batch batch;
  DerivedResults accepted;
  uint64_t since_flush = 0;
  auto flush = [&]() -> Status {
    // A result record of the results topic wins over a derived result.
    for (const auto& [key, d] : accepted) {
      if (d.covered || d.result.command_id.empty()) continue;
      batch.Put(key.first, 'd', key.second, events::EncodeCommandResult(d.result));
    }
    for (auto& [p, part] : parts) {
      for (const auto& [id, state] : part.states) batch.Put(p, 's', id, state);
      batch.PutNumber(p, "counter", part.counter);
      batch.PutNumber(p, "events_next", part.events_next);
      batch.PutNumber(p, "results_next", part.results_next);
    }
    DOCKET_RETURN_IF_ERROR(store_->Write(batch));
    batch.Clear();
    accepted.clear();
    for (auto& [p, part] : parts) part.states.clear();
    since_flush = 0;
    return Status::Ok();
  };
  std::set<std::pair<std::string, int32_t>> open;
  for (const auto& a : assignment) open.insert({a.topic, a.partition});
  uint64_t applied = 0;
  while (!open.empty()) {
    DOCKET_ASSIGN_OR_RETURN(kafka::PollBatch b, reader->Poll(5000, options_.kafka.timeout));
    if (b.messages.empty() && b.reached_end.empty()) {
      return DeadlineExceededError("no progress catching up partitions");
    }
    for (const kafka::Message& m : b.messages) {
      const int32_t p = m.partition;
      Partition& part = parts[p];
      if (m.topic == results_topic) {
        Result<fb::CommandResultT> r = events::DecodeCommandResult(m.value);
        // An unreadable command's rejection is no dedupe answer (Unreadable).
        if (r.ok() && r->rule != events::kUnreadableCommandRule) {
          batch.Put(p, 'd', r->command_id, m.value);
          accepted[{p, r->command_id}].covered = true;
        }
        part.results_next = m.offset + 1;
        continue;
      }
      part.events_next = m.offset + 1;
      Result<fb::EventEnvelopeT> e = events::DecodeEvent(m.value);
      if (!e.ok()) {
        DeciderLog()->error("decider: {}/{}@{}: {} (skipped)", events_topic, p, m.offset,
                            e.status().ToString());
        continue;
      }
      std::string& state = part.states[e->aggregate_id];
      if (state.empty()) {
        DOCKET_ASSIGN_OR_RETURN(auto stored, store_->Get(p, 's', e->aggregate_id));
        if (stored) state = *stored;
      }
      if (e->version <= handler_.Version(state)) continue;  // already applied
      DOCKET_ASSIGN_OR_RETURN(state, handler_.Apply(state, *e));
      ++applied;
      part.counter = std::max(part.counter,
                              handler_.CounterAfter(e->aggregate_id, options_.layout.partitions));
      DOCKET_RETURN_IF_ERROR(AddDerivedResult(accepted, p, m.offset, *e));
      if (++since_flush >= options_.catch_up_flush_events) DOCKET_RETURN_IF_ERROR(flush());
    }
    for (const auto& end : b.reached_end) open.erase({end.topic, end.partition});
  }
  DOCKET_RETURN_IF_ERROR(flush());
  for (auto& [p, part] : parts) {
    // Timers of every aggregate of the partition.
    DOCKET_RETURN_IF_ERROR(store_->Scan(p, 's', [&](std::string_view id, std::string_view s) {
      if (auto due = handler_.TimerDueAt(s)) part.timers[std::string(id)] = *due;
    }));
    DeciderLog()->info("decider {}: partition {} caught up (events@{}, results@{})",
                       TransactionalId(), p, part.events_next, part.results_next);
    owned_[p] = std::move(part);
  }
  DeciderLog()->info("decider {}: {} partitions caught up, {} events applied",
                     TransactionalId(), partitions.size(), applied);
  return Status::Ok();
}

// The result an accepted command's events imply, for commands whose result
// record is gone from the results topic: its aggregate, last version, event
// count and the position of its last event. A command whose events span two
// chunks continues from the derived result the first chunk stored; a
// stored result that already counts this event (only a result record can:
// events applied before are skipped) covers the command.
Status Decider::AddDerivedResult(DerivedResults& accepted, int32_t p, int64_t offset,
                                 const fb::EventEnvelopeT& e) {
  Derived& d = accepted[{p, e.command_id}];
  if (d.covered) return Status::Ok();
  fb::CommandResultT& r = d.result;
  if (r.command_id.empty()) {
    DOCKET_ASSIGN_OR_RETURN(auto earlier, store_->Get(p, 'd', e.command_id));
    if (earlier) {
      DOCKET_ASSIGN_OR_RETURN(r, events::DecodeCommandResult(*earlier));
      if (r.events_partition == p && r.events_offset >= offset) {
        d.covered = true;
        return Status::Ok();
      }
    } else {
      r.command_id = e.command_id;
      r.aggregate_id = e.aggregate_id;
      r.decided_at_us = e.occurred_at_us;
      r.schema_version = events::kResultSchemaVersion;
    }
  }
  r.code = fb::ResultCode::Accepted;
  r.version = e.version;
  ++r.event_count;
  r.events_partition = p;
  r.events_offset = offset;
  return Status::Ok();
}

Status Decider::WaitUntilStable(const std::vector<kafka::TopicPartitionOffset>& parts) {
  kafka::Consumer::Options committed;
  committed.kafka = options_.kafka;
  kafka::Consumer::Options uncommitted = committed;
  uncommitted.read_committed = false;
  DOCKET_ASSIGN_OR_RETURN(auto rc, kafka::Consumer::Create(committed));
  DOCKET_ASSIGN_OR_RETURN(auto ru, kafka::Consumer::Create(uncommitted));
  const auto deadline = std::chrono::steady_clock::now() + options_.stable_wait;
  for (const auto& tp : parts) {
    // The end now; once the stable end has reached it, every transaction
    // that had written there has ended (later ones are not ours to wait for).
    DOCKET_ASSIGN_OR_RETURN(auto high, ru->Watermarks(tp.topic, tp.partition));
    bool logged = false;
    for (;;) {
      DOCKET_ASSIGN_OR_RETURN(auto stable, rc->Watermarks(tp.topic, tp.partition));
      if (stable.second >= high.second) break;
      if (!logged) {
        DeciderLog()->warn(
            "decider {}: {}/{} has an open transaction of another producer (stable "
            "end {} < end {}); waiting for it to commit or abort",
            TransactionalId(), tp.topic, tp.partition, stable.second, high.second);
        logged = true;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return UnavailableError(tp.topic + "/" + std::to_string(tp.partition) +
                                ": a transaction stayed open for more than " +
                                std::to_string(options_.stable_wait.count()) + " ms");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return Status::Ok();
}

}  // namespace docket::consumers
