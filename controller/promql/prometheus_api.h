// PrometheusApi: how the controller asks Prometheus questions — verification conditions
// ("did the repair work?") and the anomaly scorer's signal history.
//
// An interface so that healing and chaos code can be tested with a fake and wrapped to inject
// failures; PrometheusHttp (prometheus_http.h) is the implementation over the HTTP API.
// The condition helpers below give PromQL conditions the meaning alerting rules give them.
//
// Thread-safety: implementations must allow concurrent calls from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "common/status.h"
#include "controller/promql/query_result.h"

namespace rebound::controller::promql {

// Prometheus refuses a range query of more points per series than this.
inline constexpr std::int64_t kMaxRangeQueryPoints = 11000;

class PrometheusApi {
 public:
  virtual ~PrometheusApi() = default;

  // Evaluates `query` at `time` (Prometheus' "now" when absent).
  // Failure: InvalidArgument when Prometheus rejects the query (its errorType and error text in
  // the message); DeadlineExceeded when the query or the request timed out; Unavailable when
  // Prometheus cannot be reached or keeps failing; Unauthenticated or PermissionDenied when it
  // (or a proxy before it) refuses us; FailedPrecondition for other refusals (a wrong URL);
  // Internal when the answer cannot be read; Cancelled when the client was stopped (shutdown)
  // before it could retry.
  virtual common::Result<QueryResult> InstantQuery(std::string_view query,
                                                   std::optional<TimePoint> time) = 0;

  // Evaluates `query` at every `step` from `start` to `end` (both included). Failures as for
  // InstantQuery; InvalidArgument too for a range Prometheus refuses (e.g. over
  // kMaxRangeQueryPoints points per series).
  virtual common::Result<RangeQueryResult> RangeQuery(std::string_view query, TimePoint start,
                                                      TimePoint end,
                                                      std::chrono::milliseconds step) = 0;
};

// Whether a condition's result means "holds": a non-empty vector (as an alerting rule fires
// on any element, whatever its value) or a scalar that is neither 0 nor NaN.
// InvalidArgument for a matrix or a string, which are not conditions.
common::Result<bool> ConditionHolds(const QueryResult& result);

// Evaluates `query` at `time` with `api` and applies ConditionHolds; InstantQuery's failures
// are returned as they are, with the query named for a result that is not a condition.
common::Result<bool> EvaluateCondition(PrometheusApi& api, std::string_view query,
                                       std::optional<TimePoint> time = std::nullopt);

}  // namespace rebound::controller::promql
