// BlobStore: content-addressed attachment bytes in a local directory
// (docs/architecture.md): <root>/<first two hex digits>/<sha256>. Blobs are written to
// a temporary file and renamed into place, so a reader never sees half a
// blob; the same bytes uploaded twice are stored once.
//
// ExtractUpload() reads a multipart/form-data body from a file (as the
// server spooled it) and streams the part named "file" into the store,
// hashing as it copies; the size, and the caller's own checks of name and
// size, come before a byte is stored.
//
// Nothing here knows which blobs are in use: the cases context collects
// the unreferenced ones (api/routes/blob_collector.h) with List() and
// RemoveIfOlder(). A blob stored again (the same bytes uploaded anew) gets
// a fresh modification time, so a collector's grace period covers it too.
//
// Thread-safe (the file system is the only state).
#ifndef DOCKET_API_BLOB_STORE_H_
#define DOCKET_API_BLOB_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace docket::api {

struct StoredBlob {
  std::string sha256;
  uint64_t size = 0;
  std::string file_name;     // from the part's Content-Disposition
  std::string content_type;  // from the part's Content-Type, or empty
};

// A file in the store: a blob, or a temporary file of an upload.
struct BlobFile {
  std::string sha256;  // empty for a temporary file
  std::string path;
  int64_t modified_us = 0;  // since the epoch
  uint64_t size = 0;
};

class BlobStore {
 public:
  // The caller's checks of a file before it is stored: a non-OK status is
  // returned by ExtractUpload as it is.
  using Admit = std::function<Status(const std::string& file_name, uint64_t size)>;

  // Creates `root` when missing.
  static Result<BlobStore> Open(const std::string& root);

  // `content_type` is the request's Content-Type header (with the
  // boundary). Errors: kInvalidArgument naming what is malformed (no
  // boundary, no part "file", no file name or one that is not UTF-8, a
  // broken part), kFailedPrecondition when the file part exceeds
  // `max_bytes`, kUnavailable when the disk fails.
  Result<StoredBlob> ExtractUpload(const std::string& body_path,
                                   const std::string& content_type, uint64_t max_bytes,
                                   const Admit& admit = nullptr) const;
  // Every blob and temporary file (kUnavailable when the directory cannot
  // be read).
  Result<std::vector<BlobFile>> List() const;
  // Removes `file` when it was last modified before `cutoff_us`, looking
  // again right before (an upload may have stored it anew meanwhile);
  // true when removed.
  bool RemoveIfOlder(const BlobFile& file, int64_t cutoff_us) const;
  // The path of a stored blob; kNotFound when absent, kInvalidArgument for
  // something that is not a SHA-256 hex digest.
  Result<std::string> PathOf(const std::string& sha256) const;
  const std::string& root() const { return root_; }

 private:
  explicit BlobStore(std::string root) : root_(std::move(root)) {}
  std::string root_;
};

}  // namespace docket::api

#endif  // DOCKET_API_BLOB_STORE_H_
