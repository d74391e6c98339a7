// Metrics of continuous anomaly scoring (DESIGN.md sections 6 and 10):
//   rebound_anomaly_score{signal,namespace,workload}  a workload's latest score (0-1)
//   rebound_anomaly_evaluations_total{signal,result}  evaluations of a signal set, ok / error
// `signal` is the name of a signal set in rebound.yaml (`anomaly.signals`).
//
// Families are registered on the caller's registry. prometheus-cpp metrics are thread-safe, and
// so are all methods.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <span>
#include <string>

#include "exporter/family.h"

namespace rebound::exporter {

class AnomalyMetrics {
 public:
  explicit AnomalyMetrics(prometheus::Registry& registry);

  // The families this class registers.
  static std::span<const FamilySpec> Families();

  // Creates both evaluation series of a signal set (result ok and error), so that rates work
  // before its first failure.
  void AddSignalSet(const std::string& signal);
  // Counts one evaluation of a signal set.
  void Evaluated(const std::string& signal, bool ok);

  // The score series of one workload, created at 0 when new.
  prometheus::Gauge& Score(const std::string& signal, const std::string& namespace_name,
                           const std::string& workload);
  // Removes a series returned by Score.
  void RemoveScore(prometheus::Gauge& score);

 private:
  prometheus::Family<prometheus::Gauge>& scores_;
  prometheus::Family<prometheus::Counter>& evaluations_;
};

}  // namespace rebound::exporter
