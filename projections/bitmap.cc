#include "projections/bitmap.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace docket::projections {
namespace {

struct Edit {
  Bitmap add, remove;
};

std::optional<Edit> DecodeEdit(std::string_view operand) {
  if (operand.size() < 4) return std::nullopt;
  uint32_t n = 0;
  for (int i = 3; i >= 0; --i) n = n << 8 | static_cast<unsigned char>(operand[i]);
  if (n > operand.size() - 4) return std::nullopt;
  auto add = DecodeBitmap(operand.substr(4, n));
  auto remove = DecodeBitmap(operand.substr(4 + n));
  if (!add || !remove) return std::nullopt;
  return Edit{std::move(*add), std::move(*remove)};
}

class BitmapMergeOperator : public rocksdb::MergeOperator {
 public:
  bool FullMergeV2(const MergeOperationInput& in, MergeOperationOutput* out) const override {
    Bitmap value;
    if (in.existing_value) {
      auto v = DecodeBitmap(in.existing_value->ToStringView());
      if (!v) return false;
      value = std::move(*v);
    }
    for (const rocksdb::Slice& operand : in.operand_list) {
      auto e = DecodeEdit(operand.ToStringView());
      if (!e) return false;
      value -= e->remove;
      value |= e->add;
    }
    out->new_value = EncodeBitmap(std::move(value));
    return true;
  }

  bool PartialMerge(const rocksdb::Slice&, const rocksdb::Slice& left, const rocksdb::Slice& right,
                    std::string* new_value, rocksdb::Logger*) const override {
    auto a = DecodeEdit(left.ToStringView());
    auto b = DecodeEdit(right.ToStringView());
    if (!a || !b) return false;
    a->add -= b->remove;
    a->add |= b->add;
    a->remove |= b->remove;
    a->remove -= b->add;
    *new_value = EncodeBitmapEdit(a->add, a->remove);
    return true;
  }

  const char* Name() const override { return "DocketBitmapEdit"; }
};

void AppendBitmap(std::string& out, const Bitmap& b) {
  const size_t at = out.size();
  out.resize(at + b.getSizeInBytes(true));
  b.write(out.data() + at, true);
}

}  // namespace

std::string EncodeBitmap(Bitmap b) {
  b.runOptimize();
  std::string out;
  AppendBitmap(out, b);
  return out;
}

std::optional<Bitmap> DecodeBitmap(std::string_view value) {
  if (value.empty()) return std::nullopt;
  // readSafe checks every length against `value`; it throws on bad bytes.
  try {
    Bitmap b = Bitmap::readSafe(value.data(), value.size());
    if (b.getSizeInBytes(true) != value.size()) return std::nullopt;  // trailing bytes
    return b;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string EncodeBitmapEdit(const Bitmap& add, const Bitmap& remove) {
  std::string out(4, '\0');
  AppendBitmap(out, add);
  const uint32_t n = static_cast<uint32_t>(out.size() - 4);
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(n >> (8 * i) & 0xff);
  AppendBitmap(out, remove);
  return out;
}

std::shared_ptr<rocksdb::MergeOperator> NewBitmapMergeOperator() {
  return std::make_shared<BitmapMergeOperator>();
}

}  // namespace docket::projections
