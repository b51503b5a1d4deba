#include "api/positions.h"

#include <algorithm>
#include <regex>

#include "api/problem.h"
#include "api/request.h"

namespace docket::api {

std::string Position::Text() const {
  return context + ":" + std::to_string(partition) + ":" + std::to_string(offset);
}

void Positions::Register(ReadModel model) {
  std::string context = model.context;
  models_.emplace(std::move(context), std::move(model));
}

void Positions::SetLogEnd(LogEnd log_end) {
  log_end_ = std::move(log_end);
  for (const auto& [context, model] : models_) {
    barriers_[context] = std::make_unique<ReadBarrier>(
        [this, context = context](int32_t partition) {
          return log_end_(Position{context, partition, 0});
        },
        [wait = model.wait_for](int32_t partition, int64_t end, std::chrono::milliseconds t) {
          return wait(partition, end - 1, t);
        });
  }
}

Status Positions::AwaitCommitted(const std::string& context, int32_t partition,
                                 std::chrono::milliseconds timeout) {
  auto it = barriers_.find(context);
  if (it == barriers_.end()) return UnavailableError("no broker probe for " + context);
  return it->second->Await(partition, timeout);
}

std::optional<Position> Positions::Parse(const std::string& text) const {
  static const std::regex re("^([a-z][a-z0-9-]{0,31}):([0-9]{1,5}):([0-9]{1,18})$");
  std::smatch m;
  if (!std::regex_match(text, m, re) || !models_.count(m[1])) return std::nullopt;
  Position p{m[1], std::stoi(m[2]), std::stoll(m[3])};
  if (p.partition >= partitions_) return std::nullopt;
  return p;
}

bool Positions::Await(const Position& p, std::chrono::milliseconds timeout) const {
  auto it = models_.find(p.context);
  return it != models_.end() && it->second.wait_for(p.partition, p.offset, timeout);
}

std::optional<Reply> Positions::AwaitMinPosition(const Request& req, const std::string& user_id) {
  const std::string v = HeaderValue(req, "Docket-Min-Position");
  if (v.empty()) return std::nullopt;
  std::optional<Position> p = Parse(v);
  if (!p) return BadRequest("Docket-Min-Position must look like cases:3:1842");
  if (Await(*p, std::chrono::milliseconds(0))) return std::nullopt;
  if (log_end_ && p->offset >= KnownEnd(*p)) {
    // Only a position past every end seen so far costs a broker round trip.
    Result<int64_t> end = log_end_(*p);
    if (end.ok()) NoteEnd(*p, *end);
    if (end.ok() && p->offset >= *end) {
      return BadRequest("Docket-Min-Position " + v + " is past the end of its partition (" +
                        std::to_string(*end) + "): not a position Docket gave out");
    }
  }
  return AwaitSlot(*p, v, user_id);
}

int64_t Positions::KnownEnd(const Position& p) {
  std::lock_guard<std::mutex> lock(ends_mu_);
  auto it = known_ends_.find({p.context, p.partition});
  return it == known_ends_.end() ? 0 : it->second;
}

void Positions::NoteEnd(const Position& p, int64_t end) {
  std::lock_guard<std::mutex> lock(ends_mu_);
  int64_t& known = known_ends_[{p.context, p.partition}];
  known = std::max(known, end);  // ends only grow
}

std::optional<Reply> Positions::AwaitSlot(const Position& p, const std::string& text,
                                          const std::string& user_id) {
  // Each wait holds a worker thread: bound them, in all and per user.
  {
    std::lock_guard<std::mutex> lock(users_mu_);
    int& mine = user_waiters_[user_id];
    if (mine >= max_waiters_per_user_) {
      return RetryLater("you have " + std::to_string(mine) +
                            " requests waiting for a position already; retry",
                        "position-not-reached");
    }
    ++mine;
  }
  struct Slot {
    Positions& self;
    const std::string& user;
    ~Slot() {
      --self.waiters_;
      std::lock_guard<std::mutex> lock(self.users_mu_);
      auto it = self.user_waiters_.find(user);
      if (--it->second == 0) self.user_waiters_.erase(it);
    }
  } slot{*this, user_id};
  if (++waiters_ > max_waiters_) {
    return RetryLater("too many requests are waiting for a position; retry",
                      "position-not-reached");
  }
  if (!Await(p, wait_)) {
    return RetryLater("the read models have not reached " + text + " yet; retry",
                      "position-not-reached");
  }
  return std::nullopt;
}

}  // namespace docket::api
