// Compressed bitmaps of document ids (CRoaring) stored in a ReadStore family
// of kind FamilyKind::kBitmaps, and the RocksDB merge that edits them
// without a read.
//
// Protocol:
//   value    the set, in Roaring's portable serialization (the format every
//            Roaring implementation reads); an empty set is a valid value
//   operand  one batch's edits of one key: [u32 LE n][n bytes: the ids to
//            add][rest: the ids to remove], both portable bitmaps; applied
//            as value = (value - remove) | add
// Two operands fold into one (partial merge): (a1, r1) then (a2, r2) is
// ((a1 - r2) | a2, (r1 | r2) - a2). Edits of different ids commute, so
// batches of different partitions (whose documents are disjoint) may be
// written in any order.
//
// Errors: a value or operand that does not decode is corruption; the merge
// fails and RocksDB reports the read as kCorruption (DataLossError here).
//
// Thread safety: the functions are pure; the merge operator is stateless.
#ifndef DOCKET_PROJECTIONS_BITMAP_H_
#define DOCKET_PROJECTIONS_BITMAP_H_

#include <roaring/roaring.hh>
#include <rocksdb/merge_operator.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace docket::projections {

using Bitmap = Roaring;

// The portable serialization of `b` (after run-length optimisation).
std::string EncodeBitmap(Bitmap b);
// The set in a value; nullopt when the bytes are not a portable bitmap.
std::optional<Bitmap> DecodeBitmap(std::string_view value);

// One operand: add `add`, then remove what `remove` holds and `add` does not.
std::string EncodeBitmapEdit(const Bitmap& add, const Bitmap& remove);

// The merge operator of every bitmap family ("DocketBitmapEdit").
std::shared_ptr<rocksdb::MergeOperator> NewBitmapMergeOperator();

}  // namespace docket::projections

#endif  // DOCKET_PROJECTIONS_BITMAP_H_
