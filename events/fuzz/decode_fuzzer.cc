// libFuzzer target for the decode functions. Build with clang:
//   CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DDOCKET_FUZZ=ON -DDOCKET_BENCH=OFF
//   ninja -C build-fuzz decode_fuzzer
//   build-fuzz/events/fuzz/decode_fuzzer -max_total_time=60 events/fuzz/corpus
// Any crash or a non-data-loss error aborts.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "events/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view b(reinterpret_cast<const char*>(data), size);
  using docket::StatusCode;
  auto check = [](const docket::Status& s) {
    if (!s.ok() && s.code() != StatusCode::kDataLoss) std::abort();
  };
  auto e = docket::events::DecodeEvent(b);
  check(e.status());
  if (e.ok()) {
    auto again = docket::events::DecodeEvent(docket::events::EncodeEvent(*e));
    if (!again.ok() || !(*again == *e)) std::abort();
  }
  check(docket::events::DecodeCommand(b).status());
  check(docket::events::DecodeCommandResult(b).status());
  return 0;
}
