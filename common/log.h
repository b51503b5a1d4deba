// Logging (spdlog), one logger per module (house style 9). Each module keeps
// its own accessor (e.g. kafka::KafkaLog in events/kafka_log.h,
// consumers::DeciderLog in consumers/log.h) built on ModuleLogger.
#ifndef DOCKET_COMMON_LOG_H_
#define DOCKET_COMMON_LOG_H_

#include <spdlog/spdlog.h>

#include <memory>

namespace docket {

// Returns the named logger, creating a stderr logger at spdlog's global
// level the first time. Thread-safe.
std::shared_ptr<spdlog::logger> ModuleLogger(const char* name);

}  // namespace docket

#endif  // DOCKET_COMMON_LOG_H_
