// Prometheus-style duration strings ("30s", "5m", "1h30m", "250ms", "2d", "1w", "1y").
//
// Units, in the only order allowed: y (365d), w, d, h, m, s, ms; each at most once; "0" alone is
// zero. This is the syntax of Prometheus' model.ParseDuration. Pure functions, thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace rebound::common {

// Parses `text`; InvalidArgument naming the problem when it is not a valid duration.
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);

// The shortest string ParseDuration reads back as `d` ("1h30m", "0s"). Negative values are
// formatted with a leading '-', which ParseDuration rejects.
std::string FormatDuration(std::chrono::milliseconds d);

}  // namespace rebound::common
