// FakePrometheus: a promql::PrometheusApi whose answers a test sets per query text, and which
// records every query. An unknown query fails with Unavailable. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "controller/promql/prometheus_api.h"

namespace rebound::testing {

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
      std::string_view query, controller::promql::TimePoint, controller::promql::TimePoint,
      std::chrono::milliseconds) override {
    std::lock_guard lock(mu_);
    queries_.emplace_back(query);
    auto it = range_.find(std::string(query));
    if (it == range_.end()) return common::Unavailable("FakePrometheus: no answer for " + std::string(query));
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, controller::promql::QueryResult> instant_;
  std::map<std::string, controller::promql::RangeQueryResult> range_;
  std::vector<std::string> queries_;
};

}  // namespace rebound::testing
