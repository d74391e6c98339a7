// Signal histories: the anomaly scorer's input, fetched from Prometheus.
//
// A signal set is a few named PromQL expressions about one workload (memory, restarts,
// latency...). FetchSignalHistories evaluates each with query_range over a window and lines
// the results up by timestamp into one sample vector per step, grouped by the values of some
// labels (namespace and workload for continuously scored sets, none for a playbook gate, which
// asks about one workload). ScoreHistory feeds such a history to a Scorer, oldest first.
//
// Used by the playbook gate (gate.h) and by continuous scoring (continuous_scorer.h).
// Thread-safety: free functions over caller-owned values; FetchSignalHistories may be called
// from any number of threads when the PrometheusApi allows it (all implementations do).
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "anomaly/scorer.h"
#include "common/status.h"
#include "controller/promql/prometheus_api.h"

namespace rebound::controller::anomaly {

struct SignalQuery {
  std::string name;   // the signal's name, reported as the top contributor
  std::string query;  // PromQL, rendered (no templates left)
};

struct SignalHistory {
  std::vector<std::string> signals;      // names, in query order
  std::vector<promql::TimePoint> times;  // ascending: every step at which any signal has a point
  std::vector<double> values;            // times.size() x signals.size(), row-major; NaN = no point

  std::span<const double> Row(std::size_t i) const {
    return std::span<const double>(values).subspan(i * signals.size(), signals.size());
  }
};

// The values of the group_by labels, in group_by's order; empty when group_by is empty.
using GroupKey = std::vector<std::string>;

// Runs every query over [start, end] at `step` and groups the series by `group_by` labels (a
// series lacking one of them has "" for it). Success: one history per group found, possibly
// none when every query returned an empty matrix.
// Failure: the first query's failure from PrometheusApi::RangeQuery, with the signal named;
// InvalidArgument when a query returns more than one series for one group (the message says
// to aggregate, e.g. `sum by (...)`).
common::Result<std::map<GroupKey, SignalHistory>> FetchSignalHistories(
    promql::PrometheusApi& prometheus, std::span<const SignalQuery> queries,
    promql::TimePoint start, promql::TimePoint end, std::chrono::milliseconds step,
    std::span<const std::string> group_by);

struct SignalScore {
  double score = 0;                   // the scorer's score after the last row
  std::vector<double> contributions;  // per signal, in the history's order
  int top_signal = -1;                // index into the history's signals, -1 when none deviated
  std::size_t samples = 0;            // rows the scorer learnt in total
  bool warm = false;                  // whether the scorer was past its warm-up at the end
};

// Feeds every row of `history` (rows before `from`, if given, are skipped) to `scorer` in
// order and reports the state after the last one. The scorer's signal count must equal the
// history's (asserted).
SignalScore ScoreHistory(rebound::anomaly::Scorer& scorer, const SignalHistory& history,
                         std::size_t from = 0);

}  // namespace rebound::controller::anomaly
