// A cheap check that a text can be a PromQL expression, for steady-state queries at load time:
// not blank, brackets ((), [], {}) balanced and properly nested, string literals ("...", '...'
// with backslash escapes, `...` raw) closed; `#` starts a comment outside strings. It is no
// parser: Prometheus still judges the query when it is run (a wrong function name passes here).
//
// Thread-safety: a pure function.
#pragma once

#include <string_view>

#include "common/status.h"

namespace rebound::controller::chaos {

// OK, or InvalidArgument naming the 1-based column of the problem.
common::Status CheckPromqlShape(std::string_view query);

}  // namespace rebound::controller::chaos
