// Token-bucket rate limits keyed by a string (a client address, a user, an
// e-mail), the gateway's defence against one client using up what all share.
//
// A bucket holds at most `burst` tokens and refills at `per_second`; a key
// seen for the first time starts full. Memory is bounded: keys live in
// shards, each with its own lock and its keys in order of last use; a
// bucket that has refilled completely is forgotten (it would start full
// again anyway), checking a few of the least recently used per call, and
// past `max_keys` the least recently used are forgotten whatever their
// state. No call ever walks all keys: each is O(1) amortised, and callers
// on different shards never wait for each other.
//
// Thread-safe.
#ifndef DOCKET_API_RATE_LIMITER_H_
#define DOCKET_API_RATE_LIMITER_H_

#include <array>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace docket::api {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 0;
};

class RateLimiter {
 public:
  RateLimiter(RateLimit limit, const Clock& clock, size_t max_keys = 1'000'000);

  // Takes one token of `key`'s bucket. nullopt when allowed, else how many
  // whole seconds until a token is free (at least 1).
  std::optional<int> Take(const std::string& key);
  // What Take would answer, taking nothing.
  std::optional<int> Peek(const std::string& key);
  // True when `key`'s bucket is full: nothing was taken from it lately.
  bool Untouched(const std::string& key);
  // Keys held now (for tests and metrics).
  size_t size();

 private:
  struct Bucket {
    double tokens = 0;
    int64_t at_us = 0;
    std::list<std::string>::iterator lru;  // position in Shard::order
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
    std::list<std::string> order;  // least recently used first
  };
  static constexpr size_t kShards = 16;

  Shard& ShardOf(const std::string& key);
  // The bucket of `key`, refilled to now and marked most recently used
  // (nullptr when `create` is false and the key is unknown). Holds s.mu.
  Bucket* Refill(Shard& s, const std::string& key, int64_t now, bool create);
  void Evict(Shard& s, int64_t now);
  double Burst() const;
  int SecondsUntilToken(const Bucket& b) const;
  static double Elapsed(int64_t then_us, int64_t now_us);

  RateLimit limit_;
  const Clock& clock_;
  size_t max_keys_per_shard_;
  std::array<Shard, kShards> shards_;
};

}  // namespace docket::api

#endif  // DOCKET_API_RATE_LIMITER_H_
