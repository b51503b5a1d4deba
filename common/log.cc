#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace docket {

std::shared_ptr<spdlog::logger> ModuleLogger(const char* name) {
  if (auto existing = spdlog::get(name)) return existing;
  try {
    auto l = spdlog::stderr_color_mt(name);
    l->set_level(spdlog::get_level());
    return l;
  } catch (const spdlog::spdlog_ex&) {  // created concurrently
    return spdlog::get(name);
  }
}

}  // namespace docket
