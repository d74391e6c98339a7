// The anomaly gate of a playbook (`spec.when.anomaly`, DESIGN.md section 5.1): act only when
// the target's own signals say that something unusual is happening now.
//
// EvaluateGate fetches the signals' history over [now - lookback, now] (one workload: no
// grouping), warms a fresh Scorer on every row and reads the score of the latest one. The
// gate passes when that score is above the playbook's threshold. When no score can be had —
// no Prometheus, a query that fails, no data, or fewer rows than the scorer's warm-up — the
// playbook's onMissingData decides (act or skip), and the decision says why.
//
// Thread-safety: EvaluateGate is reentrant; the PrometheusApi must allow concurrent calls (all
// implementations do).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "controller/anomaly/signal_history.h"
#include "controller/promql/prometheus_api.h"

namespace rebound::controller::anomaly {

// What the gate decides when it cannot compute a score.
enum class OnMissingData { kAct, kSkip };

// "act" | "skip", as playbooks and rebound.yaml spell it.
std::string_view OnMissingDataName(OnMissingData on_missing_data);

struct GateRequest {
  std::vector<SignalQuery> signals;  // rendered; 1..rebound::anomaly::kMaxSignals
  std::chrono::milliseconds lookback{std::chrono::hours(1)};
  std::chrono::milliseconds step{std::chrono::seconds(30)};
  double above = 0.99;  // the score must be above this for the gate to pass
  OnMissingData on_missing_data = OnMissingData::kSkip;
};

struct GateDecision {
  bool pass = false;
  bool scored = false;      // false: no score could be computed; on_missing_data decided
  double score = 0;         // the latest row's score (0 when not scored)
  std::string top_signal;   // the signal contributing most; "" when none deviated or not scored
  std::size_t samples = 0;  // rows of history the scorer learnt
  // For people, e.g. "anomaly score 0.42 (top signal memory) is not above 0.99", or "no
  // anomaly score: signal memory returned no data over the last 1h; onMissingData is skip".
  std::string explanation;
};

// Decides the gate at `now` (see the file comment). Never fails: every problem, including a
// null `prometheus` (none configured), is a decision taken by request.on_missing_data.
GateDecision EvaluateGate(promql::PrometheusApi* prometheus, const GateRequest& request,
                          promql::TimePoint now);

}  // namespace rebound::controller::anomaly
