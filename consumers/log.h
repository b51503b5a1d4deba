// The consumers module's logger.
#ifndef DOCKET_CONSUMERS_LOG_H_
#define DOCKET_CONSUMERS_LOG_H_

#include "common/log.h"

namespace docket::consumers {
inline spdlog::logger* DeciderLog() {
  static std::shared_ptr<spdlog::logger> l = ModuleLogger("decider");
  return l.get();
}
inline spdlog::logger* ProjectorLog() {
  static std::shared_ptr<spdlog::logger> l = ModuleLogger("projector");
  return l.get();
}
}  // namespace docket::consumers

#endif  // DOCKET_CONSUMERS_LOG_H_
