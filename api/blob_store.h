// BlobStore: content-addressed attachment bytes in a local directory
// (docs/architecture.md): <root>/<first two hex digits>/<sha256>. Blobs are written to
// a temporary file and renamed into place, so a reader never sees half a
// blob; the same bytes uploaded twice are stored once.
//
// ExtractUpload() reads a multipart/form-data body from a file (as the
// server spooled it) and streams the part named "file" into the store,
// hashing as it copies; the size is checked as it streams.
//
// Thread-safe (the file system is the only state).
#ifndef DOCKET_API_BLOB_STORE_H_
#define DOCKET_API_BLOB_STORE_H_

#include <string>

#include "common/status.h"

namespace docket::api {

struct StoredBlob {
  std::string sha256;
  uint64_t size = 0;
  std::string file_name;     // from the part's Content-Disposition
  std::string content_type;  // from the part's Content-Type, or empty
};

class BlobStore {
 public:
  // Creates `root` when missing.
  static Result<BlobStore> Open(const std::string& root);

  // `content_type` is the request's Content-Type header (with the
  // boundary). Errors: kInvalidArgument naming what is malformed (no
  // boundary, no part "file", no file name or one that is not UTF-8, a
  // broken part), kFailedPrecondition when the file part exceeds
  // `max_bytes`, kUnavailable when the disk fails.
  Result<StoredBlob> ExtractUpload(const std::string& body_path,
                                   const std::string& content_type, uint64_t max_bytes) const;
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
