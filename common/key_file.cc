#include "common/key_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/hash.h"

namespace docket {
namespace {

constexpr size_t kMinHexDigits = 32;

Status CreateKey(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Status::Ok();  // another process was first
    return UnavailableError("key file " + path + ": " + std::strerror(errno));
  }
  const std::string key = RandomHex(32) + "\n";
  const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced) {
    ::unlink(path.c_str());
    return UnavailableError("key file " + path + ": cannot write it");
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> LoadOrCreateKey(const std::string& path) {
  DOCKET_RETURN_IF_ERROR(CreateKey(path));
  std::ifstream in(path);
  if (!in) return UnavailableError("key file " + path + ": cannot read it");
  std::string key;
  std::getline(in, key);
  if (key.size() < kMinHexDigits ||
      key.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return DataLossError("key file " + path + " must hold at least " +
                         std::to_string(kMinHexDigits) + " lower-case hex digits");
  }
  return key;
}

}  // namespace docket
