#include "common/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string>

namespace spoor {

void init_logging(std::string_view level) {
    const auto parsed = spdlog::level::from_str(std::string(level));
    if (parsed == spdlog::level::off && level != "off") {
        throw std::invalid_argument("unknown log level '" + std::string(level) +
                                    "' (use debug, info, warn or error)");
    }
    auto logger = spdlog::stderr_color_mt("spoor");
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    logger->set_level(parsed);
    spdlog::set_default_logger(logger);
}

}  // namespace spoor
