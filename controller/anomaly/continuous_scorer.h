// ContinuousScorer: scores rebound.yaml's signal sets (`anomaly.signals`) for every workload,
// every step, and exports the scores as rebound_anomaly_score{signal,namespace,workload}
// (DESIGN.md section 6) so that alert rules and dashboards can use them.
//
// Each tick, for each set, it fetches the signal histories grouped by (namespace, workload)
// from the oldest last-scored time among the set's workloads (or `lookback` back when it has
// none) to now, with times aligned to multiples of `step` so that every fetch sees the same
// evaluation points; a workload seen for the first time is warmed with the whole lookback.
// Each workload's own Scorer learns only the samples newer than its last one. A workload
// without data for longer than the lookback is forgotten and its series removed.
//
// Scorer state is saved in the journal database (ScorerStore) at every tick for the scorers
// that learnt something, and restored at the first tick, so that a restart catches up from
// where it stopped; saved state older than the lookback, or learnt under another step, season
// or queries, is discarded and the workload starts afresh.
//
// Failures degrade, never stop it: a failed fetch counts
// rebound_anomaly_evaluations_total{signal,result="error"} (a good one result="ok"), is logged
// once per failure streak with the set named, and is retried at the next tick while the
// scores keep their last values; a failed save is logged the same way and retried.
//
// Thread-safety: Start, Stop and SetSets are called from one thread (the daemon's main
// thread). Tick runs on the scorer's own thread once started; tests call it directly instead.
#pragma once

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "anomaly/scorer.h"
#include "common/clock.h"
#include "common/sleeper.h"
#include "common/status.h"
#include "controller/anomaly/scorer_store.h"
#include "controller/anomaly/signal_history.h"
#include "controller/anomaly/signal_set.h"
#include "controller/promql/prometheus_api.h"
#include "exporter/anomaly_metrics.h"

namespace rebound::controller::anomaly {

class ContinuousScorer {
 public:
  // What the scorer uses; each must outlive it.
  struct Deps {
    promql::PrometheusApi& prometheus;
    ScorerStore* store;  // nullptr: scorer state is not persisted
    const common::Clock& clock;
    common::Sleeper& sleeper;
    prometheus::Registry& registry;
  };

  // Scores `sets` (valid, with unique names, as the config loader checks) every `step` (> 0).
  ContinuousScorer(Deps deps, std::chrono::milliseconds step, std::vector<SignalSet> sets);
  ~ContinuousScorer();  // Stop()

  // Runs Tick now and then every step on the scorer's own thread, until Stop().
  void Start();
  // Interrupts the wait between ticks (a tick under way finishes) and joins the thread.
  void Stop();

  // Replaces the signal sets from the next tick on (a reload). A set whose step, season and
  // queries are unchanged keeps its scorers (a new lookback applies); a changed or removed
  // set's scorers are dropped, with their series and saved state.
  void SetSets(std::vector<SignalSet> sets);

  // One round: restores saved state at the first call, applies SetSets, then fetches, scores,
  // exports, forgets and saves as described above.
  void Tick();

 private:
  struct Workload {
    rebound::anomaly::Scorer scorer;
    promql::TimePoint scored_at;  // the last sample learnt
    prometheus::Gauge* gauge;     // rebound_anomaly_score for this workload
    bool dirty = false;           // learnt something since it was last saved
  };
  struct SetState {
    SignalSet set;
    std::string signature;
    // A fresh scorer for the set's options, copied for each new workload; the error when the
    // options are invalid.
    common::Result<rebound::anomaly::Scorer> prototype;
    std::map<GroupKey, Workload> workloads;  // by {namespace, workload}
    bool failing = false;                    // the last evaluation failed
  };

  SetState MakeState(SignalSet set) const;
  void Restore(promql::TimePoint now);
  void ApplySets(std::vector<SignalSet> sets);
  void TickSet(SetState& state, promql::TimePoint end);
  common::Result<std::map<GroupKey, SignalHistory>> Fetch(const SetState& state,
                                                          promql::TimePoint start,
                                                          promql::TimePoint end);
  // Feeds `history` from row `from` on to the workload, if there is anything to feed.
  void Learn(Workload& workload, const SignalHistory& history, size_t from);
  void Evaluated(SetState& state, const common::Status& status);
  // Removes the workload's series and queues its saved state for deletion.
  void Forget(const std::string& set, const GroupKey& key, Workload& workload);
  void Persist();
  void Stored(const common::Status& status, std::string_view what);
  void Run(std::stop_token stop);

  Deps deps_;
  const std::chrono::milliseconds step_;
  exporter::AnomalyMetrics metrics_;

  std::mutex mu_;
  std::optional<std::vector<SignalSet>> pending_;  // guarded by mu_: the sets of SetSets

  // Used by Tick only.
  std::map<std::string, SetState> sets_;  // by name
  bool restored_ = false;
  std::vector<ScorerKey> forgotten_;  // saved state to delete
  bool store_failing_ = false;

  std::jthread thread_;  // last: stopped and joined before the members it uses go
};

}  // namespace rebound::controller::anomaly
