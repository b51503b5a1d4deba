// Projection: what the generic projection runner (consumers/projection_runner.h)
// needs to know about one context's read models. The runner owns topics,
// partitions, batches, offsets, dead letters and generations; the projection
// owns meaning: which column families its models use and how one event
// changes them. Every context (cases, identity, status) implements it in
// projections/<context>/ and is registered in a composition root (docketd,
// docketctl), never named by the runner.
//
// Thread safety: a Projection is immutable and thread-safe; it may be shared
// by every runner, rebuild and query of its context. An EventApplier is NOT
// thread-safe: the runner makes one per lane (NewApplier) and uses it from
// that lane's thread only (it may hold per-lane scratch state, e.g. the
// cases' TextAnalyzer).
#ifndef DOCKET_PROJECTIONS_PROJECTION_H_
#define DOCKET_PROJECTIONS_PROJECTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "projections/read_store.h"
#include "schemas/envelope_generated.h"

namespace docket::projections {

enum class ApplyOutcome { kApplied, kAlreadyApplied };

// Folds decoded events into a context's read models, through a Txn.
class EventApplier {
 public:
  virtual ~EventApplier() = default;
  // Applies `event` (already decoded and verified; its aggregate id is the
  // record's key) to the read models in `txn`.
  //
  // Idempotent by version: an event at or below the aggregate's stored
  // version changes nothing and returns kAlreadyApplied, so replaying a
  // prefix of the log is harmless.
  // Errors:
  //   kFailedPrecondition  an invariant of the log broke (an event for an
  //                        aggregate never created, a version gap where the
  //                        context checks them, an event that does not
  //                        belong to the context): the runner parks the
  //                        aggregate (dead letter).
  //   kDataLoss            a stored row does not parse: parked too.
  //   other                the store failed: the runner retries the batch.
  // On error `txn` may hold part of the event's writes: the runner brackets
  // each event with Txn::SetSavePoint / RollbackToSavePoint. An exception
  // is treated like kDataLoss.
  virtual Result<ApplyOutcome> Apply(const fb::EventEnvelopeT& event, Txn& txn) = 0;
};

class Projection {
 public:
  virtual ~Projection() = default;

  // The context: events come from docket.<context>.events, the store lives
  // under <data_dir>/projections/<context>.
  virtual std::string_view context() const = 0;

  // The context's column families, numbered from kFirstContextFamily in this
  // order (the common families meta and dead come first and are the
  // ReadStore's own). Each family's kind says how its keys merge (FamilySpec).
  // The list must not change for a built store (names are RocksDB's).
  virtual std::vector<FamilySpec> Families() const = 0;

  // A fresh applier for one lane.
  virtual std::unique_ptr<EventApplier> NewApplier() const = 0;

  // The layout of the rows this build writes (its families and row
  // encodings). A store records the format it was built with; OpenStore
  // refuses a store of another format (kFailedPrecondition), and the live
  // runner then builds a fresh generation from the log. Change it whenever
  // a row's encoding or a family's meaning changes. Stores from before
  // formats were recorded count as "1".
  virtual std::string_view model_format() const { return "1"; }

  // The aggregate a record parks (its dead-letter key): by default the
  // record's Kafka key when it is 1..256 bytes of UTF-8 without NUL, else
  // "~unkeyed/<partition>/<offset>" (parked on its own, it blocks nothing).
  virtual std::string DeadLetterKey(std::string_view record_key, int32_t partition,
                                    int64_t offset) const;
};

// The default Projection::DeadLetterKey.
std::string DefaultDeadLetterKey(std::string_view record_key, int32_t partition,
                                 int64_t offset);

// Opens a store of `projection`'s families in `dir`, and checks its model
// format (Projection::model_format): an empty store opened writable gets the
// projection's format. kFailedPrecondition, naming both formats, when the
// store was built with another (rebuild it: docketctl rebuild <context>).
Result<std::unique_ptr<ReadStore>> OpenStore(const Projection& projection, const std::string& dir,
                                             ReadStore::Options options = {});

// Checks the model format `store` records against `projection`'s; a new,
// empty store that is not `read_only` records the projection's.
// kFailedPrecondition, naming both formats and the way out, when they
// differ: and only then (a store of the right format never gets it).
Status CheckModelFormat(const Projection& projection, ReadStore& store, bool read_only);

// The meta key of the recorded model format (kept in digests: a store and a
// replay of the same build agree on it).
inline constexpr std::string_view kModelFormatKey = "model_format";

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_PROJECTION_H_
