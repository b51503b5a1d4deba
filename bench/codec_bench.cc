// Encode/decode cost of one event envelope (the decode path every consumer
// pays per record: size, identifier, verifier, meaning checks, unpack).
//   build/bench/codec_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include "events/codec.h"
#include "events/testdata.h"

namespace docket::events {
namespace {

void BM_EncodeCaseOpened(benchmark::State& state) {
  const auto e = testdata::SampleEvents()[0];
  for (auto _ : state) benchmark::DoNotOptimize(EncodeEvent(e));
}
BENCHMARK(BM_EncodeCaseOpened);

void BM_DecodeCaseOpened(benchmark::State& state) {
  const std::string bytes = EncodeEvent(testdata::SampleEvents()[0]);
  for (auto _ : state) {
    auto r = DecodeEvent(bytes);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_DecodeCaseOpened);

void BM_DecodeCommentAdded(benchmark::State& state) {
  const std::string bytes = EncodeEvent(testdata::SampleEvents()[1]);
  for (auto _ : state) {
    auto r = DecodeEvent(bytes);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(state.iterations() * bytes.size());
}
BENCHMARK(BM_DecodeCommentAdded);

}  // namespace
}  // namespace docket::events

BENCHMARK_MAIN();
