#include "tools/kubesim/metric_families.h"

namespace rebound::kubesim {

void Families::Declare(const std::string& name, const std::string& help,
                       prometheus::MetricType type) {
  if (index_.contains(name)) return;
  index_[name] = families_.size();
  families_.push_back({name, help, type, {}});
}

prometheus::ClientMetric& Families::Add(const std::string& name, const std::string& help,
                                        prometheus::MetricType type, const Labels& labels) {
  Declare(name, help, type);
  prometheus::MetricFamily& family = families_[index_[name]];
  family.metric.emplace_back();
  for (const auto& [key, value] : labels) family.metric.back().label.push_back({key, value});
  return family.metric.back();
}

void Families::Gauge(const std::string& name, const std::string& help, const Labels& labels,
                     double value) {
  Add(name, help, prometheus::MetricType::Gauge, labels).gauge.value = value;
}

void Families::Counter(const std::string& name, const std::string& help, const Labels& labels,
                       double value) {
  Add(name, help, prometheus::MetricType::Counter, labels).counter.value = value;
}

void Families::Histogram(const std::string& name, const std::string& help, const Labels& labels,
                         const std::vector<std::pair<double, uint64_t>>& buckets, uint64_t count,
                         double sum) {
  prometheus::ClientMetric& metric = Add(name, help, prometheus::MetricType::Histogram, labels);
  metric.histogram.sample_count = count;
  metric.histogram.sample_sum = sum;
  for (const auto& [bound, cumulative] : buckets) {
    metric.histogram.bucket.push_back({cumulative, bound});
  }
}

}  // namespace rebound::kubesim
