#include "tools/kubesim/app_faults.h"

#include <algorithm>
#include <cmath>

namespace rebound::kubesim {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

double DependencyErrorRatio(const Behaviour& behaviour, SteadyTime started, SteadyTime now) {
  if (behaviour.type != Behaviour::Type::kDependencyErrors) return 0;
  SteadyTime fault = behaviour.set_at + behaviour.fault_after;
  if (now < fault) return 0;
  if (!behaviour.dependency_down && started > fault) return 0;
  double growth = Seconds(behaviour.error_growth);
  double grown = growth > 0 ? std::min(1.0, Seconds(now - fault) / growth) : 1.0;
  return behaviour.error_ratio * grown;
}

ConnectionPool PoolAt(const Behaviour& behaviour, SteadyTime started, SteadyTime now) {
  if (behaviour.type != Behaviour::Type::kConnectionPoolExhausted) return {};
  ConnectionPool pool;
  pool.max = behaviour.max_connections;
  double uptime = std::max(0.0, Seconds(now - started));
  double leaked = std::min(pool.max, std::floor(behaviour.connection_leak_per_second * uptime));
  double wanted = leaked + behaviour.busy_connections;
  pool.used = std::min(pool.max, wanted);
  pool.timeout_ratio = std::clamp((wanted - pool.max) / behaviour.busy_connections, 0.0, 1.0);
  return pool;
}

double FaultFailureRatio(const Behaviour& behaviour, SteadyTime started, SteadyTime now) {
  return std::max(DependencyErrorRatio(behaviour, started, now),
                  PoolAt(behaviour, started, now).timeout_ratio);
}

}  // namespace rebound::kubesim
