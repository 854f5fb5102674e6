// Process-wide logging: spdlog to stderr, so stdout carries only alert JSON.
#pragma once

#include <string_view>

namespace spoor {

// Sets up the stderr logger at `level` ("debug", "info", "warn", "error").
// Throws std::invalid_argument for an unknown level name.
void init_logging(std::string_view level);

}  // namespace spoor
