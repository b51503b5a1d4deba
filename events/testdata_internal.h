// Inside events/testdata: how a sample payload becomes an envelope, and
// each context's samples kept in a file of its own (testdata_<context>.cc).
#ifndef DOCKET_EVENTS_TESTDATA_INTERNAL_H_
#define DOCKET_EVENTS_TESTDATA_INTERNAL_H_

#include <string>
#include <vector>

#include "events/envelope.h"
#include "events/testdata.h"

namespace docket::events::testdata {

// An event of aggregate `id` at `version`, by SampleActor.
template <typename T>
fb::EventEnvelopeT Wrap(const std::string& id, uint64_t version, T payload) {
  fb::EventUnion event;
  event.Set(std::move(payload));
  return MakeEventEnvelope(id, version, SampleActor(), "cmd-" + std::to_string(version),
                           "corr-" + std::to_string(version), 0,
                           1'795'000'000'123'456 + version, std::move(event));
}

// Command number `n`, by SampleActor.
template <typename T>
fb::CommandEnvelopeT WrapCommand(int n, T payload) {
  fb::CommandEnvelopeT c =
      MakeCommand("CS00000050455", SampleActor(), 1'795'000'000'000'000 + n);
  c.command_id = "cmd-" + std::to_string(n);
  c.expected_version = n;
  c.correlation_id = "corr-" + std::to_string(n);
  c.command.Set(std::move(payload));
  return c;
}

// The chat context's samples (testdata_chat.cc): every event, and every
// command numbered from n + 1.
void AddChatEvents(std::vector<fb::EventEnvelopeT>& out);
void AddChatCommands(std::vector<fb::CommandEnvelopeT>& out, int& n);

}  // namespace docket::events::testdata

#endif  // DOCKET_EVENTS_TESTDATA_INTERNAL_H_
