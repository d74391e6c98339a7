// Metrics of chaos experiments (DESIGN.md section 7.3):
//   rebound_chaos_runs_total{experiment,result}          finished runs by result
//   rebound_chaos_recovery_seconds{experiment}           time to recovery of recovered runs
//   rebound_chaos_last_run_timestamp_seconds{experiment} when the last run ended
//   rebound_chaos_last_recovery_seconds{experiment}      the last recovered run's recovery time
//   rebound_chaos_active{experiment}                     1 while a run of the experiment is on
//   rebound_chaos_restore_owed{experiment}               finished runs whose fault is not undone
//   rebound_playbook_last_proven_timestamp_seconds{playbook}  the last recovered run proving it
// The class takes plain names (experiment, playbook, result); the result names come from the
// chaos engine's name table.
//
// Families are registered on the caller's registry. prometheus-cpp metrics are thread-safe, and
// so are all methods.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "exporter/family.h"

namespace rebound::exporter {

class ChaosMetrics {
 public:
  explicit ChaosMetrics(prometheus::Registry& registry);

  // The families this class registers.
  static std::span<const FamilySpec> Families();

  // A loaded experiment: its runs_total series for every name in `results` and its active
  // series exist from now on (at 0), so rates and the failure alert work before its first run.
  void AddExperiment(const std::string& experiment, std::span<const std::string_view> results);
  // rebound_chaos_active{experiment} to 1 (a run started) or 0 (it ended).
  void SetActive(const std::string& experiment, bool active);
  // rebound_chaos_restore_owed{experiment} up by one (a run of it ended owing the restore of
  // its fault) or down by one (a retry settled such a restore).
  void RestoreOwed(const std::string& experiment, bool owed);
  // A run ended at `ended` (Unix time) with `result`: counts it and sets the last-run time; with
  // `recovery` (a recovered run's time to recovery) also observes the histogram and sets the
  // last recovery.
  void RunEnded(const std::string& experiment, std::string_view result,
                std::chrono::system_clock::time_point ended,
                std::optional<std::chrono::nanoseconds> recovery);
  // rebound_playbook_last_proven_timestamp_seconds{playbook}: a recovered run proved it at `at`.
  void PlaybookProven(const std::string& playbook, std::chrono::system_clock::time_point at);

 private:
  prometheus::Family<prometheus::Counter>& runs_;
  prometheus::Family<prometheus::Histogram>& recovery_;
  prometheus::Family<prometheus::Gauge>& last_run_;
  prometheus::Family<prometheus::Gauge>& last_recovery_;
  prometheus::Family<prometheus::Gauge>& active_;
  prometheus::Family<prometheus::Gauge>& restore_owed_;
  prometheus::Family<prometheus::Gauge>& last_proven_;
};

}  // namespace rebound::exporter
