#include "bosun/common/logging.hpp"

#include <memory>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace bosun {

void configure_logging(int verbosity) {
  // Not registered by name, so calling this twice (tests, re-exec) cannot throw.
  auto logger =
      std::make_shared<spdlog::logger>("bosun", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%^%l%$: %v");
  switch (verbosity) {
    case 0:
      logger->set_level(spdlog::level::warn);
      break;
    case 1:
      logger->set_level(spdlog::level::info);
      break;
    case 2:
      logger->set_level(spdlog::level::debug);
      break;
    default:
      logger->set_level(spdlog::level::trace);
      break;
  }
  spdlog::set_default_logger(logger);
}

}  // namespace bosun
