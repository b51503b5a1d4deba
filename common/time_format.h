// Formatting of event times (µs since the Unix epoch) for people and JSON.
#ifndef DOCKET_COMMON_TIME_FORMAT_H_
#define DOCKET_COMMON_TIME_FORMAT_H_

#include <cstdint>
#include <string>

namespace docket {

// "2026-11-27T08:33:56.123456Z" (RFC 3339, UTC, µs). Times outside
// 1970..9999 (which the event decoder refuses) come back as the bare number
// rather than risking overflow. Thread-safe.
std::string FormatMicros(int64_t us);

}  // namespace docket

#endif  // DOCKET_COMMON_TIME_FORMAT_H_
