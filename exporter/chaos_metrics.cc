#include "exporter/chaos_metrics.h"

#include <array>

namespace rebound::exporter {
namespace {

using prometheus::MetricType;

constexpr std::string_view kExperiment[] = {"experiment"};
constexpr std::string_view kExperimentResult[] = {"experiment", "result"};
constexpr std::string_view kPlaybook[] = {"playbook"};

constexpr FamilySpec kRuns{"rebound_chaos_runs_total", MetricType::Counter,
                           "Finished chaos runs by result: recovered, failed, skipped, aborted.",
                           kExperimentResult};
constexpr FamilySpec kRecovery{"rebound_chaos_recovery_seconds", MetricType::Histogram,
                               "Time to recovery of recovered chaos runs, from the injection to "
                               "the first verified healthy state.",
                               kExperiment};
constexpr FamilySpec kLastRun{"rebound_chaos_last_run_timestamp_seconds", MetricType::Gauge,
                              "When the experiment's last run ended, any result (Unix time).",
                              kExperiment};
constexpr FamilySpec kLastRecovery{"rebound_chaos_last_recovery_seconds", MetricType::Gauge,
                                   "Time to recovery of the experiment's last recovered run.",
                                   kExperiment};
constexpr FamilySpec kActive{"rebound_chaos_active", MetricType::Gauge,
                             "1 while a run of the experiment is on, else 0.", kExperiment};
constexpr FamilySpec kRestoreOwed{
    "rebound_chaos_restore_owed", MetricType::Gauge,
    "Finished runs of the experiment whose fault chaos could not undo yet (the Kubernetes API "
    "refused the restore; retried with backoff).",
    kExperiment};
constexpr FamilySpec kLastProven{
    "rebound_playbook_last_proven_timestamp_seconds", MetricType::Gauge,
    "When a recovered chaos run last proved the playbook (Unix time).", kPlaybook};

constexpr std::array kFamilies = {kRuns,   kRecovery,    kLastRun,   kLastRecovery,
                                  kActive, kRestoreOwed, kLastProven};

// 1 s to 30 min.
prometheus::Histogram::BucketBoundaries RecoveryBuckets() {
  return {1, 2.5, 5, 10, 15, 30, 45, 60, 90, 120, 180, 300, 600, 900, 1200, 1800};
}

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

double UnixSeconds(std::chrono::system_clock::time_point t) {
  return Seconds(t.time_since_epoch());
}

}  // namespace

ChaosMetrics::ChaosMetrics(prometheus::Registry& registry)
    : runs_(RegisterCounter(registry, kRuns)),
      recovery_(RegisterHistogram(registry, kRecovery)),
      last_run_(RegisterGauge(registry, kLastRun)),
      last_recovery_(RegisterGauge(registry, kLastRecovery)),
      active_(RegisterGauge(registry, kActive)),
      restore_owed_(RegisterGauge(registry, kRestoreOwed)),
      last_proven_(RegisterGauge(registry, kLastProven)) {}

std::span<const FamilySpec> ChaosMetrics::Families() { return kFamilies; }

void ChaosMetrics::AddExperiment(const std::string& experiment,
                                 std::span<const std::string_view> results) {
  for (std::string_view result : results) {
    runs_.Add({{"experiment", experiment}, {"result", std::string(result)}});
  }
  active_.Add({{"experiment", experiment}});
  restore_owed_.Add({{"experiment", experiment}});
}

void ChaosMetrics::SetActive(const std::string& experiment, bool active) {
  active_.Add({{"experiment", experiment}}).Set(active ? 1 : 0);
}

void ChaosMetrics::RestoreOwed(const std::string& experiment, bool owed) {
  prometheus::Gauge& gauge = restore_owed_.Add({{"experiment", experiment}});
  if (owed) {
    gauge.Increment();
  } else {
    gauge.Decrement();
  }
}

void ChaosMetrics::RunEnded(const std::string& experiment, std::string_view result,
                            std::chrono::system_clock::time_point ended,
                            std::optional<std::chrono::nanoseconds> recovery) {
  runs_.Add({{"experiment", experiment}, {"result", std::string(result)}}).Increment();
  last_run_.Add({{"experiment", experiment}}).Set(UnixSeconds(ended));
  if (!recovery) return;
  recovery_.Add({{"experiment", experiment}}, RecoveryBuckets()).Observe(Seconds(*recovery));
  last_recovery_.Add({{"experiment", experiment}}).Set(Seconds(*recovery));
}

void ChaosMetrics::PlaybookProven(const std::string& playbook,
                                  std::chrono::system_clock::time_point at) {
  last_proven_.Add({{"playbook", playbook}}).Set(UnixSeconds(at));
}

}  // namespace rebound::exporter
