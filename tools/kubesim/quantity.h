// Kubernetes resource quantities ("64Mi", "1.5Gi", "500M", "250m", "1e3", "4").
//
// Binary suffixes Ki Mi Gi Ti Pi Ei, decimal suffixes k M G T P E, and m (milli). Used for
// memory sizes in scenarios, behaviours and container limits. Pure functions, thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"

namespace rebound::kubesim {

// The value of `text` (in base units: bytes for memory, cores for CPU); InvalidArgument when
// it is not a quantity or is negative.
common::Result<double> ParseQuantity(std::string_view text);

}  // namespace rebound::kubesim
