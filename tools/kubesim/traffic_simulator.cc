#include "tools/kubesim/traffic_simulator.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tools/kubesim/app_faults.h"
#include "tools/kubesim/json_access.h"

namespace rebound::kubesim {
namespace {

constexpr double kMaxLatencySeconds = 10;

uint64_t Take(double& carry) {
  double whole = std::floor(carry);
  carry -= whole;
  return static_cast<uint64_t>(whole);
}

double Seconds(std::chrono::milliseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

TrafficSimulator::Latencies::Latencies() : buckets(BucketBounds().size() + 1) {}

void TrafficSimulator::Latencies::Observe(double latency_seconds, uint64_t n) {
  const std::vector<double>& bounds = BucketBounds();
  auto bucket = std::lower_bound(bounds.begin(), bounds.end(), latency_seconds);
  buckets[static_cast<size_t>(bucket - bounds.begin())] += n;
  sum_seconds += latency_seconds * static_cast<double>(n);
  count += n;
}

void TrafficSimulator::Latencies::ObserveSpread(double latency_seconds, uint64_t n) {
  Observe(latency_seconds / 2, n / 4);
  Observe(latency_seconds * 2, n / 4);
  Observe(latency_seconds, n - 2 * (n / 4));
}

const std::vector<double>& TrafficSimulator::BucketBounds() {
  static const std::vector<double> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                              0.5,   1,    2.5,   5,    10};
  return kBounds;
}

TrafficSimulator::Load TrafficSimulator::LoadOf(const Behaviour& behaviour, double ready,
                                                std::chrono::steady_clock::time_point now) {
  Load load;
  load.demand = OfferedRequestsPerSecond(behaviour, now);
  double capacity = ready == 0 ? 0
                    : behaviour.type == Behaviour::Type::kOverload
                        ? ready * behaviour.capacity_per_replica
                        : std::numeric_limits<double>::infinity();
  load.served = std::min(load.demand, capacity);
  load.latency_seconds = Seconds(behaviour.latency);
  if (capacity > 0 && load.demand > capacity) {
    load.latency_seconds =
        std::min(kMaxLatencySeconds, load.latency_seconds * load.demand / capacity);
  }
  return load;
}

void TrafficSimulator::Advance() {
  auto now = clock_.MonotonicNow();
  double dt = last_ ? std::chrono::duration<double>(now - *last_).count() : 0;
  last_ = now;
  std::map<WorkloadRef, std::vector<PodSimulator::App>> ready_apps;
  for (PodSimulator::App& app : pods_.Apps()) {
    if (app.ready) ready_apps[app.workload].push_back(std::move(app));
  }
  std::map<WorkloadRef, State> next;
  std::map<std::pair<std::string, std::string>, PodState> next_pods;
  std::lock_guard lock(mu_);
  for (Kind kind : {Kind::kDeployment, Kind::kStatefulSet}) {
    for (const json& workload : store_.ListObjects(TypeOf(kind)).items) {
      WorkloadRef ref{kind, NamespaceOf(workload), NameOf(workload)};
      const json* spec = Find(workload, "/spec/template/spec");
      Behaviour behaviour = behaviours_.Get(ref, CodeVersion(spec ? *spec : json()));
      double ready = static_cast<double>(IntAt(workload, "/status/readyReplicas", 0));
      Load load = LoadOf(behaviour, ready, now);
      double demand = load.demand;
      double served = load.served;
      double latency = load.latency_seconds;

      auto found = state_.find(ref);
      State state = found == state_.end() ? State() : std::move(found->second);
      Series& series = state.series;
      series.workload = ref;
      std::optional<Calls>& calls = series.calls;
      if (behaviour.type == Behaviour::Type::kDependencyErrors) {
        if (!calls || calls->peer != behaviour.peer) {
          calls = Calls();
          calls->peer = behaviour.peer;
        }
        calls->failed_code = behaviour.dependency_down ? "503" : "0";
      }

      // Each ready pod's share of the served requests, failing as its own behaviour says.
      const std::vector<PodSimulator::App>& apps = ready_apps[ref];
      double share = apps.empty() ? 0 : served / static_cast<double>(apps.size());
      double failing = 0;  // requests/s
      uint64_t failed = 0;
      for (const PodSimulator::App& app : apps) {
        auto key = std::pair(app.ns, app.pod);
        auto pod_found = pods_state_.find(key);
        PodState pod = pod_found == pods_state_.end() ? PodState() : std::move(pod_found->second);
        double ratio = FaultFailureRatio(app.behaviour, app.started, now);
        failing += share * ratio;
        pod.carry_failed += share * ratio * dt;
        uint64_t pod_failed = Take(pod.carry_failed);
        failed += pod_failed;
        double timeout = Seconds(app.behaviour.timeout);
        series.latencies.Observe(timeout, pod_failed);
        if (calls && app.behaviour.type == Behaviour::Type::kDependencyErrors) {
          calls->failed += pod_failed;
          calls->latencies.Observe(timeout, pod_failed);
        }
        if (app.behaviour.type == Behaviour::Type::kConnectionPoolExhausted) {
          ConnectionPool connections = PoolAt(app.behaviour, app.started, now);
          pod.pool = {app.ns,           app.pod,         app.behaviour.pool_name,
                      connections.used, connections.max, pod.pool.timeouts + pod_failed};
        } else {
          pod.pool = {};
        }
        next_pods.emplace(key, std::move(pod));
      }

      series.error_ratio = demand > 0 ? (demand - served + failing) / demand : 0;
      series.latency_seconds = latency;
      state.carry_ok += (served - failing) * dt;
      state.carry_errors += (demand - served) * dt;
      uint64_t ok = Take(state.carry_ok);
      uint64_t errors = Take(state.carry_errors);
      series.ok += ok;
      series.errors += errors + failed;
      series.latencies.ObserveSpread(latency, ok + errors);
      if (calls) {
        calls->ok += ok;
        calls->latencies.ObserveSpread(latency, ok);
      }
      next.emplace(ref, std::move(state));
    }
  }
  state_ = std::move(next);
  pods_state_ = std::move(next_pods);
}

std::vector<TrafficSimulator::Series> TrafficSimulator::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<Series> out;
  for (const auto& [ref, state] : state_) out.push_back(state.series);
  return out;
}

std::vector<TrafficSimulator::Pool> TrafficSimulator::Pools() const {
  std::lock_guard lock(mu_);
  std::vector<Pool> out;
  for (const auto& [key, pod] : pods_state_) {
    if (pod.pool.max > 0) out.push_back(pod.pool);
  }
  return out;
}

}  // namespace rebound::kubesim
