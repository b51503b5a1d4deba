// Writes one encoded record of every event/command type into a directory,
// as the seed corpus for decode_fuzzer.
#include <fstream>
#include <iostream>

#include "events/testdata.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_fuzz_corpus DIR\n";
    return 2;
  }
  namespace ev = docket::events;
  int n = 0;
  auto write = [&](const std::string& bytes) {
    std::ofstream(std::string(argv[1]) + "/seed-" + std::to_string(n++),
                  std::ios::binary)
        << bytes;
  };
  for (const auto& e : ev::testdata::SampleEvents()) write(ev::EncodeEvent(e));
  for (const auto& e : ev::testdata::SamplePortalEvents()) write(ev::EncodeEvent(e));
  for (const auto& c : ev::testdata::SampleCommands()) write(ev::EncodeCommand(c));
  write(ev::EncodeCommandResult(ev::testdata::SampleResult()));
  return 0;
}
