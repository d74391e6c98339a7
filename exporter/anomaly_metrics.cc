#include "exporter/anomaly_metrics.h"

#include <array>

namespace rebound::exporter {
namespace {

using prometheus::MetricType;

constexpr std::string_view kSignalNamespaceWorkload[] = {"signal", "namespace", "workload"};
constexpr std::string_view kSignalResult[] = {"signal", "result"};

constexpr FamilySpec kScores{"rebound_anomaly_score", MetricType::Gauge,
                             "How unusual a workload's latest behaviour is against its own history "
                             "(0-1), per continuously scored signal set",
                             kSignalNamespaceWorkload};
constexpr FamilySpec kEvaluations{"rebound_anomaly_evaluations_total", MetricType::Counter,
                                  "Evaluations of a continuously scored signal set, by result (ok, "
                                  "error)",
                                  kSignalResult};

constexpr std::array kFamilies = {kScores, kEvaluations};

const char* ResultName(bool ok) { return ok ? "ok" : "error"; }

}  // namespace

AnomalyMetrics::AnomalyMetrics(prometheus::Registry& registry)
    : scores_(RegisterGauge(registry, kScores)),
      evaluations_(RegisterCounter(registry, kEvaluations)) {}

std::span<const FamilySpec> AnomalyMetrics::Families() { return kFamilies; }

void AnomalyMetrics::AddSignalSet(const std::string& signal) {
  for (bool ok : {true, false}) evaluations_.Add({{"signal", signal}, {"result", ResultName(ok)}});
}

void AnomalyMetrics::Evaluated(const std::string& signal, bool ok) {
  evaluations_.Add({{"signal", signal}, {"result", ResultName(ok)}}).Increment();
}

prometheus::Gauge& AnomalyMetrics::Score(const std::string& signal,
                                         const std::string& namespace_name,
                                         const std::string& workload) {
  return scores_.Add({{"signal", signal}, {"namespace", namespace_name}, {"workload", workload}});
}

void AnomalyMetrics::RemoveScore(prometheus::Gauge& score) { scores_.Remove(&score); }

}  // namespace rebound::exporter
