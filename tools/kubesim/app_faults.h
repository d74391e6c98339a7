// The application inside one pod under a dependency-errors or connection-pool-exhausted
// behaviour (behaviour.h) at one moment: pure functions of the behaviour, when the pod's
// application container started and the simulated clock's now, so the simulation is
// deterministic.
//
// Thread-safety: stateless functions.
#pragma once

#include <chrono>

#include "tools/kubesim/behaviour.h"

namespace rebound::kubesim {

using SteadyTime = std::chrono::steady_clock::time_point;

// The share of a pod's calls to `behaviour.peer` that fail: 0 for other types and before the
// fault starts (set_at + fault_after); then rising linearly to error_ratio over error_growth
// for pods whose container started no later than the fault (stale connections) or, with
// dependency_down, for every pod.
double DependencyErrorRatio(const Behaviour& behaviour, SteadyTime started, SteadyTime now);

struct ConnectionPool {
  double used = 0;           // connections in use: leaked + busy, at most max
  double max = 0;            // the pool's size
  double timeout_ratio = 0;  // share of requests that find no free connection and time out
};
// The connection pool of a pod (connection-pool-exhausted; all zero for other types).
ConnectionPool PoolAt(const Behaviour& behaviour, SteadyTime started, SteadyTime now);

// The share of a pod's requests that fail because of either fault (after `behaviour.timeout`).
double FaultFailureRatio(const Behaviour& behaviour, SteadyTime started, SteadyTime now);

}  // namespace rebound::kubesim
