// TrafficSimulator: the HTTP traffic each Deployment and StatefulSet serves, behind the
// per-app series http_requests_total{code} and http_request_duration_seconds, the calls the
// applications make to their dependencies (http_client_requests_total{peer,code},
// http_client_request_duration_seconds) and their database connection pools
// (db_client_connections_*).
//
// Each workload is offered its current version's requestsPerSecond (or the point its traffic
// ramp has reached, behaviour.h). With no ready replica
// every request fails (503). An overload behaviour serves at most readyReplicas ×
// capacityPerReplica requests/s; the rest fail with 503, and latency rises in proportion to
// demand / capacity (at most 10 s), so scaling up brings the error rate and latency down.
// Other behaviours serve everything at their base latency. Latencies are spread over 0.5×,
// 1× and 2× the current latency (a quarter, a half, a quarter of the requests).
//
// The served requests are shared evenly by the ready pods, and each pod's share fails as
// its own code version's behaviour says (app_faults.h): the calls to a dependency that fail
// (code "0", or "503" when the dependency is down) and the requests that time out waiting
// for a pool connection fail with 503 after the behaviour's timeout. Every served request
// calls the workload's peer once: the peer of the last dependency-errors behaviour seen, kept
// after the behaviour changes (the code still calls it, successfully).
//
// Thread-safety: Advance() must not run concurrently with itself; Snapshot() and Pools() may
// be called from any thread.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "tools/kubesim/behaviour.h"
#include "tools/kubesim/object_store.h"
#include "tools/kubesim/pod_simulator.h"

namespace rebound::kubesim {

class TrafficSimulator {
 public:
  TrafficSimulator(const ObjectStore& store, const BehaviourBook& behaviours,
                   const PodSimulator& pods, const common::Clock& clock)
      : store_(store), behaviours_(behaviours), pods_(pods), clock_(clock) {}

  // Accrues the requests of the time since the previous call (the first call only starts
  // the clock).
  void Advance();

  // The load on a workload whose current version has `behaviour`, with `ready` ready
  // replicas, at `now`: what the series here and the service proxy (service_proxy.h) follow.
  struct Load {
    double demand = 0;           // requests/s offered
    double served = 0;           // requests/s served; the rest fail with 503
    double latency_seconds = 0;  // of the served requests
    // The share of the offered requests that are not served.
    double UnservedShare() const { return demand > 0 ? (demand - served) / demand : 0; }
  };
  static Load LoadOf(const Behaviour& behaviour, double ready,
                     std::chrono::steady_clock::time_point now);

  // A latency histogram.
  struct Latencies {
    std::vector<uint64_t> buckets;  // per bound of BucketBounds(), not cumulative; last is +Inf
    double sum_seconds = 0;
    uint64_t count = 0;
    Latencies();
    void Observe(double latency_seconds, uint64_t n);
    // A quarter of `n` at half `latency_seconds`, a quarter at twice it, the rest at it.
    void ObserveSpread(double latency_seconds, uint64_t n);
  };

  // The calls of a workload to its dependency.
  struct Calls {
    std::string peer;
    std::string failed_code;  // "0" (no answer) or "503" (the dependency is down)
    uint64_t ok = 0;          // code 200
    uint64_t failed = 0;      // code failed_code
    Latencies latencies;
  };

  struct Series {
    WorkloadRef workload;
    uint64_t ok = 0;      // code 200
    uint64_t errors = 0;  // code 503
    Latencies latencies;
    double error_ratio = 0;      // of the current load
    double latency_seconds = 0;  // of the current load (requests that succeed)
    std::optional<Calls> calls;
  };
  std::vector<Series> Snapshot() const;

  // The database connection pool of a running pod (connection-pool-exhausted).
  struct Pool {
    std::string ns;
    std::string pod;
    std::string name;
    double used = 0;
    double max = 0;
    uint64_t timeouts = 0;
  };
  std::vector<Pool> Pools() const;

  // Upper bounds of the latency histogram (Prometheus' default buckets).
  static const std::vector<double>& BucketBounds();

 private:
  struct State {
    Series series;
    double carry_ok = 0;
    double carry_errors = 0;
  };
  struct PodState {
    Pool pool;
    double carry_failed = 0;
  };

  const ObjectStore& store_;
  const BehaviourBook& behaviours_;
  const PodSimulator& pods_;
  const common::Clock& clock_;
  std::optional<std::chrono::steady_clock::time_point> last_;
  mutable std::mutex mu_;
  std::map<WorkloadRef, State> state_;                                  // guarded by mu_
  std::map<std::pair<std::string, std::string>, PodState> pods_state_;  // guarded by mu_
};

}  // namespace rebound::kubesim
