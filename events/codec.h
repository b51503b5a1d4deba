// Encoding and decoding of every byte string Docket exchanges through Kafka
// and RocksDB: event envelopes, command envelopes and command results.
//
// Decode*() is the one entry point for bytes from outside the process. It
//   1. checks the size (at least 8 bytes, at most DecodeLimits::max_bytes),
//   2. checks the file identifier ("DKEV", "DKCM", "DKCR"),
//   3. runs a flatbuffers::Verifier with tight depth/table limits,
//   4. checks meaning: union type and every enum value in range, every string
//      valid UTF-8, ids non-empty, versions in range,
//   5. unpacks into the native (object API) type and lifts older schema
//      versions to the current shape (events/upcast.h).
// Any failure is a kDataLoss Status whose message names what is wrong. It
// never crashes, whatever the input (fuzzed in codec_fuzz_test.cc and by the
// libFuzzer target in events/fuzz/).
//
// Encode*() never fails: the native types are already typed. Writers must set
// schema_version (build envelopes with events/envelope.h).
//
// All functions are thread-safe (no shared state).
#ifndef DOCKET_EVENTS_CODEC_H_
#define DOCKET_EVENTS_CODEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "schemas/command_generated.h"
#include "schemas/command_result_generated.h"
#include "schemas/envelope_generated.h"
#include "schemas/portal_state_generated.h"
#include "schemas/state_generated.h"

namespace docket::events {

// Current schema versions written by this build.
inline constexpr uint16_t kEventSchemaVersion = 2;
inline constexpr uint16_t kCommandSchemaVersion = 1;
inline constexpr uint16_t kResultSchemaVersion = 1;
inline constexpr uint16_t kSnapshotSchemaVersion = 1;

struct DecodeLimits {
  // Events carry metadata only (attachments live in the blob store), so a
  // record above 1 MiB is corrupt or hostile.
  size_t max_bytes = 1 << 20;
  // Deepest nesting of tables/vectors the schemas use is 4.
  uint32_t max_depth = 16;
  uint32_t max_tables = 4096;

  Status Validate() const;
};

// ---- events ----------------------------------------------------------------

std::string EncodeEvent(const fb::EventEnvelopeT& envelope);
Result<fb::EventEnvelopeT> DecodeEvent(std::string_view bytes,
                                       const DecodeLimits& limits = {});

// "CaseOpened" for fb::Event::CaseOpened; "" for NONE or out of range.
std::string_view EventTypeName(fb::Event type);
// The inverse of EventTypeName; nullopt for an unknown name.
std::optional<fb::Event> EventTypeFromName(std::string_view name);
// Every event type, in union order (NONE excluded).
std::vector<fb::Event> AllEventTypes();

// The payload of an already decoded (verified) record as a JSON object text,
// with the field names of the schema (mini reflection). `bytes` must have
// passed DecodeEvent.
std::string EventPayloadJson(std::string_view bytes);

// ---- commands and results ---------------------------------------------------

std::string EncodeCommand(const fb::CommandEnvelopeT& envelope);
Result<fb::CommandEnvelopeT> DecodeCommand(std::string_view bytes,
                                           const DecodeLimits& limits = {});
std::string_view CommandTypeName(fb::Command type);
std::vector<fb::Command> AllCommandTypes();

// "customer", "staff", "admin", "system"; "unknown" out of range. The role
// of every Actor (schemas/common.fbs), shared by every context.
std::string_view RoleName(fb::Role role);

std::string EncodeCommandResult(const fb::CommandResultT& result);
Result<fb::CommandResultT> DecodeCommandResult(std::string_view bytes,
                                               const DecodeLimits& limits = {});

// ---- state-store snapshots ---------------------------------------------------

std::string EncodeCaseSnapshot(const fb::CaseSnapshotT& snapshot);
Result<fb::CaseSnapshotT> DecodeCaseSnapshot(std::string_view bytes,
                                             const DecodeLimits& limits = {});
// Identity and status aggregates' snapshots ("DKPS").
std::string EncodePortalSnapshot(const fb::PortalSnapshotT& snapshot);
Result<fb::PortalSnapshotT> DecodePortalSnapshot(std::string_view bytes,
                                                 const DecodeLimits& limits = {});

}  // namespace docket::events

#endif  // DOCKET_EVENTS_CODEC_H_
