// The load generator (target docket_cases_synthetic): synthetic case
// histories for `docketctl load`, benchmarks and tests:
// a deterministic (seeded) stream of valid events for many cases, their
// lifecycles interleaved the way a busy portal interleaves them. Every case
// starts with CaseOpened at version 1 and follows the lifecycle rules of
// docs/case-lifecycle.md; versions have no gaps; times only grow.
//
// It writes events as the decider would, without the decider: only for
// test and benchmark topics, never a production log. Not thread-safe.
#ifndef DOCKET_AGGREGATES_CASES_SYNTHETIC_H_
#define DOCKET_AGGREGATES_CASES_SYNTHETIC_H_

#include <cstdint>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "events/codec.h"

namespace docket::aggregates {

struct SyntheticOptions {
  uint64_t seed = 1;
  int32_t partitions = 6;      // case numbers encode the partition
  int accounts = 20;           // "ACC-0001" .. ; customers "cust-NNNN@<account>"
  size_t active_cases = 500;   // lifecycles in flight at once
  int64_t start_us = 1'780'000'000'000'000;  // 2026-05-28
  Status Validate() const;
};

class SyntheticCases {
 public:
  explicit SyntheticCases(SyntheticOptions options);

  // The next event of some case (a new one, or the next step of one in
  // flight).
  fb::EventEnvelopeT Next();
  // The partition of the events topic the event belongs to (its case's).
  int32_t PartitionOf(const fb::EventEnvelopeT& e) const;
  uint64_t cases_opened() const { return opened_; }
  static std::string AccountId(int i);

 private:
  struct Flight {
    std::string number;
    std::string account;
    uint64_t version = 0;
    std::vector<fb::Event> script;  // remaining steps
    size_t step = 0;
  };
  Flight OpenFlight();
  fb::EventEnvelopeT Step(Flight& f);
  std::string Sentence(int words);

  SyntheticOptions options_;
  std::mt19937_64 rng_;
  std::vector<Flight> flights_;
  std::vector<uint64_t> counters_;
  uint64_t opened_ = 0;
  uint64_t seq_ = 0;
  int64_t now_us_;
};

}  // namespace docket::aggregates

#endif  // DOCKET_AGGREGATES_CASES_SYNTHETIC_H_
