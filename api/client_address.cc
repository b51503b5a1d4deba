#include "api/client_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace docket::api {
namespace {

bool ParseV6(std::string_view address, in6_addr* out) {
  const std::string s(address.substr(0, 64));
  return inet_pton(AF_INET6, s.c_str(), out) == 1;
}

bool IsV4Mapped(const in6_addr& a) {
  static const unsigned char kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.s6_addr, kPrefix, sizeof kPrefix) == 0;
}

std::string V4Text(const unsigned char* bytes) {
  char buf[INET_ADDRSTRLEN];
  return inet_ntop(AF_INET, bytes, buf, sizeof buf) ? buf : "";
}

std::string V6Text(const in6_addr& a) {
  char buf[INET6_ADDRSTRLEN];
  return inet_ntop(AF_INET6, &a, buf, sizeof buf) ? buf : "";
}

}  // namespace

std::string CanonicalAddress(std::string_view address) {
  in_addr v4;
  const std::string s(address.substr(0, 64));
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    return V4Text(reinterpret_cast<const unsigned char*>(&v4));
  }
  in6_addr v6;
  if (!ParseV6(address, &v6)) return std::string(address);
  return IsV4Mapped(v6) ? V4Text(v6.s6_addr + 12) : V6Text(v6);
}

std::string LimitKey(std::string_view address) {
  in6_addr v6;
  if (!ParseV6(address, &v6) || IsV4Mapped(v6)) return CanonicalAddress(address);
  std::memset(v6.s6_addr + 8, 0, 8);
  return V6Text(v6) + "/64";
}

}  // namespace docket::api
