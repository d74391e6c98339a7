// SignalSet: one continuously scored signal set (rebound.yaml `anomaly.signals`, DESIGN.md
// section 6) — a few PromQL queries about every workload, scored per (namespace, workload) by
// the ContinuousScorer (continuous_scorer.h) and exported under the set's name.
//
// Plain values and pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "anomaly/scorer.h"
#include "controller/anomaly/signal_history.h"

namespace rebound::controller::anomaly {

// Prometheus refuses a range query of more points per series than this, so a lookback is at
// most this many steps.
struct SignalSet {
  std::string name;  // the `signal` label of rebound_anomaly_score
  // 1..anomaly::kMaxSignals queries, each returning series labelled `namespace` and `workload`.
  std::vector<SignalQuery> queries;
  // The history that warms the scorer of a workload seen for the first time; a workload
  // without data for longer than this is forgotten.
  std::chrono::milliseconds lookback = std::chrono::hours(1);
  std::chrono::milliseconds season{0};  // a seasonal period (e.g. 24h); 0 for none
};

// The options of a scorer for `set` sampled every `step`: one signal per query and a season of
// season / step samples.
rebound::anomaly::ScorerOptions ScorerOptionsFor(const SignalSet& set,
                                                 std::chrono::milliseconds step);

// What a scorer's state depends on — the step, the season and the queries (names and PromQL) —
// as text: a state learnt under another signature is not reused.
std::string Signature(const SignalSet& set, std::chrono::milliseconds step);

}  // namespace rebound::controller::anomaly
