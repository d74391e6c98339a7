// MetricValue: reads one counter or gauge series from a prometheus::Registry, for unit tests
// of code that exports metrics (no HTTP server, no text parsing). Reentrant.
#pragma once

#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <map>
#include <optional>
#include <string>

namespace rebound::testing {

// The value of the series of counter or gauge `name` whose labels include every one of
// `labels`, or the sample count of histogram `base` when `name` is `base_count`; nullopt when
// there is no such series.
inline std::optional<double> MetricValue(const prometheus::Registry& registry,
                                         const std::string& name,
                                         const std::map<std::string, std::string>& labels) {
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    const bool histogram_count =
        family.type == prometheus::MetricType::Histogram && family.name + "_count" == name;
    if (family.name != name && !histogram_count) continue;
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::map<std::string, std::string> got;
      for (const prometheus::ClientMetric::Label& label : metric.label) {
        got[label.name] = label.value;
      }
      bool all = true;
      for (const auto& [key, value] : labels) all = all && got.contains(key) && got[key] == value;
      if (!all) continue;
      if (histogram_count) return static_cast<double>(metric.histogram.sample_count);
      if (family.type == prometheus::MetricType::Counter) return metric.counter.value;
      if (family.type == prometheus::MetricType::Gauge) return metric.gauge.value;
    }
  }
  return std::nullopt;
}

}  // namespace rebound::testing
