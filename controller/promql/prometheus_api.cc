#include "controller/promql/prometheus_api.h"

#include <fmt/format.h>

#include <cmath>
#include <type_traits>

namespace rebound::controller::promql {

common::Result<bool> ConditionHolds(const QueryResult& result) {
  return std::visit(
      [](const auto& value) -> common::Result<bool> {
        using T = std::decay_t<decltype(value)>;
        if constexpr (std::is_same_v<T, Vector>) {
          return !value.empty();
        } else if constexpr (std::is_same_v<T, Scalar>) {
          // NaN compares unequal to 0, but "no number" is no evidence that anything holds.
          return value.value != 0 && !std::isnan(value.value);
        } else if constexpr (std::is_same_v<T, Matrix>) {
          return common::InvalidArgument("a range vector is not a condition");
        } else {
          return common::InvalidArgument("a string is not a condition");
        }
      },
      result.value);
}

common::Result<bool> EvaluateCondition(PrometheusApi& api, std::string_view query,
                                       std::optional<TimePoint> time) {
  common::Result<QueryResult> result = api.InstantQuery(query, time);
  if (!result.ok()) return result.status();
  common::Result<bool> holds = ConditionHolds(*result);
  if (!holds.ok()) return holds.status().WithContext(fmt::format("condition \"{}\"", query));
  return holds;
}

}  // namespace rebound::controller::promql
