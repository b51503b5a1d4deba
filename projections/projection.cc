#include "projections/projection.h"

namespace docket::projections {
namespace {

// Well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xc0) != 0x80) return false;
      cp = cp << 6 | (d & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

std::string DefaultDeadLetterKey(std::string_view key, int32_t partition, int64_t offset) {
  if (!key.empty() && key.size() <= 256 && key.find('\0') == std::string_view::npos &&
      IsValidUtf8(key)) {
    return std::string(key);
  }
  return "~unkeyed/" + std::to_string(partition) + "/" + std::to_string(offset);
}

std::string Projection::DeadLetterKey(std::string_view record_key, int32_t partition,
                                      int64_t offset) const {
  return DefaultDeadLetterKey(record_key, partition, offset);
}

Status CheckModelFormat(const Projection& projection, ReadStore& store, bool read_only) {
  const std::string_view want = projection.model_format();
  DOCKET_ASSIGN_OR_RETURN(auto recorded, store.Get(CommonCf::kMeta, kModelFormatKey));
  std::string have;
  if (recorded) {
    have = std::move(*recorded);
  } else {
    DOCKET_ASSIGN_OR_RETURN(auto offsets, store.Offsets());
    if (offsets.empty() && !read_only) {
      // A new store: it takes this build's format.
      Txn txn(&store);
      txn.Put(CommonCf::kMeta, kModelFormatKey, want);
      return store.Commit(txn);
    }
    have = offsets.empty() ? std::string(want) : "1";
  }
  if (have == want) return Status::Ok();
  return FailedPreconditionError("read model " + store.dir() + " has format '" + have +
                                 "', this build reads '" + std::string(want) +
                                 "': rebuild it (docketctl rebuild " +
                                 std::string(projection.context()) + ")");
}

Result<std::unique_ptr<ReadStore>> OpenStore(const Projection& projection, const std::string& dir,
                                             ReadStore::Options options) {
  auto opened = ReadStore::Open(dir, projection.Families(), options);
  if (!opened.ok()) {
    // Read-only, a store of an older format may lack a family this build has.
    if (options.read_only &&
        opened.status().message().find("Column family not found") != std::string::npos) {
      return FailedPreconditionError("read model " + dir + " was built by another format (" +
                                     opened.status().ToString() + "), this build reads '" +
                                     std::string(projection.model_format()) +
                                     "': rebuild it (docketctl rebuild " +
                                     std::string(projection.context()) + ")");
    }
    return opened.status();
  }
  DOCKET_RETURN_IF_ERROR(CheckModelFormat(projection, **opened, options.read_only));
  return opened;
}

}  // namespace docket::projections
