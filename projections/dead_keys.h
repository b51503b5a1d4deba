// Key layout of the common dead-letter family (CommonCf::kDead), the same
// for every context:
//
//   dead   d\0<aggregate key>                                   dead-letter JSON
//          q\0<aggregate key>\0<partition %05d><offset %020>     parked record bytes
//
// Aggregate keys are UTF-8 without NUL (Projection::DeadLetterKey).
#ifndef DOCKET_PROJECTIONS_DEAD_KEYS_H_
#define DOCKET_PROJECTIONS_DEAD_KEYS_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace docket::projections::keys {

inline std::string DeadKey(std::string_view aggregate_key) {
  std::string k("d");
  k.push_back('\0');
  k.append(aggregate_key);
  return k;
}
inline std::string DeadPrefix() { return std::string("d") + '\0'; }
inline std::string ParkedPrefix(std::string_view aggregate_key) {
  std::string k("q");
  k.push_back('\0');
  k.append(aggregate_key);
  k.push_back('\0');
  return k;
}
inline std::string ParkedKey(std::string_view aggregate_key, int32_t partition, int64_t offset) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%05d%020lld", partition, static_cast<long long>(offset));
  return ParkedPrefix(aggregate_key) + buf;
}

}  // namespace docket::projections::keys

#endif  // DOCKET_PROJECTIONS_DEAD_KEYS_H_
