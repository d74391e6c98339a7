#include "exporter/all_families.h"

#include "exporter/anomaly_metrics.h"
#include "exporter/chaos_metrics.h"
#include "exporter/heal_metrics.h"
#include "exporter/intake_metrics.h"
#include "exporter/kube_api_metrics.h"
#include "exporter/notify_metrics.h"
#include "exporter/self_metrics.h"

namespace rebound::exporter {

std::vector<FamilySpec> AllFamilies() {
  std::vector<FamilySpec> all;
  for (std::span<const FamilySpec> area :
       {SelfMetrics::Families(), ProcessCollector::Families(), IntakeMetrics::Families(),
        KubeApiMetrics::Families(), NotifyMetrics::Families(), HealMetrics::Families(),
        TargetStateCollector::Families(), AnomalyMetrics::Families(),
        ChaosMetrics::Families()}) {
    all.insert(all.end(), area.begin(), area.end());
  }
  return all;
}

}  // namespace rebound::exporter
