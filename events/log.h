// The events module's loggers (one per module, design §6.9).
#ifndef DOCKET_EVENTS_LOG_H_
#define DOCKET_EVENTS_LOG_H_

#include <spdlog/spdlog.h>

#include <memory>

namespace docket {

// Returns the named logger, creating a stderr logger the first time.
// Thread-safe.
std::shared_ptr<spdlog::logger> ModuleLogger(const char* name);

namespace kafka {
inline spdlog::logger* KafkaLog() {
  static std::shared_ptr<spdlog::logger> l = ModuleLogger("kafka");
  return l.get();
}
}  // namespace kafka

}  // namespace docket

#endif  // DOCKET_EVENTS_LOG_H_
