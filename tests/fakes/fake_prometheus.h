// FakePrometheus: a promql::PrometheusApi whose answers a test sets per query text, and which
// records every query. An unknown query fails with Unavailable. Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "controller/promql/prometheus_api.h"

namespace rebound::testing {

// A range-query series with `labels` whose i-th value is at start + i * step.
inline controller::promql::Series SeriesAt(controller::promql::Labels labels,
                                           controller::promql::TimePoint start,
                                           std::chrono::milliseconds step,
                                           const std::vector<double>& values) {
  controller::promql::Series series;
  series.labels = std::move(labels);
  for (size_t i = 0; i < values.size(); ++i) {
    series.points.push_back({start + static_cast<int>(i) * step, values[i]});
  }
  return series;
}

class FakePrometheus final : public controller::promql::PrometheusApi {
 public:
  // `query` evaluates to a vector with one sample of `value`, or to an empty vector.
  void SetVector(const std::string& query, std::optional<double> value) {
    controller::promql::Vector vector;
    if (value) {
      controller::promql::Sample sample;
      sample.value = *value;
      vector.push_back(sample);
    }
    controller::promql::QueryResult result;
    result.value = vector;
    std::lock_guard lock(mu_);
    instant_[query] = result;
  }
  void SetRange(const std::string& query, controller::promql::RangeQueryResult result) {
    std::lock_guard lock(mu_);
    range_[query] = std::move(result);
  }
  // Answers every range query instead of the SetRange answers, e.g. with only the points of
  // [start, end] or with a failure; such queries are still recorded.
  using RangeHandler = std::function<common::Result<controller::promql::RangeQueryResult>(
      std::string_view query, controller::promql::TimePoint start,
      controller::promql::TimePoint end, std::chrono::milliseconds step)>;
  void SetRangeHandler(RangeHandler handler) {
    std::lock_guard lock(mu_);
    range_handler_ = std::move(handler);
  }
  std::vector<std::string> queries() const {
    std::lock_guard lock(mu_);
    return queries_;
  }

  common::Result<controller::promql::QueryResult> InstantQuery(
      std::string_view query, std::optional<controller::promql::TimePoint>) override {
    std::lock_guard lock(mu_);
    queries_.emplace_back(query);
    auto it = instant_.find(std::string(query));
    if (it == instant_.end()) return common::Unavailable("FakePrometheus: no answer for " + std::string(query));
    return it->second;
  }
  common::Result<controller::promql::RangeQueryResult> RangeQuery(
      std::string_view query, controller::promql::TimePoint start,
      controller::promql::TimePoint end, std::chrono::milliseconds step) override {
    RangeHandler handler;
    {
      std::lock_guard lock(mu_);
      queries_.emplace_back(query);
      handler = range_handler_;
    }
    if (handler) return handler(query, start, end, step);
    std::lock_guard lock(mu_);
    auto it = range_.find(std::string(query));
    if (it == range_.end()) return common::Unavailable("FakePrometheus: no answer for " + std::string(query));
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, controller::promql::QueryResult> instant_;
  std::map<std::string, controller::promql::RangeQueryResult> range_;
  RangeHandler range_handler_;
  std::vector<std::string> queries_;
};

// A RangeHandler answering each query of `values` with one series of those values a step
// apart, the last at the end of the range asked for (as a signal read "now" would be); other
// queries fail with Unavailable, and an empty list of values gives an empty matrix.
inline FakePrometheus::RangeHandler ValuesUntilEnd(
    std::map<std::string, std::vector<double>> values) {
  return [values = std::move(values)](std::string_view query, controller::promql::TimePoint,
                                      controller::promql::TimePoint end,
                                      std::chrono::milliseconds step)
             -> common::Result<controller::promql::RangeQueryResult> {
    auto it = values.find(std::string(query));
    if (it == values.end()) {
      return common::Unavailable("FakePrometheus: no answer for " + std::string(query));
    }
    controller::promql::RangeQueryResult result;
    if (!it->second.empty()) {
      const int last = static_cast<int>(it->second.size()) - 1;
      result.matrix.push_back(SeriesAt({}, end - last * step, step, it->second));
    }
    return result;
  };
}

// A RangeHandler answering each query of `series` as Prometheus would over a stored history:
// with the points of those series that fall within [start, end] (series with none left out);
// other queries fail with Unavailable.
inline FakePrometheus::RangeHandler PointsWithin(
    std::map<std::string, controller::promql::Matrix> series) {
  return [series = std::move(series)](
             std::string_view query, controller::promql::TimePoint start,
             controller::promql::TimePoint end,
             std::chrono::milliseconds) -> common::Result<controller::promql::RangeQueryResult> {
    auto it = series.find(std::string(query));
    if (it == series.end()) {
      return common::Unavailable("FakePrometheus: no answer for " + std::string(query));
    }
    controller::promql::RangeQueryResult result;
    for (const controller::promql::Series& s : it->second) {
      controller::promql::Series within{s.labels, {}};
      for (const controller::promql::Point& p : s.points) {
        if (p.timestamp >= start && p.timestamp <= end) within.points.push_back(p);
      }
      if (!within.points.empty()) result.matrix.push_back(std::move(within));
    }
    return result;
  };
}

}  // namespace rebound::testing
