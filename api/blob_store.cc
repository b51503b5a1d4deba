#include "api/blob_store.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string_view>

#include "common/hash.h"
#include "common/text.h"

namespace docket::api {
namespace {

namespace fs = std::filesystem;

// A read-only mapping of a whole file.
class Mapped {
 public:
  explicit Mapped(const std::string& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return;
    struct stat st;
    if (::fstat(fd_, &st) != 0) return;
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) {
      ok_ = true;
      return;
    }
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) return;
    data_ = static_cast<const char*>(p);
    ::madvise(p, size_, MADV_SEQUENTIAL);
    ok_ = true;
  }
  ~Mapped() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return ok_; }
  std::string_view view() const { return {data_ ? data_ : "", size_}; }

 private:
  int fd_ = -1;
  const char* data_ = nullptr;
  size_t size_ = 0;
  bool ok_ = false;
};

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

bool IEqualsPrefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

// The value of parameter `name` in a header value like
// `form-data; name="file"; filename="a.txt"` (quoted or token).
std::optional<std::string> Param(std::string_view header, std::string_view name) {
  size_t i = header.find(';');
  while (i != std::string_view::npos) {
    std::string_view rest = header.substr(i + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    const size_t eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string key = Trim(rest.substr(0, eq));
    std::string_view v = rest.substr(eq + 1);
    std::string value;
    size_t consumed;
    if (!v.empty() && v.front() == '"') {
      size_t k = 1;
      for (; k < v.size() && v[k] != '"'; ++k) {
        if (v[k] == '\\' && k + 1 < v.size()) ++k;
        value.push_back(v[k]);
      }
      if (k >= v.size()) return std::nullopt;  // unterminated quote
      consumed = k + 1;
    } else {
      consumed = std::min(v.find(';'), v.size());
      value = Trim(v.substr(0, consumed));
    }
    if (key.size() == name.size() && IEqualsPrefix(key, name)) return value;
    const size_t next = v.find(';', consumed);
    i = next == std::string_view::npos ? next : (header.size() - v.size()) + next;
  }
  return std::nullopt;
}

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

Result<BlobStore> BlobStore::Open(const std::string& root) {
  std::error_code ec;
  fs::create_directories(fs::path(root) / "tmp", ec);
  if (ec) return UnavailableError("blob store " + root + ": " + ec.message());
  return BlobStore(root);
}

Result<std::string> BlobStore::PathOf(const std::string& sha256) const {
  if (!IsHex64(sha256)) return InvalidArgumentError("not a SHA-256 digest");
  std::string p = root_ + "/" + sha256.substr(0, 2) + "/" + sha256;
  if (!fs::exists(p)) return NotFoundError("blob " + sha256 + " is missing");
  return p;
}

Result<StoredBlob> BlobStore::ExtractUpload(const std::string& body_path,
                                            const std::string& content_type,
                                            uint64_t max_bytes, const Admit& admit) const {
  if (!IEqualsPrefix(content_type, "multipart/form-data")) {
    return InvalidArgumentError("the body must be multipart/form-data");
  }
  std::optional<std::string> boundary = Param(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) {
    return InvalidArgumentError("multipart/form-data without a valid boundary");
  }
  Mapped body(body_path);
  if (!body.ok()) return UnavailableError("cannot read the spooled upload");
  const std::string_view all = body.view();
  const std::string delim = "--" + *boundary;
  const std::string next_delim = "\r\n" + delim;

  size_t pos = all.find(delim);
  if (pos == std::string_view::npos) {
    return InvalidArgumentError("the multipart body does not contain its boundary");
  }
  pos += delim.size();
  const std::boyer_moore_horspool_searcher searcher(next_delim.begin(), next_delim.end());
  while (true) {
    if (all.substr(pos, 2) == "--") break;  // closing delimiter
    if (all.substr(pos, 2) != "\r\n") {
      return InvalidArgumentError("malformed multipart delimiter line");
    }
    pos += 2;
    const size_t head_end = all.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos || head_end - pos > 16 * 1024) {
      return InvalidArgumentError("a multipart part has no end of headers");
    }
    std::string disposition, part_type;
    std::string_view heads = all.substr(pos, head_end - pos);
    while (!heads.empty()) {
      size_t eol = heads.find("\r\n");
      std::string_view line = heads.substr(0, eol);
      heads = eol == std::string_view::npos ? std::string_view() : heads.substr(eol + 2);
      if (IEqualsPrefix(line, "content-disposition:")) disposition = Trim(line.substr(20));
      if (IEqualsPrefix(line, "content-type:")) part_type = Trim(line.substr(13));
    }
    const size_t data_begin = head_end + 4;
    auto it = std::search(all.begin() + data_begin, all.end(), searcher);
    if (it == all.end()) return InvalidArgumentError("a multipart part is not terminated");
    const size_t data_end = static_cast<size_t>(it - all.begin());
    pos = data_end + next_delim.size();

    if (Param(disposition, "name").value_or("") != "file") continue;
    std::optional<std::string> file_name = Param(disposition, "filename");
    if (!file_name || file_name->empty()) {
      return InvalidArgumentError("the part \"file\" has no filename");
    }
    if (Utf8Length(*file_name) < 0) {
      return InvalidArgumentError("the file name is not valid UTF-8 (or holds NUL)");
    }
    const uint64_t size = data_end - data_begin;
    if (size > max_bytes) {
      return FailedPreconditionError("the file is " + std::to_string(size) +
                                     " bytes; at most " + std::to_string(max_bytes));
    }
    if (admit) DOCKET_RETURN_IF_ERROR(admit(*file_name, size));
    // Copy while hashing, into a temporary file renamed into place.
    const std::string tmp = root_ + "/tmp/" + RandomHex(12);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) return UnavailableError("blob store: cannot create " + tmp);
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    const char* p = all.data() + data_begin;
    uint64_t left = size;
    bool ok = true;
    while (left > 0 && ok) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(left, 1 << 20));
      crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(p), n);
      ok = ::write(fd, p, n) == static_cast<ssize_t>(n);
      p += n;
      left -= n;
    }
    ok = ok && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) {
      ::unlink(tmp.c_str());
      return UnavailableError("blob store: cannot write the upload");
    }
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, h);
    const std::string sha = ToHex({reinterpret_cast<const char*>(h), sizeof h});
    std::error_code ec;
    fs::create_directories(fs::path(root_) / sha.substr(0, 2), ec);
    const std::string final_path = root_ + "/" + sha.substr(0, 2) + "/" + sha;
    if (ec || std::rename(tmp.c_str(), final_path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      return UnavailableError("blob store: cannot store blob " + sha);
    }
    return StoredBlob{sha, size, *file_name, part_type};
  }
  return InvalidArgumentError("the multipart body has no part named \"file\"");
}

namespace {

int64_t ModifiedMicros(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000 + st.st_mtim.tv_nsec / 1000;
}

}  // namespace

Result<std::vector<BlobFile>> BlobStore::List() const {
  std::vector<BlobFile> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    struct stat st;
    const std::string path = it->path().string();
    if (::stat(path.c_str(), &st) != 0) continue;  // removed meanwhile
    const std::string name = it->path().filename().string();
    const std::string dir = it->path().parent_path().filename().string();
    BlobFile f{"", path, ModifiedMicros(st), static_cast<uint64_t>(st.st_size)};
    if (dir == "tmp") {
      out.push_back(std::move(f));
    } else if (IsHex64(name) && dir == name.substr(0, 2)) {
      f.sha256 = name;
      out.push_back(std::move(f));
    }
  }
  if (ec) return UnavailableError("blob store " + root_ + ": " + ec.message());
  return out;
}

bool BlobStore::RemoveIfOlder(const BlobFile& file, int64_t cutoff_us) const {
  struct stat st;
  if (::stat(file.path.c_str(), &st) != 0 || ModifiedMicros(st) >= cutoff_us) return false;
  return ::unlink(file.path.c_str()) == 0;
}

}  // namespace docket::api
