// Reading the JSON bodies of Prometheus' /api/v1/query and /api/v1/query_range, as Prometheus
// 2.x writes them:
//   {"status":"success","data":{"resultType":"vector","result":[...]},"warnings":[...]}
//   {"status":"error","errorType":"bad_data","error":"..."}
// Sample values are strings ("0.5", "NaN", "+Inf", "-Inf"); timestamps are float seconds.
// Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "controller/promql/query_result.h"

namespace rebound::controller::promql {

// What Prometheus said went wrong: errorType ("bad_data", "execution", "timeout", ...) and
// error (the human text).
struct ApiError {
  std::string type;
  std::string message;
};

// The result of a successful instant query. Internal, quoting the start of the body, when the
// body is not a success answer of that shape.
common::Result<QueryResult> ParseInstantQueryBody(std::string_view body);

// The result of a successful range query (always a matrix). Internal as above, and for any
// other result type.
common::Result<RangeQueryResult> ParseRangeQueryBody(std::string_view body);

// The errorType and error of an error answer; nullopt when the body is not one (say, a
// proxy's HTML page).
std::optional<ApiError> ParseErrorBody(std::string_view body);

}  // namespace rebound::controller::promql
