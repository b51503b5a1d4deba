#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace docket::api {

RateLimiter::RateLimiter(RateLimit limit, const Clock& clock, size_t max_keys)
    : limit_(limit), clock_(clock), max_keys_per_shard_(std::max<size_t>(1, max_keys / kShards)) {}

double RateLimiter::Burst() const { return std::max(1.0, limit_.burst); }

RateLimiter::Shard& RateLimiter::ShardOf(const std::string& key) {
  return shards_[std::hash<std::string>{}(key) % kShards];
}

void RateLimiter::Evict(Shard& s, int64_t now) {
  // Refilled buckets at the cold end: a few per call keeps the work O(1).
  for (int checked = 0; checked < 4 && !s.order.empty(); ++checked) {
    auto it = s.buckets.find(s.order.front());
    const double t = it->second.tokens + Elapsed(it->second.at_us, now) * limit_.per_second;
    if (t < Burst()) break;
    s.buckets.erase(it);
    s.order.pop_front();
  }
  while (s.buckets.size() > max_keys_per_shard_) {
    s.buckets.erase(s.order.front());
    s.order.pop_front();
  }
}

// Seconds from `then` to `now`; 0 when the clock stepped back (NTP, a test
// clock), so a step back never takes tokens away.
double RateLimiter::Elapsed(int64_t then, int64_t now) {
  return now > then ? static_cast<double>(now - then) / 1e6 : 0.0;
}

RateLimiter::Bucket* RateLimiter::Refill(Shard& s, const std::string& key, int64_t now,
                                         bool create) {
  auto it = s.buckets.find(key);
  if (it == s.buckets.end()) {
    if (!create) return nullptr;
    s.order.push_back(key);
    it = s.buckets.emplace(key, Bucket{Burst(), now, std::prev(s.order.end())}).first;
  } else {
    s.order.splice(s.order.end(), s.order, it->second.lru);
  }
  Bucket& b = it->second;
  b.tokens = std::min(Burst(), b.tokens + Elapsed(b.at_us, now) * limit_.per_second);
  b.at_us = now;
  return &b;
}

int RateLimiter::SecondsUntilToken(const Bucket& b) const {
  const double wait = (1.0 - b.tokens) / limit_.per_second;
  return std::max(1, static_cast<int>(std::ceil(wait)));
}

std::optional<int> RateLimiter::Take(const std::string& key) {
  if (limit_.per_second <= 0) return std::nullopt;
  const int64_t now = clock_.NowMicros();
  Shard& s = ShardOf(key);
  std::lock_guard<std::mutex> lock(s.mu);
  Bucket& b = *Refill(s, key, now, /*create=*/true);
  std::optional<int> answer;
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
  } else {
    answer = SecondsUntilToken(b);
  }
  Evict(s, now);
  return answer;
}

std::optional<int> RateLimiter::Peek(const std::string& key) {
  if (limit_.per_second <= 0) return std::nullopt;
  Shard& s = ShardOf(key);
  std::lock_guard<std::mutex> lock(s.mu);
  Bucket* b = Refill(s, key, clock_.NowMicros(), /*create=*/false);
  if (b == nullptr || b->tokens >= 1.0) return std::nullopt;
  return SecondsUntilToken(*b);
}

bool RateLimiter::Untouched(const std::string& key) {
  if (limit_.per_second <= 0) return true;
  Shard& s = ShardOf(key);
  std::lock_guard<std::mutex> lock(s.mu);
  Bucket* b = Refill(s, key, clock_.NowMicros(), /*create=*/false);
  return b == nullptr || b->tokens >= Burst();
}

size_t RateLimiter::size() {
  size_t n = 0;
  for (Shard& s : shards_) {
    std::lock_guard<std::mutex> lock(s.mu);
    n += s.buckets.size();
  }
  return n;
}

}  // namespace docket::api
