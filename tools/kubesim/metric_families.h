// Families: builds the prometheus::MetricFamily list of one scrape, one sample at a time,
// keeping families in the order they were first used.
//
// Thread-safety: one instance per scrape, used by one thread.
#pragma once

#include <prometheus/metric_family.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace rebound::kubesim {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Families {
 public:
  void Gauge(const std::string& name, const std::string& help, const Labels& labels, double value);
  void Counter(const std::string& name, const std::string& help, const Labels& labels,
               double value);
  // `buckets` are (upper bound, cumulative count) pairs ending with +Inf.
  void Histogram(const std::string& name, const std::string& help, const Labels& labels,
                 const std::vector<std::pair<double, uint64_t>>& buckets, uint64_t count,
                 double sum);
  // Declares a family that may have no samples in this scrape (so it still has HELP/TYPE).
  void Declare(const std::string& name, const std::string& help, prometheus::MetricType type);

  std::vector<prometheus::MetricFamily> Take() { return std::move(families_); }

 private:
  prometheus::ClientMetric& Add(const std::string& name, const std::string& help,
                                prometheus::MetricType type, const Labels& labels);

  std::vector<prometheus::MetricFamily> families_;
  std::map<std::string, size_t> index_;
};

}  // namespace rebound::kubesim
