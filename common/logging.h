// Process-wide logging set-up (spdlog): human-readable text or one JSON object per line.
//
// Call SetupLogging once at start-up and again on reload; it swaps the default logger's
// formatter and level atomically with respect to other log calls.
#pragma once

#include <string_view>

#include "common/status.h"

namespace rebound::common {

// format: "text" | "json"; level: trace | debug | info | warn | error.
// InvalidArgument (and no change) for an unknown format or level.
Status SetupLogging(std::string_view format, std::string_view level);

}  // namespace rebound::common
