// TrafficSimulator: the HTTP traffic each Deployment and StatefulSet serves, behind the
// per-app series http_requests_total{code} and http_request_duration_seconds.
//
// Each workload is offered its current version's requestsPerSecond. With no ready replica
// every request fails (503). An overload behaviour serves at most readyReplicas ×
// capacityPerReplica requests/s; the rest fail with 503, and latency rises in proportion to
// demand / capacity (at most 10 s), so scaling up brings the error rate and latency down.
// Other behaviours serve everything at their base latency. Latencies are spread over 0.5×,
// 1× and 2× the current latency (a quarter, a half, a quarter of the requests).
//
// Thread-safety: Advance() must not run concurrently with itself; Snapshot() may be called
// from any thread.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "common/clock.h"
#include "tools/kubesim/behaviour.h"
#include "tools/kubesim/object_store.h"

namespace rebound::kubesim {

class TrafficSimulator {
 public:
  TrafficSimulator(const ObjectStore& store, const BehaviourBook& behaviours,
                   const common::Clock& clock)
      : store_(store), behaviours_(behaviours), clock_(clock) {}

  // Accrues the requests of the time since the previous call (the first call only starts
  // the clock).
  void Advance();

  struct Series {
    WorkloadRef workload;
    uint64_t ok = 0;                // code 200
    uint64_t errors = 0;            // code 503
    std::vector<uint64_t> buckets;  // per bound of BucketBounds(), not cumulative; last is +Inf
    double sum_seconds = 0;
    double error_ratio = 0;      // of the current load
    double latency_seconds = 0;  // of the current load
  };
  std::vector<Series> Snapshot() const;

  // Upper bounds of the latency histogram (Prometheus' default buckets).
  static const std::vector<double>& BucketBounds();

 private:
  struct State {
    Series series;
    double carry_ok = 0;
    double carry_errors = 0;
  };

  const ObjectStore& store_;
  const BehaviourBook& behaviours_;
  const common::Clock& clock_;
  std::optional<std::chrono::steady_clock::time_point> last_;
  mutable std::mutex mu_;
  std::map<WorkloadRef, State> state_;  // guarded by mu_
};

}  // namespace rebound::kubesim
