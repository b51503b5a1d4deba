// The Kafka adapter's logger (namespace docket::kafka, like events/kafka.h;
// one logger per module, house style 9).
#ifndef DOCKET_EVENTS_KAFKA_LOG_H_
#define DOCKET_EVENTS_KAFKA_LOG_H_

#include "common/log.h"

namespace docket::kafka {

inline spdlog::logger* KafkaLog() {
  static std::shared_ptr<spdlog::logger> l = ModuleLogger("kafka");
  return l.get();
}

}  // namespace docket::kafka

#endif  // DOCKET_EVENTS_KAFKA_LOG_H_
