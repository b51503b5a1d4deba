#include "aggregates/given_id_handler.h"

#include "aggregates/rules.h"
#include "common/hash.h"

namespace docket::aggregates {
namespace {

Result<fb::PortalSnapshotT> Load(std::string_view state) {
  if (state.empty()) return fb::PortalSnapshotT{};
  return events::DecodePortalSnapshot(state);
}

}  // namespace

Result<int32_t> GivenIdHandler::PartitionOf(std::string_view id, int32_t partitions) const {
  if (id.empty() || id.size() > 256) {
    return InvalidArgumentError("'" + std::string(id.substr(0, 64)) + "' is not an id");
  }
  return static_cast<int32_t>(Fnv1a(id) % static_cast<uint64_t>(partitions));
}

uint64_t GivenIdHandler::Version(std::string_view state) const {
  Result<fb::PortalSnapshotT> s = Load(state);
  return s.ok() ? s->version : 0;
}

Result<std::string> GivenIdHandler::Apply(std::string_view state,
                                          const fb::EventEnvelopeT& env) const {
  DOCKET_ASSIGN_OR_RETURN(fb::PortalSnapshotT s, Load(state));
  DOCKET_RETURN_IF_ERROR(Fold(s, env));
  s.aggregate_id = env.aggregate_id;
  s.version = env.version;
  s.schema_version = events::kSnapshotSchemaVersion;
  return events::EncodePortalSnapshot(s);
}

Decision GivenIdHandler::DecideOn(
    std::string_view state, const fb::CommandEnvelopeT& cmd,
    const std::function<Decision(const fb::PortalSnapshotT&)>& decide) {
  if (!cmd.actor) return Invalid("command.actor", "actor", "is required");
  Result<fb::PortalSnapshotT> s = Load(state);
  if (!s.ok()) return Reject(fb::ResultCode::Internal, "state.corrupt", s.status().ToString());
  if (cmd.expected_version >= 0 &&
      static_cast<uint64_t>(cmd.expected_version) != s->version) {
    return Reject(fb::ResultCode::VersionConflict, "aggregate.version",
                  cmd.aggregate_id + " is at version " + std::to_string(s->version) +
                      ", not " + std::to_string(cmd.expected_version));
  }
  return decide(*s);
}

Decision GivenIdHandler::NotThisContext(const fb::CommandEnvelopeT& command,
                                        std::string_view what) {
  return Reject(fb::ResultCode::InvalidArgument, "command.context",
                std::string(events::CommandTypeName(command.command.type)) + " is not " +
                    std::string(what));
}

}  // namespace docket::aggregates
