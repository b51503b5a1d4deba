// Sample records for tests, benchmarks and fuzz seeds: one of every event
// and command type with every field set to a non-default value, so that a
// round trip through encode/decode exercises every field of the schema.
#ifndef DOCKET_EVENTS_TESTDATA_H_
#define DOCKET_EVENTS_TESTDATA_H_

#include <string>
#include <vector>

#include "events/codec.h"

namespace docket::events::testdata {

fb::ActorT SampleActor();
// One envelope per event type, in union order, for aggregate `case_number`.
std::vector<fb::EventEnvelopeT> SampleEvents(const std::string& case_number =
                                                 "CS00000050455");
// One envelope per command type, in union order.
// One of every identity, status and chat event (accounts, users, services,
// feedback, a conversation), each context's on aggregates of its own.
std::vector<fb::EventEnvelopeT> SamplePortalEvents();
std::vector<fb::CommandEnvelopeT> SampleCommands();
fb::CommandResultT SampleResult();

// Field names (dotted paths) that are absent in the encoded buffer: scalars
// equal to their default and unset strings/tables/vectors. Empty when the
// sample covers every field.
std::vector<std::string> AbsentFields(const std::string& buffer,
                                      const flatbuffers::TypeTable* table);

}  // namespace docket::events::testdata

#endif  // DOCKET_EVENTS_TESTDATA_H_
