// The values of a metric series in a playbook test file (`rebound test`, docs/playbook-tests.md),
// written in promtool's expanding notation: "100+0x60 100+5x10" is sixty-one 100s followed by
// 100, 105, ..., 150. Anomaly signals read such a history with range queries.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "common/status.h"

namespace rebound::app {

// At most this many values in one series (Prometheus' own limit of points per range query).
inline constexpr size_t kMaxSeriesValues = 11000;

// Parses `text`: items separated by spaces, each one of
//   a        the value a                a+bxn   a, a+b, a+2b, ..., a+nb (n+1 values)
//   axn      a, n+1 times (a+0xn)       a-bxn   a, a-b, ..., a-nb
//   _        a missing point (NaN)      _xn     n missing points
// Success: the values in order. Failure: InvalidArgument naming the item that is none of
// these, or saying that there are more than kMaxSeriesValues values.
common::Result<std::vector<double>> ParseSeriesValues(std::string_view text);

}  // namespace rebound::app
